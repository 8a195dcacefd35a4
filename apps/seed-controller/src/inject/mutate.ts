import { isDeepStrictEqual } from 'node:util';
import type { V1Container, V1Deployment, V1HostAlias, V1PodSpec } from '@kubernetes/client-node';
import type { Injection } from './injection.ts';
import { isJsonObject } from '../shoot/json-fields.ts';
import { EGRESS_FLAG, ENVOY_CONTAINER, INJECTED_ANNOTATION, KUBE_APISERVER } from './names.ts';

export type MutationOutcome = 'injected' | 'removed' | 'unchanged' | 'gardener_managed';

export interface MutationResult {
  /**
   * The very object passed in when nothing changes, so "unchanged" is unchanged byte for byte. Otherwise a new object
   * that shares everything it does not change with the original and the injection: read it, never write to it.
   */
  readonly deployment: V1Deployment;
  readonly outcome: MutationOutcome;
}

/** What this controller added, recorded on the pod template: gardenlet re-renders the template, dropping both. */
interface Marker {
  readonly containers: readonly string[];
  readonly volumes: readonly string[];
  readonly apiserverMounts: readonly string[];
  readonly apiserverArgs: readonly string[];
  readonly hostAliases: readonly V1HostAlias[];
  readonly mountedVersion?: string;
  /** Env entries added to Gardener's containers, with the value, so removal takes out only exactly these. */
  readonly containerEnv: readonly MarkedEnv[];
}

interface MarkedEnv {
  readonly container: string;
  readonly name: string;
  readonly value: string;
}

/** The Deployment cannot be changed as planned: something is missing, or would be overwritten that is not ours. */
export class InjectionError extends Error {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'InjectionError';
    this.field = field;
  }
}

const notOurs = (name: string): string => `"${name}" already exists and was not added by this controller`;

/**
 * The webhook's whole effect as a pure function: with an injection, the kube-apiserver Deployment gets exactly it
 * (replacing an earlier injection of ours); without one, whatever we injected earlier is taken out again. A
 * Deployment where Gardener itself runs Envoy or the egress selector (v1.124 and later) is left alone.
 */
export function mutateDeployment(original: V1Deployment, injection: Injection | undefined): MutationResult {
  if (original.metadata?.deletionTimestamp) return { deployment: original, outcome: 'unchanged' };
  const marker = readMarker(original);
  if (!marker && injection && gardenerInjected(original)) return { deployment: original, outcome: 'gardener_managed' };

  if (!marker && !injection) return { deployment: original, outcome: 'unchanged' };

  const next = writableCopy(original);
  if (marker) strip(next, marker);
  if (injection) inject(next, injection);
  if (isDeepStrictEqual(next, original)) return { deployment: original, outcome: 'unchanged' };
  return { deployment: next, outcome: injection ? 'injected' : 'removed' };
}

/**
 * A copy that strip() and inject() may write to: new objects along every path they assign to or delete from
 * (spec, spec.template, its metadata and annotations, the pod spec, each container), everything else shared with
 * the original, which is never written. A deep copy of the whole Deployment was most of an admission's time and
 * allocation; shared parts also cost the comparison and the patch's diff nothing, as both skip identical objects.
 * Whatever is not an object is left for podSpec() and apiserverContainer() to refuse, as before.
 */
function writableCopy(original: V1Deployment): V1Deployment {
  const spec = original.spec;
  const template = spec?.template;
  const pod = template?.spec;
  if (!isJsonObject(spec) || !isJsonObject(template) || !isJsonObject(pod)) return original;
  const metadata = isJsonObject(template.metadata)
    ? { ...template.metadata, ...(isJsonObject(template.metadata.annotations) ? { annotations: { ...template.metadata.annotations } } : {}) }
    : undefined;
  const containers = Array.isArray(pod.containers) ? pod.containers.map((c) => (isJsonObject(c) ? { ...c } : c)) : pod.containers;
  return {
    ...original,
    spec: { ...spec, template: { ...template, ...(metadata ? { metadata } : {}), spec: { ...pod, ...(containers ? { containers } : {}) } } },
  };
}

function podSpec(deployment: V1Deployment): V1PodSpec {
  const spec = deployment.spec?.template?.spec;
  if (!spec) throw new InjectionError('spec.template.spec', 'is missing');
  return spec;
}

function apiserverContainer(spec: V1PodSpec): V1Container {
  const container = spec.containers.find((c) => c.name === KUBE_APISERVER);
  if (!container) throw new InjectionError('spec.template.spec.containers', `has no container named ${KUBE_APISERVER}`);
  return container;
}

/** The mounted objects' digest the Deployment's injection was made with; undefined without an injection of ours. */
export function injectedVersion(deployment: V1Deployment): string | undefined {
  return readMarker(deployment)?.mountedVersion;
}

/** Gardener (v1.124+) runs Envoy or the egress selector here itself; nothing of ours may be added. */
export function isGardenerManaged(deployment: V1Deployment): boolean {
  return readMarker(deployment) === undefined && gardenerInjected(deployment);
}

function gardenerInjected(deployment: V1Deployment): boolean {
  const spec = deployment.spec?.template?.spec;
  if (!spec) return false;
  const hasEnvoy = spec.containers.some((c) => c.name === ENVOY_CONTAINER);
  const apiserver = spec.containers.find((c) => c.name === KUBE_APISERVER);
  const flags = [...(apiserver?.command ?? []), ...(apiserver?.args ?? [])];
  return hasEnvoy || flags.some((flag) => flag.startsWith(EGRESS_FLAG));
}

function readMarker(deployment: V1Deployment): Marker | undefined {
  const text = deployment.spec?.template?.metadata?.annotations?.[INJECTED_ANNOTATION];
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<Marker>;
    return {
      containers: parsed.containers ?? [],
      volumes: parsed.volumes ?? [],
      apiserverMounts: parsed.apiserverMounts ?? [],
      apiserverArgs: parsed.apiserverArgs ?? [],
      hostAliases: parsed.hostAliases ?? [],
      ...(parsed.mountedVersion !== undefined ? { mountedVersion: parsed.mountedVersion } : {}),
      containerEnv: parsed.containerEnv ?? [],
    };
  } catch {
    throw new InjectionError(`spec.template.metadata.annotations["${INJECTED_ANNOTATION}"]`, `${JSON.stringify(text)} is not JSON`);
  }
}

/** Removes `items` matching `drop`, and the list itself when that empties it (so removal restores the original). */
type ItemOf<L> = NonNullable<L> extends ReadonlyArray<infer T> ? T : never;

function without<O extends object, K extends keyof O>(owner: O, key: K, drop: (item: ItemOf<O[K]>) => boolean): void {
  const list = owner[key] as ReadonlyArray<ItemOf<O[K]>> | undefined;
  if (!list) return;
  const kept = list.filter((item) => !drop(item));
  if (kept.length > 0) owner[key] = kept as O[K];
  else delete owner[key];
}

function strip(deployment: V1Deployment, marker: Marker): void {
  const spec = podSpec(deployment);
  const apiserver = apiserverContainer(spec);
  spec.containers = spec.containers.filter((c) => !marker.containers.includes(c.name));
  without(spec, 'volumes', (v) => marker.volumes.includes(v.name));
  without(apiserver, 'volumeMounts', (m) => marker.apiserverMounts.includes(m.name));
  without(apiserver, 'args', (arg) => marker.apiserverArgs.includes(arg));
  without(spec, 'hostAliases', (alias) => marker.hostAliases.some((ours) => isDeepStrictEqual(ours, alias)));
  for (const ours of marker.containerEnv) {
    const target = spec.containers.find((c) => c.name === ours.container);
    if (target) without(target, 'env', (e) => e.name === ours.name && e.value === ours.value && e.valueFrom === undefined);
  }
  const metadata = deployment.spec!.template.metadata!;
  delete metadata.annotations![INJECTED_ANNOTATION];
  if (Object.keys(metadata.annotations!).length === 0) delete metadata.annotations;
}

function appendUnique<T>(list: T[], items: readonly T[], key: (item: T) => string, field: string): T[] {
  const taken = new Set(list.map(key));
  for (const item of items) {
    if (taken.has(key(item))) throw new InjectionError(field, notOurs(key(item)));
  }
  return [...list, ...items];
}

/**
 * Adds each variable to its container when that container exists and has no variable of that name: a value
 * Gardener set is never changed, and without the container there is nothing to tell. Returns what was added.
 */
function addContainerEnv(spec: V1PodSpec, injection: Injection): MarkedEnv[] {
  return injection.containerEnv.flatMap(({ container, env }) => {
    const target = spec.containers.find((c) => c.name === container);
    if (!target || env.value === undefined || target.env?.some((e) => e.name === env.name)) return [];
    target.env = [...(target.env ?? []), { name: env.name, value: env.value }];
    return [{ container, name: env.name, value: env.value }];
  });
}

function inject(deployment: V1Deployment, injection: Injection): void {
  const spec = podSpec(deployment);
  const apiserver = apiserverContainer(spec);
  const base = 'spec.template.spec';
  spec.containers = appendUnique(spec.containers, injection.containers, (c) => c.name, `${base}.containers`);
  spec.volumes = appendUnique(spec.volumes ?? [], injection.volumes, (v) => v.name, `${base}.volumes`);
  apiserver.volumeMounts = appendUnique(
    apiserver.volumeMounts ?? [],
    injection.apiserverMounts,
    (m) => m.name,
    `${base}.containers[${KUBE_APISERVER}].volumeMounts`,
  );
  apiserver.args = appendUnique(apiserver.args ?? [], injection.apiserverArgs, (arg) => arg.split('=')[0]!, `${base}.containers[${KUBE_APISERVER}].args`);
  spec.hostAliases = appendUnique(spec.hostAliases ?? [], injection.hostAliases, (alias) => (alias.hostnames ?? []).join(','), `${base}.hostAliases`);
  const containerEnv = addContainerEnv(spec, injection);
  const marker: Marker = {
    containers: injection.containers.map((c) => c.name),
    volumes: injection.volumes.map((v) => v.name),
    apiserverMounts: injection.apiserverMounts.map((m) => m.name),
    apiserverArgs: [...injection.apiserverArgs],
    hostAliases: [...injection.hostAliases],
    ...(injection.mountedVersion !== undefined ? { mountedVersion: injection.mountedVersion } : {}),
    containerEnv,
  };
  const template = deployment.spec!.template;
  template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [INJECTED_ANNOTATION]: JSON.stringify(marker) } };
}
