import { InputError } from '@overlap/runtime';
import { type Cidr, blockSize, lastAddress, makeCidr, overlaps } from './cidr.ts';
import { type Networks, type NetworkFields, ENV_FIELDS, SHOOT_KINDS, type ShootKind } from './networks.ts';
import { type Kind, MAPPED_RANGE } from './reserved.ts';

/** One translated network: `original` is what the shoot (or seed) uses, `mapped` what crosses the tunnel. */
export interface Mapping {
  readonly kind: Kind;
  readonly original: Cidr;
  readonly mapped: Cidr;
}

/**
 * Packs one kind's IPv4 networks into its reserved /8, exactly as Gardener does, so that either side could talk to
 * Gardener's counterpart: largest network first (ties keep input order), each taking the next free block of its
 * own size, aligned to that size. IPv6 networks are left out: only IPv4 is translated.
 */
export function packKind(kind: ShootKind, cidrs: readonly Cidr[], field: string): Mapping[] {
  const target = MAPPED_RANGE[kind];
  const end = lastAddress(target);
  // Array sort is stable: ties keep input order without carrying each network's index.
  const ordered = cidrs.filter((cidr) => cidr.family === 'IPv4').sort((a, b) => a.prefix - b.prefix);

  let cursor = target.address;
  return ordered.map((original) => {
    if (original.prefix < target.prefix) {
      throw new InputError(field, original.text, `is larger than its mapped range ${target.text} can hold`);
    }
    const size = blockSize(original);
    const start = ((cursor + size - 1n) / size) * size;
    if (start + size - 1n > end) {
      throw new InputError(field, ordered.map((c) => c.text).join(','), `do not fit together into the mapped range ${target.text}`);
    }
    cursor = start + size;
    return { kind, original, mapped: makeCidr('IPv4', start, original.prefix) };
  });
}

/** The seed pod network keeps its low 24 bits inside 241.0.0.0/8 (the /8's mask replaces the first octet). */
export function mapSeedPods(seedPods: Cidr, field: string): Mapping {
  const target = MAPPED_RANGE.seedPods;
  if (seedPods.prefix < target.prefix) {
    throw new InputError(field, seedPods.text, `is larger than its mapped range ${target.text} can hold`);
  }
  const hostMask = blockSize(target) - 1n;
  const mapped = makeCidr('IPv4', target.address | (seedPods.address & hostMask), seedPods.prefix);
  return { kind: 'seedPods', original: seedPods, mapped };
}

interface Located {
  readonly cidr: Cidr;
  readonly field: string;
  readonly index: number;
}

/** Compares without subtracting: a bigint difference is a new object, ~140 000 of them to sort 10 000 networks. */
const byAddress = (a: Located, b: Located): number => (a.cidr.address < b.cidr.address ? -1 : a.cidr.address > b.cidr.address ? 1 : 0);

/**
 * The translated (IPv4) shoot networks must be disjoint, across kinds and within one, or a translated address
 * would be ambiguous. Sorted by first address, any overlap shows between neighbours (if a overlaps a later b, a's
 * successor starts no later than b, so inside a too): O(n log n) for the thousands of networks a large seed may
 * carry. IPv6 networks are never translated, so they may overlap each other freely.
 */
function assertTranslatedDisjoint(networks: Networks, fields: NetworkFields): void {
  const ordered: Located[] = [];
  for (const kind of SHOOT_KINDS) {
    for (const cidr of networks[kind]) if (cidr.family === 'IPv4') ordered.push({ cidr, field: fields[kind], index: ordered.length });
  }
  ordered.sort(byAddress);
  for (let i = 1; i < ordered.length; i += 1) {
    const a = ordered[i - 1]!;
    const b = ordered[i]!;
    const earlier = a.index < b.index ? a : b;
    const later = earlier === a ? b : a;
    if (overlaps(earlier.cidr, later.cidr)) {
      throw new InputError(later.field, later.cidr.text, `overlaps ${earlier.cidr.text} of ${earlier.field}; shoot networks must be disjoint`);
    }
  }
}

/** Only IPv4 is translated: an IPv6 shoot network inside (or around) an IPv6 seed pod network stays unreachable. */
function assertNoIPv6SeedOverlap(networks: Networks, fields: NetworkFields): void {
  const seed = networks.seedPods;
  if (seed?.family !== 'IPv6') return;
  for (const kind of SHOOT_KINDS) {
    const hit = networks[kind].find((cidr) => overlaps(cidr, seed));
    if (hit) {
      throw new InputError(fields[kind], hit.text, `overlaps the seed pod network ${seed.text}; only IPv4 overlaps can be translated`);
    }
  }
}

/**
 * Every mapping the double NAT needs: all IPv4 shoot networks of each kind (not only the overlapping ones: once
 * the tunnel carries mapped addresses, every shoot destination must be reachable under one) and the seed pods.
 * Throws InputError (naming the field and the value) when the networks cannot be translated.
 */
export function planMappings(networks: Networks, fields: NetworkFields = ENV_FIELDS): Mapping[] {
  assertNoIPv6SeedOverlap(networks, fields);
  assertTranslatedDisjoint(networks, fields);
  const shoot = SHOOT_KINDS.flatMap((kind) => packKind(kind, networks[kind], fields[kind]));
  const seed = networks.seedPods;
  return seed && seed.family === 'IPv4' ? [...shoot, mapSeedPods(seed, fields.seedPods)] : shoot;
}

/** planMappings for callers that must keep running: the mappings, or why these networks cannot be translated. */
export type MappingPlan =
  | { readonly translatable: true; readonly mappings: readonly Mapping[] }
  | { readonly translatable: false; readonly problem: InputError };

export function tryPlanMappings(networks: Networks, fields: NetworkFields = ENV_FIELDS): MappingPlan {
  try {
    return { translatable: true, mappings: planMappings(networks, fields) };
  } catch (error) {
    if (error instanceof InputError) return { translatable: false, problem: error };
    throw error;
  }
}
