import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { CLUSTERS } from '../controller/cluster-watch.ts';
import { AGENT_METRICS_PORT, KUBE_APISERVER } from '../inject/names.ts';
import { call } from '../kube/access.ts';
import { DEPLOYMENTS, PODS } from '../kube/calls.ts';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError, type ObjectList, httpStatus, resourcePath, statusMessage, unlessStatus } from '../kube/request.ts';
import { OWNED_KINDS, kindClient } from '../owned/kinds.ts';
import type { ClusterObject } from '../shoot/shoot-facts.ts';
/** The labels gardenlet puts on kube-apiserver's pods (and its Deployment's selector). */
export const KUBE_APISERVER_POD_SELECTOR = 'app=kubernetes,role=apiserver';

/** What an agent's /readyz answered through the API server's pod proxy, or why it could not be asked. */
export type AgentReadiness = { readonly answer: 'ready' | 'not-ready'; readonly reason: string } | { readonly answer: 'unavailable'; readonly reason: string };

/** One shoot namespace as the seed shows it now: everything `overlap status` judges, read in a few list calls. */
export interface NamespaceState {
  readonly deployment: V1Deployment | undefined;
  /** Objects with the controller's label, of every owned kind. */
  readonly owned: readonly KubernetesObject[];
  readonly pods: readonly V1Pod[];
  /** Per pod name; only asked of the pods that run a seed agent. */
  readonly readiness: ReadonlyMap<string, AgentReadiness>;
}

export interface SeedState {
  readonly clusters: readonly ClusterObject[];
  readonly namespaces: ReadonlyMap<string, NamespaceState>;
}

const groupBy = <T extends KubernetesObject>(items: readonly T[]): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const namespace = item.metadata?.namespace ?? '';
    groups.set(namespace, [...(groups.get(namespace) ?? []), item]);
  }
  return groups;
};

export async function listClusters(api: KubeClient): Promise<ClusterObject[]> {
  return (await call(api, 'list Clusters', () => api.get<ObjectList<ClusterObject>>(resourcePath(CLUSTERS)))).items;
}

/** Undefined when there is no such Cluster. */
export async function readCluster(api: KubeClient, name: string): Promise<ClusterObject | undefined> {
  return unlessStatus(
    call(api, `get Cluster ${name}`, () => api.get<ClusterObject>(resourcePath(CLUSTERS, '', name))),
    404,
  );
}

/** Undefined when the namespace has no kube-apiserver Deployment. */
export function readKubeApiserver(api: KubeClient, namespace: string): Promise<V1Deployment | undefined> {
  const path = resourcePath(DEPLOYMENTS, namespace, KUBE_APISERVER);
  return unlessStatus(
    call(api, `get Deployment ${namespace}/${KUBE_APISERVER}`, () => api.get<V1Deployment>(path)),
    404,
  );
}

export async function listKubeApiservers(api: KubeClient): Promise<Map<string, V1Deployment>> {
  const query = { fieldSelector: `metadata.name=${KUBE_APISERVER}` };
  const list = await call(api, 'list Deployments', () => api.get<ObjectList<V1Deployment>>(resourcePath(DEPLOYMENTS), query));
  const deployments = list.items.filter((d) => d.metadata?.name === KUBE_APISERVER);
  return new Map(deployments.map((d) => [d.metadata!.namespace!, d]));
}

/**
 * `/readyz` of the agent in one pod, through `pods/NAME:PORT/proxy` — the agent's own words (e.g. which rules
 * differ or which route is missing). Needs `get` on `pods/proxy`; without it the reason says so.
 */
async function agentReadiness(api: KubeClient, namespace: string, pod: string): Promise<AgentReadiness> {
  try {
    const body = await api.text(`${resourcePath(PODS, namespace, `${pod}:${AGENT_METRICS_PORT}`)}/proxy/readyz`);
    return { answer: 'ready', reason: String(body).trim() };
  } catch (error) {
    const status = httpStatus(error);
    const text = error instanceof KubeApiError ? error.body.trim() : '';
    // The agent answers 503 with its reason as plain text; the API server's own errors are a JSON Status.
    if (status === 503 && text !== '' && !text.startsWith('{')) return { answer: 'not-ready', reason: text };
    if (status === 403) return { answer: 'unavailable', reason: 'not allowed to proxy to pods (needs get on pods/proxy)' };
    const message = statusMessage(text);
    return { answer: 'unavailable', reason: message ?? (status ? `the pod proxy answered ${status}` : String((error as Error).message).split('\n')[0]!) };
  }
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function inBatches<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The whole seed (or one namespace) in one list per kind, and one pod-proxy request per agent. `wantsAgents`
 * says which namespaces run seed agents worth asking (the caller knows from its plans).
 */
export async function readSeedState(
  api: KubeClient,
  options: { namespace?: string | undefined; wantsAgents: (namespace: string, deployment: V1Deployment | undefined) => boolean },
): Promise<SeedState> {
  const only = options.namespace;
  let clusters: ClusterObject[];
  if (only === undefined) clusters = await listClusters(api);
  else {
    const cluster = await readCluster(api, only);
    clusters = cluster ? [cluster] : [];
  }
  const [deployments, owned, pods] = await Promise.all([
    listKubeApiservers(api),
    Promise.all(OWNED_KINDS.map((kind) => call(api, `list ${kind.kind}s`, () => kindClient(kind, api).list()))),
    call(api, 'list Pods', () => api.get<ObjectList<V1Pod>>(resourcePath(PODS), { labelSelector: KUBE_APISERVER_POD_SELECTOR })),
  ]);
  const ownedBy = groupBy(owned.flatMap((list) => list.items));
  const podsBy = groupBy(pods.items);
  const namespaces = new Map<string, NamespaceState>();
  const asks: Array<{ namespace: string; pod: string; into: Map<string, AgentReadiness> }> = [];
  for (const cluster of clusters) {
    const namespace = cluster.metadata?.name ?? '';
    const deployment = deployments.get(namespace);
    const readiness = new Map<string, AgentReadiness>();
    const namespacePods = podsBy.get(namespace) ?? [];
    if (options.wantsAgents(namespace, deployment)) {
      for (const pod of namespacePods) asks.push({ namespace, pod: pod.metadata!.name!, into: readiness });
    }
    namespaces.set(namespace, { deployment, owned: ownedBy.get(namespace) ?? [], pods: namespacePods, readiness });
  }
  await inBatches(asks, 16, async ({ namespace, pod, into }) => {
    into.set(pod, await agentReadiness(api, namespace, pod));
  });
  return { clusters, namespaces };
}
