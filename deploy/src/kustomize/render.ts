import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '@overlap/runtime';
import { type Manifest, manifestId, parseManifests } from '../manifest.ts';
import { getField, setField } from './field-path.ts';
import { applyImages } from './images.ts';
import { type Kustomization, parseKustomization } from './kustomization.ts';
import { strategicMerge } from './strategic-merge.ts';

function readKustomization(dir: string): Kustomization {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new InputError('kustomization', dir, 'has no kustomization.yaml');
  return parseKustomization(readFileSync(file, 'utf8'), file);
}

function addAll(into: Manifest[], manifests: readonly Manifest[]): void {
  for (const manifest of manifests) {
    if (into.some((existing) => manifestId(existing) === manifestId(manifest))) throw new InputError('resource', manifestId(manifest), 'is defined twice');
    into.push(manifest);
  }
}

function generateConfigMaps(dir: string, kustomization: Kustomization): Manifest[] {
  return kustomization.configMapGenerator.map((generator) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: generator.name,
      ...(generator.namespace === undefined ? {} : { namespace: generator.namespace }),
      ...(Object.keys(generator.labels).length === 0 ? {} : { labels: { ...generator.labels } }),
    },
    data: Object.fromEntries(generator.files.map((file) => [basename(file), readFileSync(join(dir, file), 'utf8')])),
  }));
}

/** A patch applies to the one resource of its kind and name (and namespace, when the patch names one). */
function applyPatch(resources: Manifest[], patch: Manifest, source: string): void {
  const matches = resources.filter(
    (resource) =>
      resource.kind === patch.kind &&
      resource.metadata.name === patch.metadata.name &&
      (patch.metadata.namespace === undefined || patch.metadata.namespace === resource.metadata.namespace),
  );
  if (matches.length !== 1) throw new InputError(`patch ${source}`, `${patch.kind}/${patch.metadata.name}`, `matches ${matches.length} resources, not one`);
  const target = matches[0] as Manifest;
  resources[resources.indexOf(target)] = strategicMerge(target, patch) as Manifest;
}

function findOne(resources: readonly Manifest[], kind: string, name: string, role: string): Manifest {
  const found = resources.find((resource) => resource.kind === kind && resource.metadata.name === name);
  if (found === undefined) throw new InputError(role, `${kind}/${name}`, 'matches no resource');
  return found;
}

/** The transformers, in kustomize's order: patches, then images, then replacements. */
function transform(dir: string, kustomization: Kustomization, resources: Manifest[]): void {
  for (const path of kustomization.patches) {
    for (const patch of parseManifests(readFileSync(join(dir, path), 'utf8'), join(dir, path))) applyPatch(resources, patch, path);
  }
  if (kustomization.images.length > 0) for (const resource of resources) applyImages(resource, kustomization.images);
  for (const { source, targets } of kustomization.replacements) {
    const value = getField(findOne(resources, source.kind, source.name, 'replacement source'), source.fieldPath);
    if (value === undefined) throw new InputError('replacement source fieldPath', source.fieldPath, `is missing in ${source.kind}/${source.name}`);
    for (const target of targets) {
      const resource = findOne(resources, target.select.kind, target.select.name, 'replacement target');
      for (const fieldPath of target.fieldPaths) setField(resource, fieldPath, structuredClone(value));
    }
  }
}

function accumulate(dir: string, expectedKind: Kustomization['kind'], resources: Manifest[]): void {
  const kustomization = readKustomization(dir);
  if (kustomization.kind !== expectedKind) throw new InputError('kustomization', dir, `is a ${kustomization.kind}, expected a ${expectedKind}`);
  for (const entry of kustomization.resources) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) addAll(resources, renderKustomization(path));
    else addAll(resources, parseManifests(readFileSync(path, 'utf8'), path));
  }
  for (const component of kustomization.components) accumulate(join(dir, component), 'Component', resources);
  addAll(resources, generateConfigMaps(dir, kustomization));
  transform(dir, kustomization, resources);
}

/**
 * Renders a kustomization directory the way `kustomize build` does, for the subset of kustomize the project's
 * bases use (resources, components, configMapGenerator without hash suffix, strategic-merge patches, images,
 * replacements). Anything else in a kustomization.yaml is refused rather than ignored.
 */
export function renderKustomization(dir: string): Manifest[] {
  const resources: Manifest[] = [];
  accumulate(dir, 'Kustomization', resources);
  return resources;
}
