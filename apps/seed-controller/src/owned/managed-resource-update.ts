import type { KubernetesObject } from '@kubernetes/client-node';
import { type ManagedResource, REFERENCE_PREFIX } from '../vpn-shoot/shoot-webhooks.ts';

export const referenceAnnotations = (object: KubernetesObject): Record<string, string> =>
  Object.fromEntries(Object.entries(object.metadata?.annotations ?? {}).filter(([key]) => key.startsWith(REFERENCE_PREFIX)));

/**
 * The live ManagedResource with our part (labels, reference annotations, spec) as wanted and everything else
 * kept: gardener-resource-manager's finalizer above all, which replacing with the bare wanted object would drop
 * (and with it the removal of the webhook from the shoot when the ManagedResource goes).
 */
export function updatedManagedResource(live: ManagedResource, wanted: ManagedResource): ManagedResource {
  const others = Object.entries(live.metadata.annotations ?? {}).filter(([key]) => !key.startsWith(REFERENCE_PREFIX));
  return {
    ...live,
    metadata: {
      ...live.metadata,
      labels: { ...live.metadata.labels, ...wanted.metadata.labels },
      annotations: { ...Object.fromEntries(others), ...wanted.metadata.annotations },
    },
    spec: wanted.spec,
  };
}
