import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { call, httpStatus } from '../kube/access.ts';
import { CLUSTER_GROUP, CLUSTER_VERSION } from '../controller/cluster-watch.ts';
import { AGENT_METRICS_PORT, KUBE_APISERVER } from '../inject/names.ts';
import { OWNED_KINDS } from '../owned/kinds.ts';
import type { ClusterObject } from '../shoot/shoot-facts.ts';
import { kubeApis } from '../owned/kube-apis.ts';

const CLUSTERS = { group: CLUSTER_GROUP, version: CLUSTER_VERSION, plural: 'clusters' } as const;
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

/** Client-node objects carry Dates; the pure code (and its tests) work on the JSON the API server sent. */
const plain = <T>(object: T): T => JSON.parse(JSON.stringify(object)) as T;

const groupBy = <T extends KubernetesObject>(items: readonly T[]): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const namespace = item.metadata?.namespace ?? '';
    groups.set(namespace, [...(groups.get(namespace) ?? []), item]);
  }
  return groups;
};

export async function listClusters(config: KubeConfig): Promise<ClusterObject[]> {
  const api = config.makeApiClient(CustomObjectsApi);
  const list = await call(config, 'list Clusters', () => api.listClusterCustomObject(CLUSTERS));
  return (list as { items: ClusterObject[] }).items;
}

/** Undefined when there is no such Cluster. */
export async function readCluster(config: KubeConfig, name: string): Promise<ClusterObject | undefined> {
  const api = config.makeApiClient(CustomObjectsApi);
  return orNone(call(config, `get Cluster ${name}`, () => api.getClusterCustomObject({ ...CLUSTERS, name }) as Promise<ClusterObject>));
}

/** Undefined when the namespace has no kube-apiserver Deployment. */
export async function readKubeApiserver(config: KubeConfig, namespace: string): Promise<V1Deployment | undefined> {
  const apps = config.makeApiClient(AppsV1Api);
  const read = call(config, `get Deployment ${namespace}/${KUBE_APISERVER}`, () => apps.readNamespacedDeployment({ namespace, name: KUBE_APISERVER }));
  const found = await orNone(read);
  return found && plain(found);
}

async function orNone<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    throw error;
  }
}

export async function listKubeApiservers(config: KubeConfig): Promise<Map<string, V1Deployment>> {
  const apps = config.makeApiClient(AppsV1Api);
  const list = await call(config, 'list Deployments', () => apps.listDeploymentForAllNamespaces({ fieldSelector: `metadata.name=${KUBE_APISERVER}` }));
  const deployments = list.items.filter((d) => d.metadata?.name === KUBE_APISERVER).map(plain);
  return new Map(deployments.map((d) => [d.metadata!.namespace!, d]));
}

/**
 * `/readyz` of the agent in one pod, through `pods/NAME:PORT/proxy` — the agent's own words (e.g. which rules
 * differ or which route is missing). Needs `get` on `pods/proxy`; without it the reason says so.
 */
async function agentReadiness(config: KubeConfig, namespace: string, pod: string): Promise<AgentReadiness> {
  const core = config.makeApiClient(CoreV1Api);
  try {
    const body = await core.connectGetNamespacedPodProxyWithPath({ namespace, name: `${pod}:${AGENT_METRICS_PORT}`, path: 'readyz' });
    return { answer: 'ready', reason: String(body).trim() };
  } catch (error) {
    const status = httpStatus(error);
    const body = (error as { body?: unknown }).body;
    const text = typeof body === 'string' ? body.trim() : '';
    // The agent answers 503 with its reason as plain text; the API server's own errors are a JSON Status.
    if (status === 503 && text !== '' && !text.startsWith('{')) return { answer: 'not-ready', reason: text };
    if (status === 403) return { answer: 'unavailable', reason: 'not allowed to proxy to pods (needs get on pods/proxy)' };
    const message = text.startsWith('{') ? (JSON.parse(text) as { message?: string }).message : undefined;
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
  config: KubeConfig,
  options: { namespace?: string | undefined; wantsAgents: (namespace: string, deployment: V1Deployment | undefined) => boolean },
): Promise<SeedState> {
  const only = options.namespace;
  let clusters: ClusterObject[];
  if (only === undefined) clusters = await listClusters(config);
  else {
    const cluster = await readCluster(config, only);
    clusters = cluster ? [cluster] : [];
  }
  const core = config.makeApiClient(CoreV1Api);
  const apis = kubeApis(config);
  const [deployments, owned, pods] = await Promise.all([
    listKubeApiservers(config),
    Promise.all(OWNED_KINDS.map((kind) => call(config, `list ${kind.kind}s`, () => kind.client(apis).list()))),
    call(config, 'list Pods', () => core.listPodForAllNamespaces({ labelSelector: KUBE_APISERVER_POD_SELECTOR })),
  ]);
  const ownedBy = groupBy(owned.flatMap((list) => list.items));
  const podsBy = groupBy(pods.items.map(plain));
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
    into.set(pod, await agentReadiness(config, namespace, pod));
  });
  return { clusters, namespaces };
}
