import { AppsV1Api, CoreV1Api, type KubeConfig, type KubernetesObject, PatchStrategy, type V1Deployment, setHeaderOptions } from '@kubernetes/client-node';
import { MANAGED_BY, MANAGED_BY_LABEL, WEBHOOK_NAMESPACE_LABEL } from '../inject/names.ts';
import { type KindClient, OWNED_KINDS, type OwnedKind } from '../owned/kinds.ts';
import { kubeApis } from '../owned/kube-apis.ts';

/** Creating an object: made now, already ours, or someone else's object under our name (left alone). */
type CreateResult = 'created' | 'exists' | 'foreign';

/** The API calls the reconciler makes in a shoot namespace; an interface so the reconciler reads as its logic. */
export interface ShootApi {
  /** From the informer cache: a shoot with nothing of ours and nothing wanted costs no API call. */
  listOwned(kind: OwnedKind, namespace: string): readonly KubernetesObject[];
  create(kind: OwnedKind, object: KubernetesObject): Promise<CreateResult>;
  replace(kind: OwnedKind, object: KubernetesObject): Promise<void>;
  delete(kind: OwnedKind, namespace: string, name: string): Promise<void>;
  readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined>;
  /** Merge-patches annotations and returns the Deployment as stored, i.e. after the webhook ran. */
  annotateDeployment(namespace: string, name: string, annotations: Record<string, string>): Promise<V1Deployment>;
  recordWarning(cluster: string, reason: string, message: string): Promise<void>;
  /** Whether the namespace carries WEBHOOK_NAMESPACE_LABEL (cache of an informer on that label). */
  namespaceMarked(namespace: string): boolean;
  /** Sets or removes WEBHOOK_NAMESPACE_LABEL with a merge patch; a namespace that is gone needs neither. */
  markNamespace(namespace: string, marked: boolean): Promise<void>;
}

const statusOf = (error: unknown): number | undefined => (error as { code?: number }).code;

async function tolerate<T>(call: Promise<T>, status: number): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (statusOf(error) === status) return undefined;
    throw error;
  }
}

const isOurs = (object: KubernetesObject | undefined): boolean => object?.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;

export function kubeShootApi(
  config: KubeConfig,
  component: string,
  cached: (kind: OwnedKind, namespace: string) => readonly KubernetesObject[],
  marked: (namespace: string) => boolean,
): ShootApi {
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const apis = kubeApis(config);
  const clients = new Map(OWNED_KINDS.map((kind) => [kind, kind.client(apis)]));
  const client = (kind: OwnedKind): KindClient => clients.get(kind)!;
  return {
    listOwned: cached,
    namespaceMarked: marked,
    async markNamespace(namespace, mark) {
      const body = { metadata: { labels: { [WEBHOOK_NAMESPACE_LABEL]: mark ? 'true' : null } } };
      await tolerate(core.patchNamespace({ name: namespace, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)), 404);
    },
    async create(kind, object) {
      if (await tolerate(client(kind).create(object), 409)) return 'created';
      // A content-named object under that name holds exactly that content. Otherwise the cache may just not have
      // seen our own object yet, or the name is taken by an object that is not ours.
      if (kind.contentNamed) return 'exists';
      const live = await tolerate(client(kind).read(object.metadata!.namespace!, object.metadata!.name!), 404);
      return isOurs(live) ? 'exists' : 'foreign';
    },
    async replace(kind, object) {
      await client(kind).replace(object);
    },
    async delete(kind, namespace, name) {
      await tolerate(client(kind).delete(namespace, name), 404);
    },
    readDeployment: (namespace, name) => tolerate(apps.readNamespacedDeployment({ namespace, name }), 404),
    annotateDeployment: (namespace, name, annotations) =>
      apps.patchNamespacedDeployment({ namespace, name, body: { metadata: { annotations } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
    async recordWarning(cluster, reason, message) {
      const now = new Date();
      // A Cluster is cluster-scoped, so its events live in `default`, where kubectl describe looks for them.
      await core.createNamespacedEvent({
        namespace: 'default',
        body: {
          metadata: { generateName: `${cluster}.`, namespace: 'default' },
          involvedObject: { apiVersion: 'extensions.gardener.cloud/v1alpha1', kind: 'Cluster', name: cluster },
          type: 'Warning',
          reason,
          message,
          source: { component },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    },
  };
}
