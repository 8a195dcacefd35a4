import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  type V1ConfigMap,
  type V1Deployment,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../inject/names.ts';

/** The API calls the reconciler makes in a shoot namespace; an interface so the reconciler reads as its logic. */
export interface ShootApi {
  /** From the informer cache: a shoot with nothing of ours and nothing wanted costs no API call. */
  listOwnedConfigMaps(namespace: string): readonly V1ConfigMap[];
  /** Creating one that already exists is fine: the name is its content hash. */
  createConfigMap(configMap: V1ConfigMap): Promise<void>;
  deleteConfigMap(namespace: string, name: string): Promise<void>;
  readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined>;
  /** Merge-patches annotations and returns the Deployment as stored, i.e. after the webhook ran. */
  annotateDeployment(namespace: string, name: string, annotations: Record<string, string>): Promise<V1Deployment>;
  recordWarning(cluster: string, reason: string, message: string): Promise<void>;
}

const statusOf = (error: unknown): number | undefined => (error as { code?: number }).code;

/** The call's result, or undefined when it failed with `status` (404 on delete, 409 on create). */
export async function tolerate<T>(call: Promise<T>, status: number): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (statusOf(error) === status) return undefined;
    throw error;
  }
}

export const OWNED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

export function kubeShootApi(
  config: KubeConfig,
  component: string,
  ownedConfigMaps: (namespace: string) => readonly V1ConfigMap[],
): ShootApi {
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  return {
    listOwnedConfigMaps: ownedConfigMaps,
    async createConfigMap(configMap) {
      await tolerate(core.createNamespacedConfigMap({ namespace: configMap.metadata!.namespace!, body: configMap }), 409);
    },
    async deleteConfigMap(namespace, name) {
      await tolerate(core.deleteNamespacedConfigMap({ namespace, name }), 404);
    },
    readDeployment: (namespace, name) => tolerate(apps.readNamespacedDeployment({ namespace, name }), 404),
    annotateDeployment: (namespace, name, annotations) =>
      apps.patchNamespacedDeployment(
        { namespace, name, body: { metadata: { annotations } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    async recordWarning(cluster, reason, message) {
      const now = new Date();
      // A Cluster is cluster-scoped, so its events live in `default`, where kubectl describe looks for them.
      await core.createNamespacedEvent({
        namespace: 'default',
        body: {
          metadata: { generateName: `${cluster}.` , namespace: 'default' },
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
