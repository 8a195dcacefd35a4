import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { type MutationOutcome, mutateDeployment } from '../inject/mutate.ts';
import { KUBE_APISERVER } from '../inject/names.ts';
import { deploymentPatch } from '../inject/patch.ts';
import { type MountRef, mountedRefs, mountedVersion } from '../owned/mounts.ts';
import type { ShootPlan } from '../shoot/shoot-plan.ts';
import type { AdmissionOutcome } from '../telemetry/metrics.ts';

/** What the controller knows about a shoot namespace when a request for its kube-apiserver arrives. */
export type PlanEntry =
  | { readonly state: 'planned'; readonly plan: ShootPlan }
  | { readonly state: 'invalid'; readonly error: Error }
  | { readonly state: 'unknown' };

/** What the webhook is told: a plan entry, or (not in the cache while the Cluster watch is broken) no answer. */
export type AdmissionEntry = PlanEntry | { readonly state: 'unavailable'; readonly reason: string };

export type PlanLookup = (namespace: string) => AdmissionEntry;

/** An object of ours as the controller's caches hold it (`Kind/name` in the namespace); undefined when absent. */
export type ObjectLookup = (namespace: string, ref: MountRef) => KubernetesObject | undefined;

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind?: { readonly group?: string; readonly kind?: string };
  readonly namespace?: string;
  readonly name?: string;
  readonly operation?: string;
  readonly object?: unknown;
  /** The object as stored, on UPDATE. */
  readonly oldObject?: unknown;
}

export interface AdmissionResult {
  /** The AdmissionReview v1 to send back. */
  readonly review: Record<string, unknown>;
  readonly outcome: AdmissionOutcome;
  readonly namespace: string | undefined;
  /** Why, for the log line: the decision's reason or the error. */
  readonly detail: string;
}

/**
 * No answer can be given now (the Cluster watch is broken and the shoot is not in the cache): answered with HTTP
 * 503, so that the API server refuses the write (failurePolicy Fail) and gardenlet retries, instead of admitting
 * it unchanged and silently dropping an injection.
 */
export class RetryLaterError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'RetryLaterError';
  }
}

/** The request body is not an AdmissionReview v1: answered with HTTP 400, since there is no uid to answer to. */
export class MalformedReviewError extends Error {
  constructor(problem: string) {
    super(`not an AdmissionReview v1: ${problem}`);
    this.name = 'MalformedReviewError';
  }
}

export function parseRequest(body: unknown): AdmissionRequest {
  if (typeof body !== 'object' || body === null) throw new MalformedReviewError('the body is not a JSON object');
  const review = body as Record<string, unknown>;
  if (review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') {
    throw new MalformedReviewError(`apiVersion/kind is ${String(review.apiVersion)}/${String(review.kind)}`);
  }
  const request = review.request as AdmissionRequest | undefined;
  if (!request || typeof request.uid !== 'string' || request.uid === '') throw new MalformedReviewError('request.uid is missing');
  return request;
}

export function respond(uid: string, patch: unknown[] | undefined, warnings: string[] = []): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: true,
      ...(patch && patch.length > 0 ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
}

function isKubeApiserverDeployment(request: AdmissionRequest): boolean {
  const object = request.object as V1Deployment | undefined;
  return (
    request.kind?.group === 'apps' &&
    request.kind.kind === 'Deployment' &&
    (request.operation === 'CREATE' || request.operation === 'UPDATE') &&
    (object?.metadata?.name ?? request.name) === KUBE_APISERVER
  );
}

/**
 * Answers one AdmissionReview. Always allows: a failure to inject is reported (warning, metric, log) rather than
 * blocking gardenlet's rollout of the control plane, and never turns into a partial mutation.
 */
export function admit(body: unknown, lookup: PlanLookup, objects: ObjectLookup): AdmissionResult {
  const request = parseRequest(body);
  const namespace = request.namespace;
  const unchanged = (detail: string): AdmissionResult => ({
    review: respond(request.uid, undefined),
    outcome: 'unchanged',
    namespace,
    detail,
  });
  if (!isKubeApiserverDeployment(request) || !namespace) return unchanged('not a kube-apiserver Deployment write');

  const entry = lookup(namespace);
  if (entry.state === 'unknown') return unchanged(`no Cluster named ${namespace}`);
  if (entry.state === 'unavailable') throw new RetryLaterError(`no answer for ${namespace}: ${entry.reason}`);
  if (entry.state === 'invalid') {
    const detail = `overlap: Cluster ${namespace} skipped: ${entry.error.message}`;
    return { review: respond(request.uid, undefined, [detail]), outcome: 'error', namespace, detail };
  }

  let injection = entry.plan.injection;
  if (injection) {
    // A pod that mounts a missing Secret never starts: inject only once everything it mounts exists. The
    // reconciler creates what is missing and then sends the Deployment through here again.
    const found = [...mountedRefs(injection.volumes)].map((ref) => [ref, objects(namespace, ref)] as const);
    const missing = found.filter(([, object]) => object === undefined).map(([ref]) => ref);
    if (missing.length > 0) {
      const detail = `waiting for ${missing.join(', ')} before injecting`;
      return { review: respond(request.uid, undefined), outcome: 'waiting_for_objects', namespace, detail };
    }
    injection = { ...injection, mountedVersion: cachedMountedVersion(found as Mounted) };
  }

  const original = request.object as V1Deployment;
  let outcome: MutationOutcome;
  let mutated: V1Deployment;
  try {
    ({ deployment: mutated, outcome } = mutateDeployment(original, injection));
  } catch (error) {
    const detail = `overlap: cannot change kube-apiserver in ${namespace}: ${(error as Error).message}`;
    return { review: respond(request.uid, undefined, [detail]), outcome: 'error', namespace, detail };
  }
  const patch = mutated === original ? undefined : deploymentPatch(original, mutated);
  return { review: respond(request.uid, patch), outcome, namespace, detail: entry.plan.decision.reason };
}

type Mounted = ReadonlyArray<readonly [MountRef, KubernetesObject]>;

/** The last mountedVersion computed from these objects, by the first of them; weak, so it goes with the objects. */
const lastVersions = new WeakMap<KubernetesObject, { readonly mounted: Mounted; readonly resourceVersions: readonly unknown[]; readonly version: string }>();

/**
 * mountedVersion(), computed again only when the objects change: the caches hand out the same objects until then,
 * and hashing their content (certificates, Envoy's bootstrap) on every request was a tenth of an admission's work.
 * The resourceVersions are compared too, so an object updated in place is never taken for the one hashed before.
 */
function cachedMountedVersion(mounted: Mounted): string {
  const first = mounted[0]?.[1];
  if (first === undefined) return mountedVersion(mounted);
  const resourceVersions = mounted.map(([, object]) => object.metadata?.resourceVersion);
  const last = lastVersions.get(first);
  const same =
    last !== undefined &&
    last.mounted.length === mounted.length &&
    last.mounted.every(([ref, object], i) => ref === mounted[i]![0] && object === mounted[i]![1] && last.resourceVersions[i] === resourceVersions[i]);
  if (same) return last.version;
  const version = mountedVersion(mounted);
  lastVersions.set(first, { mounted, resourceVersions, version });
  return version;
}
