import { createHash } from 'node:crypto';
import type { KubernetesObject, V1Deployment, V1Volume } from '@kubernetes/client-node';
import type { Logger } from '@overlap/runtime';
import { injectedVersion, isGardenerManaged } from '../inject/mutate.ts';
import { INJECTED_ANNOTATION, KUBE_APISERVER, PLAN_HASH_ANNOTATION, WEBHOOK_NAMESPACE_LABEL } from '../inject/names.ts';
import { OWNED_KINDS, type OwnedKind, objectRef, ownedKind } from '../owned/kinds.ts';
import { type MountRef, mountedRefs, mountedVersion } from '../owned/mounts.ts';
import { type MaterialSource, ownedObjects } from '../owned/objects.ts';
import type { PlanEntry } from '../webhook/admission.ts';
import type { ShootApi } from './shoot-api.ts';

function carriesInjection(deployment: V1Deployment): boolean {
  return deployment.spec?.template?.metadata?.annotations?.[INJECTED_ANNOTATION] !== undefined;
}

const mountedBy = (deployment: V1Deployment | undefined): Set<string> => mountedRefs(deployment?.spec?.template?.spec?.volumes);

/** The wanted objects behind what the volumes mount (each is among them: tested for every example). */
function mountedObjects(volumes: readonly V1Volume[], wanted: readonly KubernetesObject[]): Array<[MountRef, KubernetesObject]> {
  return [...mountedRefs(volumes)].flatMap((ref) => {
    const object = wanted.find((candidate) => objectRef(candidate) === ref);
    return object ? [[ref, object] as [MountRef, KubernetesObject]] : [];
  });
}

export interface ReconcilerHooks {
  /** An object of ours was deleted or edited by someone else and has been put back. */
  readonly onDrift: (namespace: string, kind: string) => void;
  /**
   * Automatic mode: the seed webhook selects only namespaces the controller labelled, so the reconciler labels a
   * namespace before it needs the webhook there and unlabels it once no injection is left to remove. Off in the
   * opt-in mode, where gardenlet labels the namespaces of shoots that enable the extension.
   */
  readonly marksNamespaces: boolean;
}

/** What the controller last wrote to one object, and the resourceVersion it replaced (none for a create). */
interface Write {
  readonly replaced: string | undefined;
  readonly object: KubernetesObject;
}

/**
 * A digest of an object's data and labels: kept per owned object, so a copy of the content (a 40 KB dashboard in
 * every shoot) would be megabytes per thousand shoots.
 */
const contentOf = (object: KubernetesObject, labels: readonly string[]): string => {
  const withData = object as KubernetesObject & { data?: Record<string, string> };
  const content = JSON.stringify([Object.entries(withData.data ?? {}).sort(), labels.map((key) => object.metadata?.labels?.[key])]);
  return createHash('sha256').update(content).digest('base64');
};

/**
 * Brings one shoot namespace in line with its plan: every owned object the builders want exists with the wanted
 * content before the webhook mounts it, the Deployment carries the plan's hash (writing it sends the Deployment
 * through the webhook again), and objects of ours that are no longer wanted go once no pod template mounts them.
 */
export class Reconciler {
  readonly #api: ShootApi;
  readonly #logger: Logger;
  readonly #material: MaterialSource;
  readonly #hooks: ReconcilerHooks;
  /** The last problem reported per Cluster, so a resync does not repeat the same event. */
  readonly #reported = new Map<string, string>();
  /** The content (digest) each object had when the controller last wrote or confirmed it: anything else is drift. */
  readonly #expected = new Map<string, string>();
  /** Our own writes, until the informer cache has caught up with them. */
  readonly #writes = new Map<string, Write>();

  constructor(api: ShootApi, logger: Logger, material: MaterialSource, hooks: ReconcilerHooks) {
    this.#api = api;
    this.#logger = logger;
    this.#material = material;
    this.#hooks = hooks;
  }

  async reconcile(namespace: string, entry: PlanEntry): Promise<void> {
    if (entry.state === 'invalid') {
      await this.#report(namespace, 'InvalidNetworks', entry.error.message);
      return;
    }
    if (entry.state === 'unknown') {
      this.#reported.delete(namespace);
      await this.#collectGarbage(namespace, new Set());
      await this.#mark(namespace, false);
      return;
    }
    const { plan } = entry;
    // Our objects stay while a pod template mounts them, so none left means no injection left to remove.
    if (!plan.injection && OWNED_KINDS.every((kind) => this.#live(kind, namespace).length === 0)) {
      this.#reported.delete(namespace);
      await this.#mark(namespace, false);
      return;
    }
    let deployment = await this.#api.readDeployment(namespace, KUBE_APISERVER);
    if (deployment && isGardenerManaged(deployment)) {
      this.#reported.delete(namespace);
      await this.#collectGarbage(namespace, mountedBy(deployment));
      // gardenlet injects by itself; ours is gone from the pod template, so the webhook need not see it any more.
      if (!carriesInjection(deployment)) await this.#mark(namespace, false);
      return;
    }
    const material = plan.injection ? await this.#material(namespace, (kind) => this.#live(kind, namespace)) : {};
    const wanted = ownedObjects(plan, material);
    for (const object of wanted) {
      const foreign = await this.#ensure(namespace, object);
      if (foreign) {
        await this.#report(namespace, 'ForeignObject', `${foreign} exists without the label of this controller; it is left alone`);
        return;
      }
    }
    this.#reported.delete(namespace);

    const version = plan.injection ? mountedVersion(mountedObjects(plan.injection.volumes, wanted)) : undefined;
    // The content of what the pods mount is part of the hash: a renewed certificate rolls them like a new plan.
    const hash = version ? createHash('sha256').update(`${plan.hash} ${version}`).digest('hex').slice(0, 16) : plan.hash;
    const stale = deployment && deployment.metadata?.annotations?.[PLAN_HASH_ANNOTATION] !== hash;
    const behind = deployment && version !== undefined && injectedVersion(deployment) !== version;
    // The webhook must see this namespace before the Deployment is sent to it again (to inject or to remove).
    const needsWebhook = plan.injection !== undefined || (deployment !== undefined && carriesInjection(deployment));
    if (needsWebhook) await this.#mark(namespace, true);
    // Shoots that never had an injection are never touched: most shoots need none.
    if (deployment && (stale || behind) && needsWebhook) {
      deployment = await this.#api.annotateDeployment(namespace, KUBE_APISERVER, { [PLAN_HASH_ANNOTATION]: hash });
      this.#logger.info({ namespace, hash, inject: plan.decision.inject }, 'asked the webhook to re-admit kube-apiserver');
      // A webhook replica whose cache has not seen the new objects yet admits unchanged: come back later.
      if (version !== undefined && injectedVersion(deployment) !== version) {
        throw new Error(`kube-apiserver does not carry the injection of version ${version} yet (the webhook waits for its objects or refused); retrying`);
      }
    }
    await this.#collectGarbage(namespace, new Set([...wanted.map(objectRef), ...mountedBy(deployment)]));
    if (!plan.injection && !(deployment && carriesInjection(deployment))) await this.#mark(namespace, false);
  }

  /** Labels or unlabels the namespace for the webhook's selector, only when that changes something. */
  async #mark(namespace: string, marked: boolean): Promise<void> {
    if (!this.#hooks.marksNamespaces || this.#api.namespaceMarked(namespace) === marked) return;
    await this.#api.markNamespace(namespace, marked);
    this.#logger.info(
      { namespace, label: WEBHOOK_NAMESPACE_LABEL, marked },
      marked ? 'labelled the namespace for the webhook' : 'removed the webhook label from the namespace',
    );
  }

  /** The objects of one kind as they are now: the cache, or our own later write while the cache lags behind it. */
  #live(kind: OwnedKind, namespace: string): KubernetesObject[] {
    const cached = new Map(this.#api.listOwned(kind, namespace).map((object) => [object.metadata!.name!, object]));
    for (const [key, write] of this.#writes) {
      const name = write.object.metadata!.name!;
      if (write.object.kind !== kind.kind || write.object.metadata!.namespace !== namespace) continue;
      if (cached.get(name)?.metadata?.resourceVersion === write.replaced) cached.set(name, write.object);
      else this.#writes.delete(key);
    }
    return [...cached.values()];
  }

  #key(namespace: string, object: KubernetesObject): string {
    return `${namespace}/${objectRef(object)}`;
  }

  /** Creates or updates one wanted object; returns its `Kind/name` if the name is taken by an object not ours. */
  async #ensure(namespace: string, object: KubernetesObject): Promise<string | undefined> {
    const kind = ownedKind(object.kind);
    const key = this.#key(namespace, object);
    const labels = Object.keys(object.metadata?.labels ?? {});
    const live = this.#live(kind, namespace).find((candidate) => candidate.metadata?.name === object.metadata?.name);
    const expected = this.#expected.get(key);
    if (!live) {
      const result = await this.#api.create(kind, object);
      if (result === 'foreign') return objectRef(object);
      if (result === 'created') {
        this.#writes.set(key, { replaced: undefined, object });
        if (expected !== undefined) this.#repaired(namespace, kind, object, 'deleted');
      }
    } else if (!kind.matches(live, object)) {
      const resourceVersion = live.metadata?.resourceVersion;
      await this.#api.replace(kind, { ...object, metadata: { ...object.metadata, ...(resourceVersion ? { resourceVersion } : {}) } });
      this.#writes.set(key, { replaced: resourceVersion, object });
      if (expected !== undefined && expected !== contentOf(live, labels)) this.#repaired(namespace, kind, object, 'edited');
    }
    this.#expected.set(key, contentOf(object, labels));
    return undefined;
  }

  #repaired(namespace: string, kind: OwnedKind, object: KubernetesObject, how: string): void {
    this.#hooks.onDrift(namespace, kind.kind);
    this.#logger.warn({ namespace, object: objectRef(object) }, `put back an object of ours that was ${how}`);
  }

  async #collectGarbage(namespace: string, keep: ReadonlySet<string>): Promise<void> {
    for (const kind of OWNED_KINDS) {
      for (const object of this.#live(kind, namespace)) {
        const ref = objectRef({ ...object, kind: kind.kind });
        if (keep.has(ref)) continue;
        await this.#api.delete(kind, namespace, object.metadata!.name!);
        this.#expected.delete(`${namespace}/${ref}`);
        this.#writes.delete(`${namespace}/${ref}`);
        this.#logger.info({ namespace, object: ref }, 'deleted an object of ours that is no longer wanted');
      }
    }
  }

  async #report(namespace: string, reason: string, problem: string): Promise<void> {
    const message = `overlap: shoot skipped: ${problem}`;
    if (this.#reported.get(namespace) === message) return;
    this.#logger.warn({ namespace, reason }, message);
    await this.#api.recordWarning(namespace, reason, message);
    this.#reported.set(namespace, message);
  }
}
