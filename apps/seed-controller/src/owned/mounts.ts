import { createHash } from 'node:crypto';
import type { KubernetesObject, V1Volume } from '@kubernetes/client-node';

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

/** A digest of what the mounted objects hold, the same on every replica (it ignores resourceVersions). */
export function mountedVersion(mounted: ReadonlyArray<readonly [MountRef, KubernetesObject]>): string {
  const hash = createHash('sha256');
  for (const [ref, object] of [...mounted].sort(([a], [b]) => a.localeCompare(b))) {
    const data = (object as { data?: Record<string, string> }).data ?? {};
    hash.update(JSON.stringify([ref, Object.entries(data).sort()]));
  }
  return hash.digest('hex').slice(0, 16);
}
