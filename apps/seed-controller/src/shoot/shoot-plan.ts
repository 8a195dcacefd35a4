import { createHash } from 'node:crypto';
import { type Mapping, type NetworkFields, planMappings } from '@overlap/cidr';
import { type ControlPlaneConfigMaps, controlPlaneConfigMaps } from '../inject/configmaps.ts';
import { type Injection, buildInjection } from '../inject/injection.ts';
import type { InjectionSettings } from '../inject/settings.ts';
import { type InjectionDecision, decideInjection } from './decision.ts';
import { CLUSTER_FIELDS, type ClusterObject, type ShootFacts, shootFactsFromCluster } from './shoot-facts.ts';

/** Everything the controller and the webhook do for one shoot, computed purely from its Cluster. */
export interface ShootPlan {
  readonly facts: ShootFacts;
  readonly decision: InjectionDecision;
  /** Computed for every shoot with a known seed, so networks that cannot be mapped are reported before they matter. */
  readonly mappings: readonly Mapping[];
  /** Present iff the decision is to inject. */
  readonly configMaps: ControlPlaneConfigMaps | undefined;
  readonly injection: Injection | undefined;
  /** Names the injection mounts, for the builders of the objects behind them. */
  readonly settings: InjectionSettings;
  /** Changes whenever what the webhook would do changes; the reconciler writes it onto the Deployment. */
  readonly hash: string;
}

/** Throws InputError (naming the Cluster field) for a shoot that must be skipped. */
export function planShoot(cluster: ClusterObject, settings: InjectionSettings): ShootPlan {
  return planFromFacts(shootFactsFromCluster(cluster), settings, CLUSTER_FIELDS);
}

/** `fields` name the inputs the networks came from, for the errors of networks that cannot be mapped. */
export function planFromFacts(facts: ShootFacts, settings: InjectionSettings, fields: NetworkFields): ShootPlan {
  const decision = decideInjection(facts, settings.extensionType);
  const mappings = planMappings(facts.networks, fields);
  const configMaps = decision.inject ? controlPlaneConfigMaps(facts.namespace) : undefined;
  const injection = configMaps ? buildInjection(facts, configMaps, settings) : undefined;
  const hash = createHash('sha256')
    .update(JSON.stringify({ inject: decision.inject, injection: injection ?? null }))
    .digest('hex')
    .slice(0, 16);
  return { facts, decision, mappings, configMaps, injection, settings, hash };
}
