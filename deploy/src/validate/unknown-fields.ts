import * as kubernetes from '@kubernetes/client-node';
import { isObject } from '../manifest.ts';

interface Attribute {
  readonly baseName: string;
  readonly type: string;
}
type ModelClass = { readonly attributeTypeMap?: readonly Attribute[] };

/** Types whose values have no fields of their own to check. */
const LEAF_TYPES = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString']);

function modelFor(type: string): readonly Attribute[] {
  const model = (kubernetes as unknown as Record<string, ModelClass | undefined>)[type];
  if (model?.attributeTypeMap === undefined) throw new Error(`@kubernetes/client-node has no model ${type}`);
  return model.attributeTypeMap;
}

function check(value: unknown, type: string, path: string, problems: string[]): void {
  if (LEAF_TYPES.has(type) || value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) for (const [index, item] of value.entries()) check(item, array[1] as string, `${path}[${index}]`, problems);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (isObject(value)) for (const [key, item] of Object.entries(value)) check(item, map[1] as string, `${path}.${key}`, problems);
    return;
  }
  if (!isObject(value)) return;
  const attributes = modelFor(type);
  for (const [field, item] of Object.entries(value)) {
    const attribute = attributes.find((candidate) => candidate.baseName === field);
    if (attribute === undefined) problems.push(`${path}.${field}: unknown field of ${type}`);
    else check(item, attribute.type, `${path}.${field}`, problems);
  }
}

/**
 * Fields the Kubernetes API does not know, found with the OpenAPI-generated models of @kubernetes/client-node
 * (what `kubectl apply --validate=strict` refuses; the JSON schemas of kubernetes-models allow extra fields).
 * `model` is the client's type name, e.g. V1Deployment.
 */
export function unknownFields(object: unknown, model: string): string[] {
  const problems: string[] = [];
  check(object, model, '', problems);
  return problems;
}
