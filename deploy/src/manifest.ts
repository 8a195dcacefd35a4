import { parseAllDocuments } from 'yaml';
import { InputError } from '@overlap/runtime';

/** A Kubernetes object as read from YAML: only the identifying fields are known, the rest is the kind's own. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `apiVersion/kind/namespace/name`, unique within one rendered set. */
export function manifestId(manifest: Manifest): string {
  return `${manifest.apiVersion}/${manifest.kind}/${manifest.metadata.namespace ?? ''}/${manifest.metadata.name}`;
}

function asManifest(value: unknown, source: string): Manifest {
  if (!isObject(value)) throw new InputError(source, String(value), 'is not a Kubernetes object');
  const metadata = value.metadata;
  if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || !isObject(metadata) || typeof metadata.name !== 'string') {
    throw new InputError(source, JSON.stringify(value).slice(0, 80), 'needs apiVersion, kind and metadata.name');
  }
  return value as Manifest;
}

/** Every document of a YAML stream; YAML errors (duplicate keys included) are errors, not warnings. */
export function parseManifests(text: string, source: string): Manifest[] {
  return parseAllDocuments(text, { uniqueKeys: true })
    .filter((document) => document.contents !== null)
    .map((document) => {
      const problem = document.errors[0];
      if (problem) throw new InputError(source, problem.message.split('\n')[0] ?? '', 'is not valid YAML');
      return asManifest(document.toJS({ maxAliasCount: 0 }), source);
    });
}
