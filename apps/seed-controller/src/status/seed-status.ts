import { INJECTED_ANNOTATION } from '../inject/names.ts';
import type { KubeClient } from '../kube/client.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../inject/settings.ts';
import { readSeedState } from './seed-state.ts';
import { type ShootStatus, shootStatus } from './shoot-status.ts';

/** Every shoot on the seed (or one namespace), judged against its plan, sorted by namespace. */
export async function seedStatus(api: KubeClient, namespace?: string): Promise<ShootStatus[]> {
  const state = await readSeedState(api, {
    namespace,
    // Only an injected kube-apiserver runs seed agents to ask.
    wantsAgents: (_, deployment) => deployment?.spec?.template?.metadata?.annotations?.[INJECTED_ANNOTATION] !== undefined,
  });
  return state.clusters
    .map((cluster) => shootStatus(cluster, state.namespaces.get(cluster.metadata?.name ?? '')!, DEFAULT_INJECTION_SETTINGS))
    .sort((a, b) => a.namespace.localeCompare(b.namespace));
}
