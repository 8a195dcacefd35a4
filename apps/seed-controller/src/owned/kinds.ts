import { isDeepStrictEqual } from 'node:util';
import type { CoreV1Api, CustomObjectsApi, KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../inject/names.ts';
import type { ManagedResource } from '../vpn-shoot/shoot-webhooks.ts';
import { referenceAnnotations, updatedManagedResource } from './managed-resource-update.ts';

/** Every object the controller makes carries this label; informers, garbage collection and uninstall select by it. */
export const OWNED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

interface ObjectList {
  readonly items: KubernetesObject[];
  readonly metadata?: { readonly resourceVersion?: string };
}

/**
 * The API clients the kinds' calls go through (kube-apis.ts makes them from a KubeConfig). Passed in, so that this
 * list, which `overlap plan` needs, does not load client-node (most of a bundle's start-up) for calls it never makes.
 */
export interface KubeApis {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
}

/** The API calls for one kind; the verbs are the ones deploy/seed/rbac.yaml grants for it. */
export interface KindClient {
  /** Every namespace, only objects with OWNED_SELECTOR (the informer's list). */
  list(): Promise<ObjectList>;
  create(object: KubernetesObject): Promise<KubernetesObject>;
  /** Only for kinds whose content can change in place (`contentNamed: false`). */
  replace(object: KubernetesObject): Promise<KubernetesObject>;
  read(namespace: string, name: string): Promise<KubernetesObject>;
  delete(namespace: string, name: string): Promise<void>;
}

/**
 * One kind of object the controller owns in shoot namespaces. A new kind is one entry here plus one builder in
 * objects.ts: the informer, the reconciler, `overlap plan` and `overlap uninstall` all go through this list.
 */
export interface OwnedKind {
  readonly kind: string;
  /** Cluster-wide list path, which the informer watches. */
  readonly listPath: string;
  /**
   * The name is a hash of the content and the object is immutable: it is only created (a 409 means it is there)
   * and deleted. Otherwise the content is compared and replaced on a difference, and a 409 on create is checked
   * for an object of someone else under our name.
   */
  readonly contentNamed: boolean;
  /** Whether the live object already holds what the controller wants. */
  readonly matches: (live: KubernetesObject, wanted: KubernetesObject) => boolean;
  readonly client: (apis: KubeApis) => KindClient;
  /** Kept only with Gardener's shoot monitoring enabled (their CRDs must exist for the informer to list). */
  readonly gardenerMonitoring?: boolean;
}

const nameOf = (object: KubernetesObject): { namespace: string; name: string } => ({
  namespace: object.metadata!.namespace!,
  name: object.metadata!.name!,
});

type Data = Readonly<Record<string, string>> | undefined;
const sameData = (a: Data, b: Data): boolean => JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());
const sameLabels = (live: KubernetesObject, wanted: KubernetesObject): boolean =>
  Object.entries(wanted.metadata?.labels ?? {}).every(([key, value]) => live.metadata?.labels?.[key] === value);

const CONFIG_MAP: OwnedKind = {
  kind: 'ConfigMap',
  listPath: '/api/v1/configmaps',
  contentNamed: true,
  matches: () => true,
  client: ({ core }) => {
    return {
      list: () => core.listConfigMapForAllNamespaces({ labelSelector: OWNED_SELECTOR }),
      create: (object) => core.createNamespacedConfigMap({ namespace: nameOf(object).namespace, body: object }),
      replace: (object) => core.replaceNamespacedConfigMap({ ...nameOf(object), body: object }),
      read: (namespace, name) => core.readNamespacedConfigMap({ namespace, name }),
      delete: async (namespace, name) => void (await core.deleteNamespacedConfigMap({ namespace, name })),
    };
  },
};

export const SECRET: OwnedKind = {
  kind: 'Secret',
  listPath: '/api/v1/secrets',
  contentNamed: false,
  matches: (live, wanted) => {
    const [a, b] = [live as V1Secret, wanted as V1Secret];
    return a.type === b.type && sameData(a.data, b.data) && sameLabels(live, wanted);
  },
  client: ({ core }) => {
    return {
      list: () => core.listSecretForAllNamespaces({ labelSelector: OWNED_SELECTOR }),
      create: (object) => core.createNamespacedSecret({ namespace: nameOf(object).namespace, body: object }),
      replace: (object) => core.replaceNamespacedSecret({ ...nameOf(object), body: object }),
      read: (namespace, name) => core.readNamespacedSecret({ namespace, name }),
      delete: async (namespace, name) => void (await core.deleteNamespacedSecret({ namespace, name })),
    };
  },
};

const MANAGED_RESOURCES_API = { group: 'resources.gardener.cloud', version: 'v1alpha1', plural: 'managedresources' } as const;

/** resources.gardener.cloud/v1alpha1 ManagedResource: one per shoot, replaced in place when its Secret changes. */
const MANAGED_RESOURCE: OwnedKind = {
  kind: 'ManagedResource',
  listPath: `/apis/${MANAGED_RESOURCES_API.group}/${MANAGED_RESOURCES_API.version}/${MANAGED_RESOURCES_API.plural}`,
  contentNamed: false,
  matches: (live, wanted) =>
    sameLabels(live, wanted) &&
    isDeepStrictEqual(referenceAnnotations(live), referenceAnnotations(wanted)) &&
    isDeepStrictEqual((live as ManagedResource).spec, (wanted as ManagedResource).spec),
  client: ({ custom }) => {
    const read = async (namespace: string, name: string) =>
      (await custom.getNamespacedCustomObject({ ...MANAGED_RESOURCES_API, namespace, name })) as ManagedResource;
    return {
      list: () => custom.listClusterCustomObject({ ...MANAGED_RESOURCES_API, labelSelector: OWNED_SELECTOR }),
      create: (object) => custom.createNamespacedCustomObject({ ...MANAGED_RESOURCES_API, namespace: object.metadata!.namespace!, body: object }),
      // Built on the object as stored (its resourceVersion guards against a concurrent change, which is retried).
      replace: async (object) => {
        const { namespace, name } = object.metadata as { namespace: string; name: string };
        const body = updatedManagedResource(await read(namespace, name), object as ManagedResource);
        return custom.replaceNamespacedCustomObject({ ...MANAGED_RESOURCES_API, namespace, name, body });
      },
      read,
      delete: async (namespace, name) => void (await custom.deleteNamespacedCustomObject({ ...MANAGED_RESOURCES_API, namespace, name })),
    };
  },
};

/**
 * A prometheus-operator kind the controller keeps per shoot for Gardener's shoot Prometheus. Only wanted when the
 * controller runs with `--shoot-monitoring=gardener`: without the CRDs their informers could never list.
 */
function monitoringKind(version: string, kind: string, plural: string): OwnedKind {
  const api = { group: 'monitoring.coreos.com', version, plural } as const;
  return {
    kind,
    listPath: `/apis/${api.group}/${version}/${plural}`,
    contentNamed: false,
    gardenerMonitoring: true,
    matches: (live, wanted) => sameLabels(live, wanted) && isDeepStrictEqual((live as { spec?: unknown }).spec, (wanted as { spec?: unknown }).spec),
    client: ({ custom }) => {
      return {
        list: () => custom.listClusterCustomObject({ ...api, labelSelector: OWNED_SELECTOR }),
        create: (object) => custom.createNamespacedCustomObject({ ...api, namespace: object.metadata!.namespace!, body: object }),
        replace: (object) =>
          custom.replaceNamespacedCustomObject({ ...api, namespace: object.metadata!.namespace!, name: object.metadata!.name!, body: object }),
        read: (namespace, name) => custom.getNamespacedCustomObject({ ...api, namespace, name }),
        delete: async (namespace, name) => void (await custom.deleteNamespacedCustomObject({ ...api, namespace, name })),
      };
    },
  };
}

const POD_MONITOR = monitoringKind('v1', 'PodMonitor', 'podmonitors');
const SCRAPE_CONFIG = monitoringKind('v1alpha1', 'ScrapeConfig', 'scrapeconfigs');
const PROMETHEUS_RULE = monitoringKind('v1', 'PrometheusRule', 'prometheusrules');

/**
 * In garbage-collection order: a ManagedResource's Secrets go before it (Gardener's managedresources.Delete), and
 * a superseded Secret only after the ManagedResource points at its successor.
 */
export const OWNED_KINDS: readonly OwnedKind[] = [CONFIG_MAP, SECRET, MANAGED_RESOURCE, POD_MONITOR, SCRAPE_CONFIG, PROMETHEUS_RULE];

export function ownedKind(kind: string | undefined): OwnedKind {
  const found = OWNED_KINDS.find((candidate) => candidate.kind === kind);
  if (!found) throw new Error(`${String(kind)} is not a kind the controller owns`);
  return found;
}

/** `Kind/name`: how logs, events, `overlap plan` and `overlap uninstall` name an object within its namespace. */
export const objectRef = (object: KubernetesObject): string => `${object.kind}/${object.metadata?.name}`;
