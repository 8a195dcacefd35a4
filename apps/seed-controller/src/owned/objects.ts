import type { KubernetesObject } from '@kubernetes/client-node';
import { pkiSecrets } from '../pki/secrets.ts';
import type { ShootPki } from '../pki/shoot-pki.ts';
import type { ShootPlan } from '../shoot/shoot-plan.ts';
import { type ShootWebhookSettings, shootWebhookObjects } from '../vpn-shoot/shoot-webhooks.ts';
import type { OwnedKind } from './kinds.ts';
import { shootMonitoringObjects } from '../monitoring/shoot-monitoring.ts';

/** What a builder may use besides the plan: state that lives in the cluster, such as issued keys. None in a dry run. */
export interface ShootMaterial {
  readonly pki?: ShootPki;
  /** The controller's Service URL and serving CA (read from its file) for the webhook in the shoot. */
  readonly shootWebhook?: ShootWebhookSettings;
  /** Whether the shoot namespace gets the objects of Gardener's shoot monitoring (`--shoot-monitoring=gardener`). */
  readonly monitoring?: boolean;
}

/** Reads (and renews) a shoot's material, given the objects of ours its namespace holds now. */
export type MaterialSource = (namespace: string, live: (kind: OwnedKind) => readonly KubernetesObject[]) => Promise<ShootMaterial>;

/** One kind of owned object for one shoot: the objects it wants, as full manifests with the owned labels. */
type ObjectBuilder = (plan: ShootPlan, material: ShootMaterial) => readonly KubernetesObject[];

/** The ConfigMaps the injection mounts (content-named, immutable). */
const configMaps: ObjectBuilder = (plan) => (plan.configMaps ? [plan.configMaps.envoy, plan.configMaps.egress] : []);

/** The shoot's CA, CA bundle, Envoy's serving and kube-apiserver's client certificate. */
const secrets: ObjectBuilder = (plan, material) => pkiSecrets(plan, material.pki);

/**
 * The ManagedResource that puts the vpn-shoot webhook into the shoot, and the Secret with its manifests (written
 * first: the ManagedResource refers to it). Wanted exactly when the injection is: an HA shoot with an overlap.
 * None without the settings (a dry run that does not ask for them).
 */
const shootWebhooks: ObjectBuilder = (plan, material) => {
  if (!plan.injection || !material.shootWebhook) return [];
  const { secret, managedResource } = shootWebhookObjects(plan.facts.namespace, material.shootWebhook);
  return [secret as KubernetesObject, managedResource as KubernetesObject];
};

/** The shoot Prometheus' PodMonitor, ScrapeConfig and PrometheusRule and the Plutono dashboard, while injected. */
const monitoring: ObjectBuilder = (plan, material) => (plan.injection && material.monitoring ? shootMonitoringObjects(plan.facts.namespace) : []);

/** Every builder, in the order the objects are created (what a later object refers to comes first). */
const OBJECT_BUILDERS: readonly ObjectBuilder[] = [configMaps, secrets, shootWebhooks, monitoring];

/** Every object the controller creates or keeps for one shoot; none for a shoot without an injection. */
export function ownedObjects(plan: ShootPlan, material: ShootMaterial): KubernetesObject[] {
  return OBJECT_BUILDERS.flatMap((build) => build(plan, material));
}
