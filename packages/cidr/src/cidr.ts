import { createRequire } from 'node:module';
import { InputError } from '@overlap/runtime';

/**
 * ip-num, loaded when first needed: evaluating it builds its own IPv4 and IPv6 range constants, ~10 ms of every
 * start, while canonical IPv4 (nearly every input) never needs it. A bundle's `require` (esbuild turns it into the
 * bundled module, evaluated on the first call); running from source, Node's require from here.
 */
let ipNumModule: typeof import('ip-num') | undefined;
function ipNum(): typeof import('ip-num') {
  ipNumModule ??= typeof require === 'function' ? (require('ip-num') as typeof import('ip-num')) : createRequire(import.meta.url)('ip-num');
  return ipNumModule!;
}

export type Family = 'IPv4' | 'IPv6';

/** A canonical network: host bits are zero, `text` is the normalised notation. */
export interface Cidr {
  readonly family: Family;
  readonly address: bigint;
  readonly prefix: number;
  readonly text: string;
}

const FAMILY_BITS: Readonly<Record<Family, number>> = { IPv4: 32, IPv6: 128 };

export function familyOf(value: string): Family {
  return value.includes(':') ? 'IPv6' : 'IPv4';
}

/** Every block size of each family, made once: overlap checks and packing ask for them per network. */
const BLOCK_SIZES: Readonly<Record<Family, readonly bigint[]>> = {
  IPv4: Array.from({ length: 33 }, (_, prefix) => 1n << BigInt(32 - prefix)),
  IPv6: Array.from({ length: 129 }, (_, prefix) => 1n << BigInt(128 - prefix)),
};

export function blockSize(cidr: Pick<Cidr, 'family' | 'prefix'>): bigint {
  return BLOCK_SIZES[cidr.family][cidr.prefix] ?? 1n << BigInt(FAMILY_BITS[cidr.family] - cidr.prefix);
}

export function lastAddress(cidr: Cidr): bigint {
  return cidr.address + blockSize(cidr) - 1n;
}

export function formatAddress(family: Family, value: bigint): string {
  if (family === 'IPv4') {
    const v = Number(value & 0xffffffffn);
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  return compressIPv6(groups);
}

/** RFC 5952: the longest run (at least two) of zero groups becomes `::`, the first such run on a tie. */
function compressIPv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < groups.length; ) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < groups.length && groups[end] === 0) end += 1;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export function makeCidr(family: Family, address: bigint, prefix: number): Cidr {
  return { family, address, prefix, text: `${formatAddress(family, address)}/${prefix}` };
}

/** Dotted quad and prefix exactly as written canonically: no leading zeros, no sign, nothing around. */
const CANONICAL_IPV4_CIDR = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(0|[1-9]\d?)$/;

/**
 * The common case without ip-num, whose object-per-bit validation cost ~20 µs per network (200 ms of a 10 000
 * network plan): an IPv4 network in canonical notation with its host bits zero. Anything else (IPv6, another
 * spelling, an error) returns undefined and takes the general path, which accepts and reports exactly as before.
 */
function parseCanonicalIPv4(text: string): Cidr | undefined {
  const parts = CANONICAL_IPV4_CIDR.exec(text);
  if (!parts) return undefined;
  const a = Number(parts[1]);
  const b = Number(parts[2]);
  const c = Number(parts[3]);
  const d = Number(parts[4]);
  const prefix = Number(parts[5]);
  if (prefix > 32 || a > 255 || b > 255 || c > 255 || d > 255) return undefined;
  const value = ((a * 256 + b) * 256 + c) * 256 + d;
  const hostBits = 2 ** (32 - prefix);
  if (value % hostBits !== 0) return undefined;
  return { family: 'IPv4', address: BigInt(value), prefix, text };
}

/**
 * Parses one CIDR. Surrounding white space is tolerated; host bits are not, because a network written with
 * host bits usually means a typo in the prefix length, and guessing would NAT the wrong range.
 */
export function parseCidr(value: string, field: string): Cidr {
  return parseCanonicalIPv4(value.trim()) ?? parseCidrGenerally(value, field);
}

/** parseCidr through ip-num, for every notation and every error; exported for the test of the shortcut only. */
export function parseCidrGenerally(value: string, field: string): Cidr {
  const trimmed = value.trim();
  const family = familyOf(trimmed);
  const { IPv4CidrRange, IPv6CidrRange, Validator } = ipNum();
  const [notationOk] = family === 'IPv4' ? Validator.isValidIPv4CidrNotation(trimmed) : Validator.isValidIPv6CidrNotation(trimmed);
  if (!notationOk || !/\/\d{1,3}$/.test(trimmed)) {
    throw new InputError(field, value, 'is not a valid CIDR');
  }
  const range = family === 'IPv4' ? IPv4CidrRange.fromCidr(trimmed) : IPv6CidrRange.fromCidr(trimmed);
  const prefix = Number(range.getPrefix().getValue());
  const stated = parseAddressValue(family, trimmed.slice(0, trimmed.lastIndexOf('/')));
  const network = range.getFirst().getValue();
  if (stated !== network) {
    throw new InputError(field, value, `has host bits set; the network is ${makeCidr(family, network, prefix).text}`);
  }
  return makeCidr(family, network, prefix);
}

/**
 * As many /24 networks as fit one mapped /8: far more than any shoot has (Gardener gives one, plus one per family),
 * yet room for the benchmarks' thousands; the bound keeps a mistaken or hostile list (a million entries) from
 * costing minutes of packing and table rendering.
 */
const MAX_NETWORKS_PER_LIST = 65_536;

/** Parses a comma-separated list (Gardener's env format); empty entries are ignored, duplicates dropped. */
export function parseCidrList(value: string, field: string): Cidr[] {
  const seen = new Set<string>();
  const result: Cidr[] = [];
  const parts = value.split(',');
  if (parts.length > MAX_NETWORKS_PER_LIST) {
    throw new InputError(field, value, `has ${parts.length} entries; at most ${MAX_NETWORKS_PER_LIST} are accepted`);
  }
  for (const part of parts) {
    if (part.trim() === '') continue;
    const cidr = parseCidr(part, field);
    if (seen.has(cidr.text)) continue;
    seen.add(cidr.text);
    result.push(cidr);
  }
  return result;
}

export interface Address {
  readonly family: Family;
  readonly value: bigint;
  readonly text: string;
}

export function parseAddress(value: string, field: string): Address {
  const trimmed = value.trim();
  const family = familyOf(trimmed);
  const { Validator } = ipNum();
  const [ok] = family === 'IPv4' ? Validator.isValidIPv4String(trimmed) : Validator.isValidIPv6String(trimmed);
  if (!ok) throw new InputError(field, value, 'is not a valid IP address');
  const parsed = parseAddressValue(family, trimmed);
  return { family, value: parsed, text: formatAddress(family, parsed) };
}

function parseAddressValue(family: Family, text: string): bigint {
  const { IPv4, IPv6 } = ipNum();
  return family === 'IPv4' ? IPv4.fromString(text).getValue() : IPv6.fromString(text).getValue();
}

export function containsAddress(cidr: Cidr, address: Address): boolean {
  return cidr.family === address.family && address.value >= cidr.address && address.value <= lastAddress(cidr);
}

/**
 * Same predicate as Gardener's `Overlap(a, b)`: one network contains the other's network address. Networks of
 * different families never overlap.
 */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  return a.address <= lastAddress(b) && b.address <= lastAddress(a);
}
