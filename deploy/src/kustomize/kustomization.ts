import { parse } from 'yaml';
import { InputError } from '@overlap/runtime';
import { isObject } from '../manifest.ts';
import type { ImageOverride } from './images.ts';

interface Replacement {
  readonly source: { readonly kind: string; readonly name: string; readonly fieldPath: string };
  readonly targets: readonly { readonly select: { readonly kind: string; readonly name: string }; readonly fieldPaths: readonly string[] }[];
}

interface ConfigMapGenerator {
  readonly name: string;
  readonly namespace?: string;
  readonly files: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** The part of kustomize's Kustomization and Component that this project's bases use, validated. */
export interface Kustomization {
  readonly kind: 'Kustomization' | 'Component';
  readonly resources: readonly string[];
  readonly components: readonly string[];
  readonly configMapGenerator: readonly ConfigMapGenerator[];
  readonly patches: readonly string[];
  readonly images: readonly ImageOverride[];
  readonly replacements: readonly Replacement[];
}

const KNOWN_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'components', 'configMapGenerator', 'patches', 'images', 'replacements']);

function strings(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw new InputError(field, JSON.stringify(value), 'must be a list of strings');
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new InputError(field, JSON.stringify(value), 'must be a non-empty string');
  return value;
}

type JsonList = Record<string, unknown>[];

function list(value: unknown, field: string): JsonList {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isObject)) throw new InputError(field, JSON.stringify(value), 'must be a list of objects');
  return value;
}

function generator(entry: Record<string, unknown>, field: string): ConfigMapGenerator {
  const options = isObject(entry.options) ? entry.options : {};
  // Without this option kustomize appends a content hash to the name; the renderer does not reimplement it.
  if (options.disableNameSuffixHash !== true)
    throw new InputError(`${field}.options.disableNameSuffixHash`, String(options.disableNameSuffixHash), 'must be true');
  const labels = isObject(options.labels) ? options.labels : {};
  for (const [key, value] of Object.entries(labels)) text(value, `${field}.options.labels.${key}`);
  return {
    name: text(entry.name, `${field}.name`),
    ...(entry.namespace === undefined ? {} : { namespace: text(entry.namespace, `${field}.namespace`) }),
    files: strings(entry.files, `${field}.files`),
    labels: labels as Record<string, string>,
  };
}

function replacement(entry: Record<string, unknown>, field: string): Replacement {
  const source = isObject(entry.source) ? entry.source : {};
  return {
    source: {
      kind: text(source.kind, `${field}.source.kind`),
      name: text(source.name, `${field}.source.name`),
      fieldPath: text(source.fieldPath, `${field}.source.fieldPath`),
    },
    targets: list(entry.targets, `${field}.targets`).map((target, index) => {
      const select = isObject(target.select) ? target.select : {};
      return {
        select: { kind: text(select.kind, `${field}.targets.${index}.select.kind`), name: text(select.name, `${field}.targets.${index}.select.name`) },
        fieldPaths: strings(target.fieldPaths, `${field}.targets.${index}.fieldPaths`),
      };
    }),
  };
}

export function parseKustomization(yamlText: string, file: string): Kustomization {
  const raw: unknown = parse(yamlText, { uniqueKeys: true });
  if (!isObject(raw)) throw new InputError(file, String(raw), 'is not a kustomization');
  for (const field of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(field))
      throw new InputError(`${file}: ${field}`, JSON.stringify(raw[field]).slice(0, 60), 'is a kustomize feature the renderer does not support');
  }
  const kind = raw.kind ?? 'Kustomization';
  if (kind !== 'Kustomization' && kind !== 'Component') throw new InputError(`${file}: kind`, String(kind), 'must be Kustomization or Component');
  return {
    kind,
    resources: strings(raw.resources, `${file}: resources`),
    components: strings(raw.components, `${file}: components`),
    configMapGenerator: list(raw.configMapGenerator, `${file}: configMapGenerator`).map((entry, index) =>
      generator(entry, `${file}: configMapGenerator.${index}`),
    ),
    patches: list(raw.patches, `${file}: patches`).map((entry, index) => {
      if (Object.keys(entry).some((key) => key !== 'path'))
        throw new InputError(`${file}: patches.${index}`, JSON.stringify(entry), 'may only name a strategic-merge patch file (path)');
      return text(entry.path, `${file}: patches.${index}.path`);
    }),
    images: list(raw.images, `${file}: images`).map((entry, index) => ({
      name: text(entry.name, `${file}: images.${index}.name`),
      ...(entry.newName === undefined ? {} : { newName: text(entry.newName, `${file}: images.${index}.newName`) }),
      ...(entry.newTag === undefined ? {} : { newTag: text(entry.newTag, `${file}: images.${index}.newTag`) }),
    })),
    replacements: list(raw.replacements, `${file}: replacements`).map((entry, index) => replacement(entry, `${file}: replacements.${index}`)),
  };
}
