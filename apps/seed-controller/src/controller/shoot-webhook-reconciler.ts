import { isDeepStrictEqual } from 'node:util';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from '../telemetry/logger.ts';
import { SHOOT_WEBHOOKS_MANAGED_RESOURCE } from '../vpn-shoot/names.ts';
import { type ManagedResource, type ShootWebhookSettings, shootWebhookObjects } from '../vpn-shoot/shoot-webhooks.ts';
import type { PlanEntry } from '../webhook/admission.ts';
import { tolerate } from './shoot-api.ts';

export const MANAGED_RESOURCES = { group: 'resources.gardener.cloud', version: 'v1alpha1', plural: 'managedresources' } as const;

/** The API calls for the shoot webhook's ManagedResource; an interface so the reconciler reads as its logic. */
export interface ManagedResourceApi {
  /** From the informer cache: a shoot that has none and needs none costs no API call. */
  ownedManagedResource(namespace: string, name: string): ManagedResource | undefined;
  /** Creating one that already exists is fine: its name is its content hash and it is immutable. */
  createSecret(secret: V1Secret): Promise<void>;
  deleteSecret(namespace: string, name: string): Promise<void>;
  createManagedResource(managedResource: ManagedResource): Promise<void>;
  /** Carries the cached resourceVersion, so a concurrent change fails (409) and the reconcile is retried. */
  replaceManagedResource(managedResource: ManagedResource): Promise<void>;
  deleteManagedResource(namespace: string, name: string): Promise<void>;
}

const REFERENCE_PREFIX = 'reference.resources.gardener.cloud/';

/**
 * The stored ManagedResource with our part (labels, reference annotations, spec) as wanted and everything else
 * kept: gardener-resource-manager's finalizer above all, which a plain replace would drop.
 */
function updated(current: ManagedResource, wanted: ManagedResource): ManagedResource {
  const annotations = Object.fromEntries(
    Object.entries(current.metadata.annotations ?? {}).filter(([key]) => !key.startsWith(REFERENCE_PREFIX)),
  );
  return {
    ...current,
    metadata: {
      ...current.metadata,
      labels: { ...current.metadata.labels, ...wanted.metadata.labels },
      annotations: { ...annotations, ...wanted.metadata.annotations },
    },
    spec: wanted.spec,
  };
}

/**
 * Keeps, per shoot namespace, the ManagedResource that carries the vpn-shoot webhook into the shoot: present for
 * HA shoots with an overlap, gone otherwise (gardener-resource-manager then deletes the webhook configuration in
 * the shoot, since keepObjects is false). The Secret is written before the ManagedResource points at it, and
 * superseded Secrets go once it no longer does.
 */
export class ShootWebhookReconciler {
  readonly #api: ManagedResourceApi;
  readonly #settings: () => ShootWebhookSettings;
  readonly #logger: Logger;

  /** `settings` is called only when a ManagedResource is wanted: it reads the CA file, which may be rotated. */
  constructor(api: ManagedResourceApi, settings: () => ShootWebhookSettings, logger: Logger) {
    this.#api = api;
    this.#settings = settings;
    this.#logger = logger;
  }

  async reconcile(namespace: string, entry: PlanEntry): Promise<void> {
    // A Cluster that cannot be read says nothing new about the shoot: what is there stays until it can be.
    if (entry.state === 'invalid') return;
    const current = this.#api.ownedManagedResource(namespace, SHOOT_WEBHOOKS_MANAGED_RESOURCE);
    const wanted = entry.state === 'planned' && entry.plan.decision.inject;
    if (!wanted) {
      if (current) await this.#remove(current);
      return;
    }
    const { managedResource, secret } = shootWebhookObjects(namespace, this.#settings());
    await this.#api.createSecret(secret);
    if (!current) {
      await this.#api.createManagedResource(managedResource);
      this.#logger.info({ namespace, secret: secret.metadata!.name }, 'created the ManagedResource with the vpn-shoot webhook');
    } else if (!isDeepStrictEqual(updated(current, managedResource), current)) {
      await this.#api.replaceManagedResource(updated(current, managedResource));
      this.#logger.info({ namespace, secret: secret.metadata!.name }, 'updated the ManagedResource with the vpn-shoot webhook');
    }
    for (const ref of current?.spec.secretRefs ?? []) {
      if (ref.name !== secret.metadata!.name) await this.#api.deleteSecret(namespace, ref.name);
    }
  }

  /** Gardener's order (managedresources.Delete): the Secrets first, then the ManagedResource. */
  async #remove(current: ManagedResource): Promise<void> {
    const { namespace, name } = current.metadata;
    for (const ref of current.spec.secretRefs) await this.#api.deleteSecret(namespace, ref.name);
    await this.#api.deleteManagedResource(namespace, name);
    this.#logger.info({ namespace }, 'deleted the ManagedResource with the vpn-shoot webhook; gardener-resource-manager removes the webhook from the shoot');
  }
}

export function kubeManagedResourceApi(
  config: KubeConfig,
  cached: (namespace: string, name: string) => ManagedResource | undefined,
): ManagedResourceApi {
  const core = config.makeApiClient(CoreV1Api);
  const custom = config.makeApiClient(CustomObjectsApi);
  return {
    ownedManagedResource: cached,
    async createSecret(secret) {
      await tolerate(core.createNamespacedSecret({ namespace: secret.metadata!.namespace!, body: secret }), 409);
    },
    async deleteSecret(namespace, name) {
      await tolerate(core.deleteNamespacedSecret({ namespace, name }), 404);
    },
    async createManagedResource(body) {
      await custom.createNamespacedCustomObject({ ...MANAGED_RESOURCES, namespace: body.metadata.namespace, body });
    },
    async replaceManagedResource(body) {
      await custom.replaceNamespacedCustomObject({ ...MANAGED_RESOURCES, namespace: body.metadata.namespace, name: body.metadata.name, body });
    },
    async deleteManagedResource(namespace, name) {
      await tolerate(custom.deleteNamespacedCustomObject({ ...MANAGED_RESOURCES, namespace, name }), 404);
    },
  };
}
