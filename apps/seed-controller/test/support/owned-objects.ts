import type { KubernetesObject } from '@kubernetes/client-node';
import { objectRef } from '../../src/owned/kinds.ts';
import { ownedObjects } from '../../src/owned/objects.ts';
import type { ObjectLookup, PlanEntry } from '../../src/webhook/admission.ts';

/** A webhook's object cache holding every object the plans want (as a dry run builds them), less `missing` refs. */
export function objectsOf(entries: Iterable<PlanEntry>, missing: ReadonlySet<string> = new Set()): ObjectLookup {
  const present = new Map<string, KubernetesObject>();
  for (const entry of entries) {
    if (entry.state !== 'planned') continue;
    for (const object of ownedObjects(entry.plan, {})) present.set(`${object.metadata!.namespace}/${objectRef(object)}`, object);
  }
  return (namespace, ref) => (missing.has(ref) ? undefined : present.get(`${namespace}/${ref}`));
}
