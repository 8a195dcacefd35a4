import type { V1Deployment } from '@kubernetes/client-node';
import { isGardenerManaged } from '../inject/mutate.ts';
import { INJECTED_ANNOTATION, KUBE_APISERVER, PLAN_HASH_ANNOTATION } from '../inject/names.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { PlanEntry } from '../webhook/admission.ts';
import type { ShootApi } from './shoot-api.ts';

function referencedConfigMaps(deployment: V1Deployment | undefined): Set<string> {
  const volumes = deployment?.spec?.template?.spec?.volumes ?? [];
  return new Set(volumes.flatMap((v) => (v.configMap?.name ? [v.configMap.name] : [])));
}

function carriesInjection(deployment: V1Deployment): boolean {
  return deployment.spec?.template?.metadata?.annotations?.[INJECTED_ANNOTATION] !== undefined;
}

/**
 * Brings one shoot namespace in line with its plan: the ConfigMaps exist before the webhook mounts them, the
 * Deployment carries the plan's hash (writing it sends the Deployment through the webhook again), and superseded
 * ConfigMaps of ours go once no pod template mounts them.
 */
export class Reconciler {
  readonly #api: ShootApi;
  readonly #logger: Logger;
  /** The last problem reported per Cluster, so a resync does not repeat the same event. */
  readonly #reported = new Map<string, string>();

  constructor(api: ShootApi, logger: Logger) {
    this.#api = api;
    this.#logger = logger;
  }

  async reconcile(namespace: string, entry: PlanEntry): Promise<void> {
    if (entry.state === 'invalid') {
      await this.#reportInvalid(namespace, entry.error);
      return;
    }
    this.#reported.delete(namespace);
    if (entry.state === 'unknown') {
      await this.#collectGarbage(namespace, new Set());
      return;
    }
    const { plan } = entry;
    const owned = new Set(this.#api.listOwnedConfigMaps(namespace).map((c) => c.metadata!.name!));
    // Our ConfigMaps stay while a pod template mounts them, so none left means no injection left to remove.
    if (!plan.injection && owned.size === 0) return;
    let deployment = await this.#api.readDeployment(namespace, KUBE_APISERVER);
    if (deployment && isGardenerManaged(deployment)) {
      await this.#collectGarbage(namespace, referencedConfigMaps(deployment));
      return;
    }
    const wanted = plan.configMaps ? [plan.configMaps.envoy, plan.configMaps.egress] : [];
    for (const configMap of wanted) {
      if (!owned.has(configMap.metadata!.name!)) await this.#api.createConfigMap(configMap);
    }

    const stale = deployment && deployment.metadata?.annotations?.[PLAN_HASH_ANNOTATION] !== plan.hash;
    // Shoots that never had an injection are never touched: most shoots need none.
    if (deployment && stale && (plan.injection || carriesInjection(deployment))) {
      deployment = await this.#api.annotateDeployment(namespace, KUBE_APISERVER, { [PLAN_HASH_ANNOTATION]: plan.hash });
      this.#logger.info({ namespace, hash: plan.hash, inject: plan.decision.inject }, 'asked the webhook to re-admit kube-apiserver');
    }
    const keep = new Set([...wanted.map((c) => c.metadata!.name!), ...referencedConfigMaps(deployment)]);
    await this.#collectGarbage(namespace, keep);
  }

  forget(namespace: string): void {
    this.#reported.delete(namespace);
  }

  async #collectGarbage(namespace: string, keep: ReadonlySet<string>): Promise<void> {
    for (const configMap of this.#api.listOwnedConfigMaps(namespace)) {
      const name = configMap.metadata!.name!;
      if (keep.has(name)) continue;
      await this.#api.deleteConfigMap(namespace, name);
      this.#logger.info({ namespace, configMap: name }, 'deleted a superseded ConfigMap');
    }
  }

  async #reportInvalid(namespace: string, error: Error): Promise<void> {
    if (this.#reported.get(namespace) === error.message) return;
    this.#logger.warn({ namespace, err: error }, `skipping shoot: ${error.message}`);
    await this.#api.recordWarning(namespace, 'InvalidNetworks', `overlap: shoot skipped: ${error.message}`);
    this.#reported.set(namespace, error.message);
  }
}
