import { InputError } from '@overlap/runtime';

/** What isJsonObject narrows to: the object type a typed value may be, or any JSON object for an unknown one. */
type JsonObjectOf<T> = [Extract<T, object>] extends [never] ? Record<string, unknown> : Extract<T, object>;

/** A JSON object (not null, not an array): what a field of a raw Kubernetes object must be to be read into. */
export const isJsonObject = <T>(value: T): value is JsonObjectOf<T> & T => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the raw Shoot/Seed objects embedded in a Cluster (RawExtension: plain JSON, nothing guaranteed). A
 * missing (or null) section reads as absent; a section of another type (`networking: "abc"`) is refused, naming
 * it under `base`, since reading it as absent would give a confident but wrong plan.
 */
export function at(value: unknown, path: readonly string[], base = ''): unknown {
  let current = value;
  let where = base;
  for (const key of path) {
    if (current === undefined || current === null) return undefined;
    if (typeof current !== 'object' || Array.isArray(current)) {
      throw new InputError(where, JSON.stringify(current), 'must be an object');
    }
    current = (current as Record<string, unknown>)[key];
    where = where === '' ? key : `${where}.${key}`;
  }
  return current;
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InputError(field, JSON.stringify(value), 'must be a string');
  return value;
}

export function optionalStringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InputError(field, JSON.stringify(value), 'must be a list of strings');
  return value.map((item, index) => {
    if (typeof item !== 'string') throw new InputError(`${field}[${index}]`, JSON.stringify(item), 'must be a string');
    return item;
  });
}
