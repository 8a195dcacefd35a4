import { isDeepStrictEqual } from 'node:util';
import type { V1Container } from '@kubernetes/client-node';
import { decideOverlap } from '@overlap/cidr';
import { InjectionError } from '../inject/mutate.ts';
import { INJECTED_ANNOTATION } from '../inject/names.ts';
import { SHOOT_AGENT_CONTAINER, VPN2_SELF_TRANSLATING } from './names.ts';
import { type ShootAgentSettings, type VpnShootWorkload, shootAgentContainer, vpnClientContainers, vpnShootNetworks } from './shoot-agent.ts';

/**
 * - injected: the agent was added (or brought up to date); removed: an agent of ours was taken out;
 * - unchanged: nothing to do (already as wanted, or no overlap in vpn-shoot's own networks);
 * - translates_itself: vpn-shoot's own client already translates, so no agent is added;
 * - refused: vpn-shoot cannot get an agent (no networks, or a foreign shoot-vpn-agent); admitted without one.
 */
export type VpnShootOutcome = 'injected' | 'removed' | 'unchanged' | 'translates_itself' | 'refused';

export interface VpnShootMutation {
  /** The very object passed in when nothing changes. */
  readonly object: VpnShootWorkload;
  readonly outcome: VpnShootOutcome;
  /** One sentence for the log line, and for the admission warning when refused. */
  readonly detail: string;
}

/** `vpn-client:0.38.0`, `.../vpn-client:v0.41.2@sha256:...` → [0, 38, 0]; a digest or `latest` has no version. */
export function imageVersion(image: string | undefined): [number, number, number] | undefined {
  const tag = /:v?(\d+)\.(\d+)\.(\d+)(?:[-+][^@/:]*)?(?:@sha256:[0-9a-f]+)?$/.exec(image ?? '');
  return tag ? [Number(tag[1]), Number(tag[2]), Number(tag[3])] : undefined;
}

function atLeast(version: readonly number[], minimum: readonly number[]): boolean {
  for (let i = 0; i < minimum.length; i += 1) {
    if (version[i]! !== minimum[i]!) return version[i]! > minimum[i]!;
  }
  return true;
}

/**
 * Why vpn-shoot's own VPN clients already translate, or undefined. vpn2's shoot client NATs when `!IS_HA ||
 * overlap` since 0.40 and when `!IS_HA` before (vpn2-ha-datapath.md §2.5), so a non-HA vpn-shoot always does,
 * and an HA one does when every client runs vpn2 ≥ 0.40. A version that cannot be read (digest only, `latest`)
 * counts as old: a second, identical NETMAP after vpn2's own never applies (the first NAT rule of a connection
 * wins), whereas a missing one breaks the overlap.
 */
function selfTranslation(workload: VpnShootWorkload): string | undefined {
  const clients = vpnClientContainers(workload);
  const ha = clients.some((c) => c.env?.some((e) => e.name === 'IS_HA' && e.value === 'true'));
  if (!ha) return 'vpn-shoot is not HA (no IS_HA=true), and vpn2 always translates non-HA shoots itself';
  const versions = clients.map((c) => imageVersion(c.image));
  if (versions.every((v) => v !== undefined && atLeast(v, VPN2_SELF_TRANSLATING))) {
    return `vpn-shoot's clients run vpn2 ${versions.map((v) => v!.join('.')).join(', ')}, which translates HA shoots itself (from ${VPN2_SELF_TRANSLATING.join('.')})`;
  }
  return undefined;
}

interface Marker {
  readonly containers: readonly string[];
}

function readMarker(workload: VpnShootWorkload): Marker | undefined {
  const text = workload.spec?.template?.metadata?.annotations?.[INJECTED_ANNOTATION];
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<Marker>;
    return { containers: parsed.containers ?? [] };
  } catch {
    throw new InjectionError(`spec.template.metadata.annotations["${INJECTED_ANNOTATION}"]`, `${JSON.stringify(text)} is not JSON`);
  }
}

/** Takes out exactly what the marker says we added, and the marker itself. */
function strip(workload: VpnShootWorkload, marker: Marker): void {
  const spec = workload.spec!.template.spec!;
  spec.containers = spec.containers.filter((c) => !marker.containers.includes(c.name));
  const metadata = workload.spec!.template.metadata!;
  delete metadata.annotations![INJECTED_ANNOTATION];
  if (Object.keys(metadata.annotations!).length === 0) delete metadata.annotations;
  if (Object.keys(metadata).length === 0) delete workload.spec!.template.metadata;
}

function inject(workload: VpnShootWorkload, agent: V1Container): void {
  const template = workload.spec!.template;
  template.spec!.containers = [...template.spec!.containers, agent];
  const marker: Marker = { containers: [agent.name] };
  template.metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [INJECTED_ANNOTATION]: JSON.stringify(marker) } };
}

/**
 * The shoot webhook's whole effect as a pure function: a vpn-shoot whose own networks overlap and whose client
 * does not translate gets the `shoot-vpn-agent` sidecar (replacing an earlier one of ours); otherwise an agent of
 * ours is taken out again and the object is left exactly as Gardener wrote it.
 */
export function mutateVpnShoot(original: VpnShootWorkload, settings: ShootAgentSettings): VpnShootMutation {
  const same = (outcome: VpnShootOutcome, detail: string): VpnShootMutation => ({ object: original, outcome, detail });
  if (original.metadata?.deletionTimestamp) return same('unchanged', 'vpn-shoot is being deleted');
  if (!original.spec?.template?.spec?.containers) return same('refused', 'spec.template.spec.containers: is missing');

  let marker: Marker | undefined;
  try {
    marker = readMarker(original);
  } catch (error) {
    return same('refused', (error as Error).message);
  }
  const foreign = !marker?.containers.includes(SHOOT_AGENT_CONTAINER);
  if (foreign && original.spec.template.spec.containers.some((c) => c.name === SHOOT_AGENT_CONTAINER)) {
    return same(
      'refused',
      `spec.template.spec.containers: "${SHOOT_AGENT_CONTAINER}" already exists and was not added by this webhook (the deploy/shoot component?); left as it is`,
    );
  }

  const next = structuredClone(original);
  if (marker) strip(next, marker);
  const settle = (outcome: VpnShootOutcome, detail: string): VpnShootMutation => {
    if (isDeepStrictEqual(next, original)) return same(outcome, detail);
    // An agent of ours goes; a refusal stays a refusal (and a warning) even when it takes one out.
    return { object: next, outcome: outcome === 'refused' ? 'refused' : 'removed', detail };
  };

  let agent: V1Container;
  try {
    const { networks } = vpnShootNetworks(next);
    const self = selfTranslation(next);
    if (self) return settle('translates_itself', self);
    const overlap = decideOverlap(networks);
    if (!overlap.overlap) return settle('unchanged', `vpn-shoot's own networks: ${overlap.reason}`);
    agent = shootAgentContainer(next, settings);
  } catch (error) {
    if (!(error instanceof InjectionError)) throw error;
    return settle('refused', `vpn-shoot gets no shoot agent: ${error.message}`);
  }
  inject(next, agent);
  if (isDeepStrictEqual(next, original)) return same('unchanged', 'vpn-shoot already carries the current shoot agent');
  return { object: next, outcome: 'injected', detail: 'added the shoot agent to vpn-shoot' };
}
