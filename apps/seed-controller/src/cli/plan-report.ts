import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { type Family, type NetworkFields, parseNetworks } from '@overlap/cidr';
import {
  type Backend,
  EMPTY_LIVE_STATE,
  type NatParams,
  type Role,
  type RuleChains,
  TUNNEL_DEVICE_DEFAULTS,
  desiredRoutes,
  desiredRuleChains,
  natRequired,
  nftDevice,
  renderApply,
  renderApplyLines,
  routeDependencies,
} from '@overlap/natrules';
import { type MutationOutcome, mutateDeployment } from '../inject/mutate.ts';
import { ENVOY_GID, SEED_TUNNEL_DEVICE } from '../inject/names.ts';
import { type JsonPatch, deploymentPatch } from '../inject/patch.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../inject/settings.ts';
import { ownedObjects } from '../owned/objects.ts';
import type { ShootFacts } from '../shoot/shoot-facts.ts';
import { type ShootPlan, planFromFacts } from '../shoot/shoot-plan.ts';
import { type PlanSummary, planSummary } from './plan-summary.ts';
import { type VpnShootOutcome, mutateVpnShoot } from '../vpn-shoot/mutate-vpn-shoot.ts';
import { DEFAULT_SHOOT_AGENT_SETTINGS, type VpnShootWorkload } from '../vpn-shoot/shoot-agent.ts';
import { type ShootWebhookSettings, shootWebhookObjects } from '../vpn-shoot/shoot-webhooks.ts';

/** The defaults of CONTRACTS.md for the shoot side (vpn-shoot's egress device). */
const SHOOT_EGRESS_DEVICE = 'eth0';

export const FLAG_FIELDS: NetworkFields = {
  seedPods: '--seed-pods',
  pods: '--shoot-pods',
  services: '--shoot-services',
  nodes: '--shoot-nodes',
};

export interface FlagNetworks {
  readonly seedPods?: string;
  readonly pods?: string;
  readonly services?: string;
  readonly nodes?: string;
  readonly ha: boolean;
}

/** Facts for a dry run from flags: a shoot with workers and a seed, HA as told. */
export function factsFromFlags(input: FlagNetworks, namespace: string): ShootFacts {
  const networks = parseNetworks(input, FLAG_FIELDS);
  const families = [...new Set([...networks.pods, ...networks.services, ...networks.nodes].map((c) => c.family))];
  const shootFamilies: Family[] = families.length > 0 ? families : ['IPv4'];
  return {
    namespace,
    networks,
    shootFamilies,
    seedFamilies: [networks.seedPods?.family ?? 'IPv4'],
    hasSeed: true,
    hasWorkers: true,
    haVpn: input.ha,
    haVpnSource: input.ha ? '--ha' : 'no --ha',
    dualStackMigrating: false,
    extensions: [],
  };
}

export interface PlanReport {
  readonly namespace: string;
  readonly ha: boolean;
  /** The seed pod network overlaps a shoot network (Gardener's predicate). */
  readonly overlap: boolean;
  /** The controller injects Envoy, the egress selector and the seed agent (HA and overlap). */
  readonly inject: boolean;
  readonly reason: string;
  /** What changes on the seed and in the shoot, in short: what the text output shows first. */
  readonly summary: PlanSummary;
  readonly mappings: ReadonlyArray<{ kind: string; original: string; mapped: string }>;
  readonly backend: Backend;
  readonly seedNat: boolean;
  readonly shootNat: boolean;
  /**
   * Each side's rule set, empty where that side does not translate. Rendered only by the output that shows it:
   * `overlap plan --all` needs none, the text output shows them in pieces (tens of thousands of lines at scale).
   */
  readonly seedRules: RuleChains;
  readonly shootRules: RuleChains;
  /** Per side: how the rules match the tunnel and which routes carry the traffic, and whose they are. */
  readonly dataPath: { readonly seed: SideDataPath; readonly shoot: SideDataPath };
  readonly deployment: { readonly source: string; readonly outcome: MutationOutcome; readonly patch: JsonPatch };
  /**
   * Every object the controller would create or keep for this shoot: in its seed namespace (Secret data of the PKI
   * as `<generated>`), then the webhook configuration that the ManagedResource puts into the shoot.
   */
  readonly objects: readonly KubernetesObject[];
  /** What the shoot webhook would do to this vpn-shoot; `not_called` when the shoot gets no webhook. */
  readonly vpnShoot: {
    readonly source: string;
    readonly outcome: VpnShootOutcome | 'not_called';
    readonly detail: string;
    readonly patch: JsonPatch;
  };
}

export interface SideDataPath {
  /** OVERLAP_TUNNEL_DEVICE of this side's agent: one device or a prefix pattern. */
  readonly device: string;
  /** The same as each backend spells it in its interface matches. */
  readonly iptables: string;
  readonly nftables: string;
  /** Empty when this side does not translate. */
  readonly routes: readonly PlannedRoute[];
}

interface PlannedRoute {
  readonly destination: string;
  readonly kind: string;
  readonly device: string;
  /** HA: the Gardener controller that installs it (the agent only checks it); point-to-point: the agent. */
  readonly owner: string;
  readonly installedByAgent: boolean;
  /** HA: whole (every address routed through the devices) or some (at least one route back into the block). */
  readonly coverage?: 'whole' | 'some';
}

/** The agents' defaults for OVERLAP_TUNNEL_DEVICE, the same for both roles (the injected seed agent: HA). */
const tunnelDevice = (ha: boolean): string => (ha ? SEED_TUNNEL_DEVICE : TUNNEL_DEVICE_DEFAULTS.pointToPoint);

const natParams = (plan: ShootPlan, role: Role, ha: boolean): NatParams => ({
  role,
  mappings: plan.mappings,
  tunnelDevice: tunnelDevice(ha),
  egressDevice: SHOOT_EGRESS_DEVICE,
  envoyGid: ENVOY_GID,
});

/** A side's rules, each made only when it is rendered (`overlap plan` at scale: 30 000 of them, kept by nobody). */
const rules = (plan: ShootPlan, role: Role, ha: boolean, nat: boolean): RuleChains =>
  nat ? desiredRuleChains(natParams(plan, role, ha)) : { role, chains: [] };

/** A side's rules as the text its backend applies to an empty table (what the agent's first apply runs). */
const rulesText = (report: PlanReport, rules: RuleChains): string => renderApply(report.backend, rules, EMPTY_LIVE_STATE(report.backend));

/** rulesText line by line, without the line ends, each made when it is asked for. */
export const rulesLines = (report: PlanReport, rules: RuleChains): Iterable<string> =>
  renderApplyLines(report.backend, rules, EMPTY_LIVE_STATE(report.backend));

/** The report as `--output json` prints it: each side's rules as the text its backend applies. */
export type PlanJson = Omit<PlanReport, 'seedRules' | 'shootRules'> & { readonly seedRules: string; readonly shootRules: string };

export function planJson(report: PlanReport): PlanJson {
  // The same keys in the same order, only the rule sets replaced by their text.
  return { ...report, seedRules: rulesText(report, report.seedRules), shootRules: rulesText(report, report.shootRules) };
}

/** Point-to-point routes with the kind of network each carries, looked up by mapped block (not searched: 10 000 routes). */
function routesWithKinds(plan: ShootPlan, params: NatParams, role: Role): PlannedRoute[] {
  const kinds = new Map(plan.mappings.map((m) => [m.mapped.text, m.kind]));
  return desiredRoutes(params).map((r) => ({
    destination: r.destination.text,
    kind: kinds.get(r.destination.text) ?? 'unknown',
    device: r.device,
    owner: `${role}-vpn-agent`,
    installedByAgent: true,
  }));
}

/** The same split the agents make (agent-core plan.ts): HA depends on the owners' routes, point-to-point installs. */
function dataPath(plan: ShootPlan, role: Role, ha: boolean, nat: boolean): SideDataPath {
  const params = natParams(plan, role, ha);
  const device = params.tunnelDevice;
  const routes: PlannedRoute[] = !nat
    ? []
    : ha
      ? routeDependencies(params).map((d) => ({
          destination: d.destination.text,
          kind: d.kind,
          device: d.devicePattern,
          owner: d.owner,
          installedByAgent: false,
          coverage: d.coverage,
        }))
      : routesWithKinds(plan, params, role);
  return { device, iptables: device, nftables: nftDevice(device), routes };
}

/** The whole dry run: decision, mappings, both sides' rules, the objects kept, and the patches both webhooks would send. */
export function planReport(
  facts: ShootFacts,
  fields: NetworkFields,
  backend: Backend,
  deployment: { readonly source: string; readonly object: V1Deployment },
  vpnShoot: { readonly source: string; readonly object: VpnShootWorkload },
  shootWebhook: ShootWebhookSettings,
): PlanReport {
  const plan = planFromFacts(facts, DEFAULT_INJECTION_SETTINGS, fields);
  const objects = ownedObjects(plan, { shootWebhook, monitoring: true });
  const shootObjects = plan.injection ? [shootWebhookObjects(facts.namespace, shootWebhook).webhookConfiguration as KubernetesObject] : [];
  const shootMutation = plan.injection ? mutateVpnShoot(vpnShoot.object, DEFAULT_SHOOT_AGENT_SETTINGS) : undefined;
  const decision = { ha: facts.haVpn, overlap: plan.decision.overlap.overlap };
  const seedNat = natRequired('seed', decision);
  const shootNat = natRequired('shoot', decision);
  const mutation = mutateDeployment(deployment.object, plan.injection);
  return {
    namespace: facts.namespace,
    ha: facts.haVpn,
    overlap: decision.overlap,
    inject: plan.decision.inject,
    reason: plan.decision.reason,
    summary: planSummary({
      inject: plan.decision.inject,
      ha: facts.haVpn,
      seedNat,
      shootNat,
      deployment: { before: deployment.object, after: mutation.deployment },
      vpnShoot: shootMutation ? { before: vpnShoot.object, after: shootMutation.object } : undefined,
      objects: [...objects, ...shootObjects],
    }),
    mappings: plan.mappings.map((m) => ({ kind: m.kind, original: m.original.text, mapped: m.mapped.text })),
    backend,
    seedNat,
    shootNat,
    seedRules: rules(plan, 'seed', facts.haVpn, seedNat),
    shootRules: rules(plan, 'shoot', facts.haVpn, shootNat),
    dataPath: {
      seed: dataPath(plan, 'seed', facts.haVpn, seedNat),
      shoot: dataPath(plan, 'shoot', facts.haVpn, shootNat),
    },
    deployment: {
      source: deployment.source,
      outcome: mutation.outcome,
      patch: deploymentPatch(deployment.object, mutation.deployment),
    },
    objects: [...objects, ...shootObjects],
    vpnShoot: {
      source: vpnShoot.source,
      outcome: shootMutation?.outcome ?? 'not_called',
      detail: shootMutation?.detail ?? 'the shoot gets no ManagedResource and so no webhook for vpn-shoot',
      patch: shootMutation ? deploymentPatch(vpnShoot.object, shootMutation.object) : [],
    },
  };
}
