import { isObject } from '../manifest.ts';

export interface ImageOverride {
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
}

/** `registry:5000/repo/name:tag` → name part and tag; the registry's port is not a tag. */
function splitImage(image: string): { name: string; tag: string | undefined } {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? { name: image.slice(0, colon), tag: image.slice(colon + 1) } : { name: image, tag: undefined };
}

function retag(image: string, overrides: readonly ImageOverride[]): string {
  const { name, tag } = splitImage(image);
  const override = overrides.find((candidate) => candidate.name === name);
  if (override === undefined) return image;
  const newTag = override.newTag ?? tag;
  return `${override.newName ?? name}${newTag === undefined ? '' : `:${newTag}`}`;
}

/** kustomize's `images:`: every `containers[].image` and `initContainers[].image`, wherever the pod template sits. */
export function applyImages(node: unknown, overrides: readonly ImageOverride[]): void {
  if (Array.isArray(node)) {
    for (const item of node) applyImages(item, overrides);
    return;
  }
  if (!isObject(node)) return;
  for (const [field, value] of Object.entries(node)) {
    if ((field === 'containers' || field === 'initContainers') && Array.isArray(value)) {
      for (const container of value) {
        if (isObject(container) && typeof container.image === 'string') container.image = retag(container.image, overrides);
      }
    }
    applyImages(value, overrides);
  }
}
