import { type Cidr, overlaps, parseCidr, parseCidrList } from './cidr.ts';
import { InputError } from './errors.ts';
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
 * Parses and validates a shoot's and seed's networks. Refused: malformed CIDRs, anything touching the reserved
 * ranges, shoot networks that overlap each other (a translated address would be ambiguous), and IPv6 shoot
 * networks overlapping the seed pod network (only IPv4 is translated, so such an overlap cannot be solved).
 */
export function parseNetworks(raw: RawNetworks, fields: NetworkFields = ENV_FIELDS): Networks {
  const seedText = raw.seedPods?.trim() ?? '';
  if (seedText.includes(',')) throw new InputError(fields.seedPods, seedText, 'must be a single CIDR');
  const seedPods = seedText === '' ? undefined : parseCidr(seedText, fields.seedPods);
  if (seedPods) assertNotReserved(seedPods, fields.seedPods);

  const shoot = Object.fromEntries(
    SHOOT_KINDS.map((kind) => [kind, parseCidrList(raw[kind] ?? '', fields[kind])]),
  ) as Record<ShootKind, Cidr[]>;

  const entries = SHOOT_KINDS.flatMap((kind) => shoot[kind].map((cidr) => ({ cidr, field: fields[kind] })));
  for (const { cidr, field } of entries) {
    assertNotReserved(cidr, field);
    if (cidr.family === 'IPv6' && seedPods && overlaps(cidr, seedPods)) {
      throw new InputError(field, cidr.text, `overlaps the seed pod network ${seedPods.text}; only IPv4 overlaps can be translated`);
    }
  }
  assertDisjoint(entries);
  return { seedPods, ...shoot };
}

interface Located {
  readonly cidr: Cidr;
  readonly field: string;
  readonly index: number;
}

const byFamilyThenAddress = (a: Located, b: Located): number =>
  a.cidr.family.localeCompare(b.cidr.family) || Number(a.cidr.address - b.cidr.address > 0n) - Number(a.cidr.address < b.cidr.address);

/**
 * Sorted by first address, any overlap shows between neighbours (if a overlaps a later b, a's successor starts
 * no later than b, so inside a too): O(n log n) for the thousands of networks a large seed may carry.
 */
function assertDisjoint(entries: ReadonlyArray<Omit<Located, 'index'>>): void {
  const ordered = entries.map((entry, index) => ({ ...entry, index })).sort(byFamilyThenAddress);
  for (let i = 1; i < ordered.length; i += 1) {
    const pair = [ordered[i - 1]!, ordered[i]!];
    const [earlier, later] = pair[0]!.index < pair[1]!.index ? [pair[0]!, pair[1]!] : [pair[1]!, pair[0]!];
    if (overlaps(earlier.cidr, later.cidr)) {
      throw new InputError(later.field, later.cidr.text, `overlaps ${earlier.cidr.text} of ${earlier.field}; shoot networks must be disjoint`);
    }
  }
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
