import { InputError } from '@overlap/runtime';
import { isObject } from '../manifest.ts';

/** One step of a kustomize field path: a map field, or the list element whose `key` equals `value`. */
type Step = { field: string } | { key: string; value: string };

/** Parses kustomize's `a.b.[name=x].c`; dots inside brackets belong to the value. */
export function parseFieldPath(path: string): Step[] {
  const steps: Step[] = [];
  for (const part of path.match(/\[[^\]]*\]|[^.]+/g) ?? []) {
    const selector = /^\[([^=\]]+)=([^\]]*)\]$/.exec(part);
    if (selector) steps.push({ key: selector[1] as string, value: selector[2] as string });
    else if (part.startsWith('[')) throw new InputError('fieldPath', path, `has a selector ${part} that is not [key=value]`);
    else steps.push({ field: part });
  }
  if (steps.length === 0) throw new InputError('fieldPath', path, 'is empty');
  return steps;
}

function step(node: unknown, next: Step): unknown {
  if ('field' in next) return isObject(node) ? node[next.field] : undefined;
  return Array.isArray(node) ? node.find((item) => isObject(item) && String(item[next.key]) === next.value) : undefined;
}

export function getField(root: unknown, path: string): unknown {
  return parseFieldPath(path).reduce<unknown>((node, next) => step(node, next), root);
}

/** Sets an existing field; a path that leads nowhere is an error, as it is for kustomize without `create`. */
export function setField(root: unknown, path: string, value: unknown): void {
  const steps = parseFieldPath(path);
  const last = steps.pop();
  const parent = steps.reduce<unknown>((node, next) => step(node, next), root);
  if (last === undefined || !('field' in last) || !isObject(parent) || !(last.field in parent)) {
    throw new InputError('fieldPath', path, 'does not lead to an existing field');
  }
  parent[last.field] = value;
}
