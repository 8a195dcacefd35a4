import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { InputError } from '@overlap/runtime';
import { isGardenerManaged } from '../inject/mutate.ts';
import { AGENT_CONTAINER, INJECTED_ANNOTATION } from '../inject/names.ts';
import type { InjectionSettings } from '../inject/settings.ts';
import { objectRef } from '../owned/kinds.ts';
import { ownedObjects } from '../owned/objects.ts';
import type { ClusterObject } from '../shoot/shoot-facts.ts';
import { type ShootPlan, planShoot } from '../shoot/shoot-plan.ts';
import { DEFAULT_SHOOT_WEBHOOK_URL, SHOOT_WEBHOOKS_MANAGED_RESOURCE, SHOOT_WEBHOOK_TIMEOUT_SECONDS } from '../vpn-shoot/names.ts';
import type { AgentReadiness, NamespaceState } from './seed-state.ts';

/** How the shoot's kube-apiserver Deployment stands. */
export type DeploymentState = 'missing' | 'injected' | 'not-injected' | 'gardener';

interface AgentStatus {
  readonly pod: string;
  /** The seed-vpn-agent container's readiness as the kubelet reports it; `missing` for a pod without the agent. */
  readonly container: 'ready' | 'not-ready' | 'missing';
  /** The agent's own /readyz (e.g. "in sync"), when the pod proxy could be used. */
  readonly readyz: AgentReadiness | undefined;
}

export interface ShootStatus {
  readonly namespace: string;
  /** `skipped`: the controller cannot plan this Cluster and leaves the shoot alone (field and value in `reason`). */
  readonly state: 'planned' | 'skipped';
  readonly ha: boolean | undefined;
  readonly overlap: boolean | undefined;
  readonly inject: boolean;
  readonly reason: string;
  readonly skipped: { readonly field: string; readonly value: string } | undefined;
  readonly deployment: DeploymentState;
  readonly objects: { readonly wanted: readonly string[]; readonly missing: readonly string[]; readonly other: readonly string[] };
  /** gardener-resource-manager's ResourcesApplied on our ManagedResource: the vpn-shoot webhook in the shoot. */
  readonly shootSide: 'applied' | 'not-applied' | 'unknown' | 'none';
  readonly agents: readonly AgentStatus[];
  /** Everything not as planned, one sentence each; empty means as planned. */
  readonly problems: readonly string[];
}

/**
 * The ManagedResource's Secret is named after a hash of the manifests, which hold the controller's URL and CA;
 * whichever one the live ManagedResource refers to is the one wanted.
 */
const MR_SECRET = new RegExp(`^${SHOOT_WEBHOOKS_MANAGED_RESOURCE}-[0-9a-f]{8}$`);
const identity = (object: KubernetesObject): string =>
  object.kind === 'Secret' && MR_SECRET.test(object.metadata?.name ?? '') ? `Secret/${SHOOT_WEBHOOKS_MANAGED_RESOURCE}-*` : objectRef(object);

export function deploymentState(deployment: V1Deployment | undefined): DeploymentState {
  if (!deployment) return 'missing';
  if (deployment.spec?.template?.metadata?.annotations?.[INJECTED_ANNOTATION] !== undefined) return 'injected';
  return isGardenerManaged(deployment) ? 'gardener' : 'not-injected';
}

function agentStatus(pod: V1Pod, readiness: ReadonlyMap<string, AgentReadiness>): AgentStatus {
  const name = pod.metadata?.name ?? '';
  const container = pod.status?.containerStatuses?.find((c) => c.name === AGENT_CONTAINER);
  const declared = pod.spec?.containers?.some((c) => c.name === AGENT_CONTAINER);
  return {
    pod: name,
    container: container?.ready ? 'ready' : declared || container ? 'not-ready' : 'missing',
    readyz: readiness.get(name),
  };
}

function shootSide(owned: readonly KubernetesObject[]): ShootStatus['shootSide'] {
  const managedResource = owned.find((o) => o.kind === 'ManagedResource') as
    | (KubernetesObject & { status?: { conditions?: Array<{ type?: string; status?: string }> } })
    | undefined;
  if (!managedResource) return 'none';
  const applied = managedResource.status?.conditions?.find((c) => c.type === 'ResourcesApplied');
  if (!applied) return 'unknown';
  return applied.status === 'True' ? 'applied' : 'not-applied';
}

function skippedStatus(namespace: string, error: InputError, state: NamespaceState): ShootStatus {
  const deployment = deploymentState(state.deployment);
  return {
    namespace,
    state: 'skipped',
    ha: undefined,
    overlap: undefined,
    inject: false,
    reason: error.message,
    skipped: { field: error.field, value: error.value },
    deployment,
    objects: { wanted: [], missing: [], other: state.owned.map(objectRef) },
    shootSide: shootSide(state.owned),
    agents: [],
    problems: [`skipped: ${error.message}`],
  };
}

/** The names only: a dry run's objects (no keys, the default URL) name what the controller keeps. */
const WEBHOOK_FOR_NAMES = { baseUrl: DEFAULT_SHOOT_WEBHOOK_URL, caBundle: '', timeoutSeconds: SHOOT_WEBHOOK_TIMEOUT_SECONDS };

function plannedStatus(plan: ShootPlan, state: NamespaceState): ShootStatus {
  const { namespace } = plan.facts;
  const deployment = deploymentState(state.deployment);
  const inject = plan.decision.inject;
  const problems: string[] = [];
  // Gardener (v1.124+) translates this shoot itself: nothing of ours is wanted there (the reconciler's rule).
  const wantedObjects = deployment === 'gardener' ? [] : ownedObjects(plan, { shootWebhook: WEBHOOK_FOR_NAMES });
  const wanted = wantedObjects.map(identity);
  const live = new Set(state.owned.map(identity));
  const missing = wanted.filter((ref) => !live.has(ref));
  const other = state.owned.map(identity).filter((ref) => !wanted.includes(ref));
  const side = shootSide(state.owned);
  const agents = deployment === 'injected' ? state.pods.map((pod) => agentStatus(pod, state.readiness)) : [];

  if (inject && deployment === 'missing') problems.push('no kube-apiserver Deployment in the namespace');
  if (inject && deployment === 'not-injected') problems.push("kube-apiserver does not carry the injection (see the controller's events on the Cluster)");
  if (!inject && deployment === 'injected') problems.push('kube-apiserver still carries an injection the plan no longer wants');
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')}`);
  if (inject && side === 'not-applied')
    problems.push('gardener-resource-manager has not applied the vpn-shoot webhook in the shoot (ManagedResource ResourcesApplied is not True)');
  for (const agent of agents) {
    if (agent.container === 'missing') problems.push(`pod ${agent.pod} runs no ${AGENT_CONTAINER} (created before the injection; it goes with the rollout)`);
    else if (agent.readyz?.answer === 'not-ready') problems.push(`pod ${agent.pod}: ${AGENT_CONTAINER} not ready: ${agent.readyz.reason}`);
    else if (agent.container === 'not-ready') problems.push(`pod ${agent.pod}: ${AGENT_CONTAINER} not ready`);
  }
  return {
    namespace,
    state: 'planned',
    ha: plan.facts.haVpn,
    overlap: plan.decision.overlap.overlap,
    inject,
    reason: deployment === 'gardener' ? `Gardener runs Envoy itself here; overlap stands aside (${plan.decision.reason})` : plan.decision.reason,
    skipped: undefined,
    deployment,
    objects: { wanted, missing, other },
    shootSide: side,
    agents,
    problems,
  };
}

/** Judges one shoot against its plan; a Cluster the controller would skip is reported with the field at fault. */
export function shootStatus(cluster: ClusterObject, state: NamespaceState, settings: InjectionSettings): ShootStatus {
  const namespace = cluster.metadata?.name ?? '';
  let plan: ShootPlan;
  try {
    plan = planShoot(cluster, settings);
  } catch (error) {
    if (error instanceof InputError) return skippedStatus(namespace, error, state);
    throw error;
  }
  return plannedStatus(plan, state);
}

export const asPlanned = (status: ShootStatus): boolean => status.problems.length === 0;
