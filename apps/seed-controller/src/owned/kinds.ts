import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.ts';
import { CONFIG_MAPS, SECRETS } from '../kube/calls.ts';
import { type ObjectList, type Resource, resourcePath } from '../kube/request.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../inject/names.ts';
import type { ManagedResource } from '../vpn-shoot/shoot-webhooks.ts';
import { referenceAnnotations, updatedManagedResource } from './managed-resource-update.ts';

/** Every object the controller makes carries this label; informers, garbage collection and uninstall select by it. */
export const OWNED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

/** The API calls for one kind; the verbs are the ones deploy/seed/rbac.yaml grants for it. */
export interface KindClient {
  /** Every namespace, only objects with OWNED_SELECTOR (the informer's list). */
  list(): Promise<ObjectList<KubernetesObject>>;
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
  /** Where its objects live in the API; the informer watches the cluster-wide collection. */
  readonly resource: Resource;
  /**
   * The name is a hash of the content and the object is immutable: it is only created (a 409 means it is there)
   * and deleted. Otherwise the content is compared and replaced on a difference, and a 409 on create is checked
   * for an object of someone else under our name.
   */
  readonly contentNamed: boolean;
  /** Whether the live object already holds what the controller wants. */
  readonly matches: (live: KubernetesObject, wanted: KubernetesObject) => boolean;
  /** What a replace sends, built on the object as stored (read first); without it the wanted object as it is. */
  readonly replacement?: (stored: KubernetesObject, wanted: KubernetesObject) => KubernetesObject;
  /** Kept only with Gardener's shoot monitoring enabled (their CRDs must exist for the informer to list). */
  readonly gardenerMonitoring?: boolean;
}

/** The calls for one kind through one API client: the same for the controller and every `overlap` command. */
export function kindClient(kind: OwnedKind, client: KubeClient): KindClient {
  const path = (namespace: string, name?: string): string => resourcePath(kind.resource, namespace, name);
  const read = (namespace: string, name: string): Promise<KubernetesObject> => client.get(path(namespace, name));
  const { replacement } = kind;
  return {
    list: () => client.get(resourcePath(kind.resource), { labelSelector: OWNED_SELECTOR }),
    create: (object) => client.create(path(object.metadata!.namespace!), object),
    replace: async (object) => {
      const { namespace, name } = object.metadata as { namespace: string; name: string };
      // Built on the object as stored: its resourceVersion guards against a concurrent change, which is retried.
      const body = replacement ? replacement(await read(namespace, name), object) : object;
      return client.replace(path(namespace, name), body);
    },
    read,
    delete: (namespace, name) => client.delete(path(namespace, name)),
  };
}

type Data = Readonly<Record<string, string>> | undefined;
const sameData = (a: Data, b: Data): boolean => JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());
const sameLabels = (live: KubernetesObject, wanted: KubernetesObject): boolean =>
  Object.entries(wanted.metadata?.labels ?? {}).every(([key, value]) => live.metadata?.labels?.[key] === value);

const CONFIG_MAP: OwnedKind = {
  kind: 'ConfigMap',
  resource: CONFIG_MAPS,
  contentNamed: true,
  matches: () => true,
};

export const SECRET: OwnedKind = {
  kind: 'Secret',
  resource: SECRETS,
  contentNamed: false,
  matches: (live, wanted) => {
    const [a, b] = [live as V1Secret, wanted as V1Secret];
    return a.type === b.type && sameData(a.data, b.data) && sameLabels(live, wanted);
  },
};

/** resources.gardener.cloud/v1alpha1 ManagedResource: one per shoot, replaced in place when its Secret changes. */
const MANAGED_RESOURCE: OwnedKind = {
  kind: 'ManagedResource',
  resource: { group: 'resources.gardener.cloud', version: 'v1alpha1', plural: 'managedresources' },
  contentNamed: false,
  matches: (live, wanted) =>
    sameLabels(live, wanted) &&
    isDeepStrictEqual(referenceAnnotations(live), referenceAnnotations(wanted)) &&
    isDeepStrictEqual((live as ManagedResource).spec, (wanted as ManagedResource).spec),
  replacement: (stored, wanted) => updatedManagedResource(stored as ManagedResource, wanted as ManagedResource),
};

/**
 * A prometheus-operator kind the controller keeps per shoot for Gardener's shoot Prometheus. Only wanted when the
 * controller runs with `--shoot-monitoring=gardener`: without the CRDs their informers could never list.
 */
function monitoringKind(version: string, kind: string, plural: string): OwnedKind {
  return {
    kind,
    resource: { group: 'monitoring.coreos.com', version, plural },
    contentNamed: false,
    gardenerMonitoring: true,
    matches: (live, wanted) => sameLabels(live, wanted) && isDeepStrictEqual((live as { spec?: unknown }).spec, (wanted as { spec?: unknown }).spec),
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
