import { type Cidr, blockSize, lastAddress, makeCidr } from './cidr.ts';
import { InputError } from './errors.ts';
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
  const ordered = cidrs
    .filter((cidr) => cidr.family === 'IPv4')
    .map((cidr, index) => ({ cidr, index }))
    .sort((a, b) => a.cidr.prefix - b.cidr.prefix || a.index - b.index)
    .map(({ cidr }) => cidr);

  let cursor = target.address;
  return ordered.map((original) => {
    if (original.prefix < target.prefix) {
      throw new InputError(field, original.text, `is larger than its mapped range ${target.text} can hold`);
    }
    const size = blockSize(original);
    const start = ((cursor + size - 1n) / size) * size;
    if (start + size - 1n > end) {
      throw new InputError(
        field,
        ordered.map((c) => c.text).join(','),
        `do not fit together into the mapped range ${target.text}`,
      );
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

/**
 * Every mapping the double NAT needs: all IPv4 shoot networks of each kind (not only the overlapping ones: once
 * the tunnel carries mapped addresses, every shoot destination must be reachable under one) and the seed pods.
 */
export function planMappings(networks: Networks, fields: NetworkFields = ENV_FIELDS): Mapping[] {
  const shoot = SHOOT_KINDS.flatMap((kind) => packKind(kind, networks[kind], fields[kind]));
  const seed = networks.seedPods;
  return seed && seed.family === 'IPv4' ? [...shoot, mapSeedPods(seed, fields.seedPods)] : shoot;
}
