import { InputError } from '@overlap/cidr';

/** Reads the raw Shoot/Seed objects embedded in a Cluster (RawExtension: plain JSON, nothing guaranteed). */
export function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
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
