import type { V1Volume } from '@kubernetes/client-node';

/** A Secret or ConfigMap that a pod template mounts, as `Kind/name`. */
export type MountRef = `${'ConfigMap' | 'Secret'}/${string}`;

/** Every Secret and ConfigMap the volumes mount, directly or through a projected volume. */
export function mountedRefs(volumes: readonly V1Volume[] | undefined): Set<MountRef> {
  const refs = new Set<MountRef>();
  for (const volume of volumes ?? []) {
    if (volume.configMap?.name) refs.add(`ConfigMap/${volume.configMap.name}`);
    if (volume.secret?.secretName) refs.add(`Secret/${volume.secret.secretName}`);
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap?.name) refs.add(`ConfigMap/${source.configMap.name}`);
      if (source.secret?.name) refs.add(`Secret/${source.secret.name}`);
    }
  }
  return refs;
}
