import { InputError } from '@overlap/runtime';
import { type JsonObject, isObject } from '../manifest.ts';

/**
 * The merge keys of the Kubernetes lists our patches touch (the `patchMergeKey`s of the API's OpenAPI schema).
 * Any other list is replaced whole, as strategic merge does for lists without a merge key.
 */
function mergeKey(field: string, path: readonly string[]): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'webhooks':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'ports':
      // A container's ports merge by containerPort, a Service's by port.
      return path.some((segment) => segment.endsWith('ontainers')) ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

/**
 * Strategic merge patch, as kustomize applies it: maps merge, `null` deletes, keyed lists merge element by
 * element with the patch's elements first (in patch order) and the untouched original elements after them.
 */
export function strategicMerge(original: JsonObject, patch: JsonObject, path: readonly string[] = []): JsonObject {
  const result: JsonObject = { ...original };
  for (const [field, value] of Object.entries(patch)) {
    if (field.startsWith('$')) throw new InputError(`patch ${[...path, field].join('.')}`, String(value), 'is a directive the renderer does not support');
    const current = result[field];
    if (value === null) delete result[field];
    else if (isObject(value) && isObject(current)) result[field] = strategicMerge(current, value, [...path, field]);
    else if (Array.isArray(value) && Array.isArray(current)) result[field] = mergeList(field, current, value, [...path, field]);
    else result[field] = value;
  }
  return result;
}

function mergeList(field: string, original: unknown[], patch: unknown[], path: readonly string[]): unknown[] {
  const key = mergeKey(field, path);
  if (key === undefined) return patch;
  const keyOf = (item: unknown, side: string): unknown => {
    if (!isObject(item) || item[key] === undefined) throw new InputError(`${side} ${path.join('.')}`, JSON.stringify(item), `has no merge key ${key}`);
    return item[key];
  };
  const patchKeys = new Set(patch.map((item) => keyOf(item, 'patch')));
  const merged = patch.map((item) => {
    const match = original.find((candidate) => keyOf(candidate, 'original') === keyOf(item, 'patch'));
    return match === undefined ? item : strategicMerge(match as JsonObject, item as JsonObject, path);
  });
  return [...merged, ...original.filter((item) => !patchKeys.has(keyOf(item, 'original')))];
}
