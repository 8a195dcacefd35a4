import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../inject/names.ts';
import type { KubeClient } from '../kube/client.ts';
import { DEPLOYMENTS, EVENTS, markNamespace } from '../kube/calls.ts';
import { resourcePath, unlessStatus } from '../kube/request.ts';
import { type KindClient, OWNED_KINDS, type OwnedKind, kindClient } from '../owned/kinds.ts';

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

const isOurs = (object: KubernetesObject | undefined): boolean => object?.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;

export function kubeShootApi(
  api: KubeClient,
  component: string,
  cached: (kind: OwnedKind, namespace: string) => readonly KubernetesObject[],
  marked: (namespace: string) => boolean,
): ShootApi {
  const clients = new Map(OWNED_KINDS.map((kind) => [kind, kindClient(kind, api)]));
  const client = (kind: OwnedKind): KindClient => clients.get(kind)!;
  return {
    listOwned: cached,
    namespaceMarked: marked,
    async markNamespace(namespace, mark) {
      await unlessStatus(markNamespace(api, namespace, mark), 404);
    },
    async create(kind, object) {
      if (await unlessStatus(client(kind).create(object), 409)) return 'created';
      // A content-named object under that name holds exactly that content. Otherwise the cache may just not have
      // seen our own object yet, or the name is taken by an object that is not ours.
      if (kind.contentNamed) return 'exists';
      const live = await unlessStatus(client(kind).read(object.metadata!.namespace!, object.metadata!.name!), 404);
      return isOurs(live) ? 'exists' : 'foreign';
    },
    async replace(kind, object) {
      await client(kind).replace(object);
    },
    async delete(kind, namespace, name) {
      await unlessStatus(client(kind).delete(namespace, name), 404);
    },
    readDeployment: (namespace, name) => unlessStatus(api.get<V1Deployment>(resourcePath(DEPLOYMENTS, namespace, name)), 404),
    annotateDeployment: (namespace, name, annotations) => api.patch(resourcePath(DEPLOYMENTS, namespace, name), 'merge', { metadata: { annotations } }),
    async recordWarning(cluster, reason, message) {
      const now = new Date().toISOString();
      // A Cluster is cluster-scoped, so its events live in `default`, where kubectl describe looks for them.
      await api.create(resourcePath(EVENTS, 'default'), {
        metadata: { generateName: `${cluster}.`, namespace: 'default' },
        involvedObject: { apiVersion: 'extensions.gardener.cloud/v1alpha1', kind: 'Cluster', name: cluster },
        type: 'Warning',
        reason,
        message,
        source: { component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    },
  };
}
