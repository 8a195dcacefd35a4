import { InputError } from '@overlap/runtime';
import { type Cidr, parseCidr, parseCidrList } from './cidr.ts';
import { assertNotReserved } from './reserved.ts';

/** The validated networks of one shoot and its seed: everything the translation is computed from. */
export interface Networks {
  /** Absent when the seed's pod network is unknown; there is then never an overlap (as in Gardener). */
  readonly seedPods: Cidr | undefined;
  readonly pods: readonly Cidr[];
  readonly services: readonly Cidr[];
  readonly nodes: readonly Cidr[];
}

export type ShootKind = 'pods' | 'services' | 'nodes';
export const SHOOT_KINDS: readonly ShootKind[] = ['pods', 'services', 'nodes'];

/** Raw inputs: comma-separated lists as Gardener hands them to the VPN containers. */
export type RawNetworks = Partial<Record<'seedPods' | ShootKind, string>>;
/** The name of each input, used in every error message about it. */
export type NetworkFields = Record<'seedPods' | ShootKind, string>;

export const ENV_FIELDS: NetworkFields = {
  seedPods: 'SEED_POD_NETWORK',
  pods: 'SHOOT_POD_NETWORKS',
  services: 'SHOOT_SERVICE_NETWORKS',
  nodes: 'SHOOT_NODE_NETWORKS',
};

/**
 * Parses a shoot's and seed's networks. Refused here is only what no shoot can have: malformed CIDRs and
 * anything touching the reserved ranges. Whether the networks can be translated (IPv4 kinds disjoint and packing
 * into their blocks, no IPv6 overlap with the seed) is planMappings' question: it matters only where something is
 * translated, and IPv6 networks are never translated, so kinds may share them (AWS and GCP dual-stack shoots
 * report one IPv6 range as both pods and nodes).
 */
export function parseNetworks(raw: RawNetworks, fields: NetworkFields = ENV_FIELDS): Networks {
  const seedText = raw.seedPods?.trim() ?? '';
  if (seedText.includes(',')) throw new InputError(fields.seedPods, seedText, 'must be a single CIDR');
  const seedPods = seedText === '' ? undefined : parseCidr(seedText, fields.seedPods);
  if (seedPods) assertNotReserved(seedPods, fields.seedPods);

  const shoot = Object.fromEntries(SHOOT_KINDS.map((kind) => [kind, parseCidrList(raw[kind] ?? '', fields[kind])])) as Record<ShootKind, Cidr[]>;

  for (const kind of SHOOT_KINDS) for (const cidr of shoot[kind]) assertNotReserved(cidr, fields[kind]);
  return { seedPods, ...shoot };
}

/** Inverse of parsing: the env values an agent needs to reach the same networks (and so the same decision). */
export function networksToEnv(networks: Networks): Record<string, string> {
  const join = (list: readonly Cidr[]): string => list.map((c) => c.text).join(',');
  return {
    [ENV_FIELDS.seedPods]: networks.seedPods?.text ?? '',
    [ENV_FIELDS.pods]: join(networks.pods),
    [ENV_FIELDS.services]: join(networks.services),
    [ENV_FIELDS.nodes]: join(networks.nodes),
  };
}
