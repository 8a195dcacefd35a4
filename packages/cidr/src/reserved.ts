import { InputError } from '@overlap/runtime';
import { type Cidr, lastAddress, makeCidr, parseCidr } from './cidr.ts';

/** The kinds of network that get translated, named as across the whole project. */
export type Kind = 'pods' | 'services' | 'nodes' | 'seedPods';
export const KINDS: readonly Kind[] = ['pods', 'services', 'nodes', 'seedPods'];

/**
 * An IPv6 constant from its value (its text, as in the tests, follows): parsing IPv6 text loads ip-num, which
 * every start would pay for although canonical IPv4 input never needs it.
 */
const ipv6 = (address: bigint, prefix: number): Cidr => makeCidr('IPv6', address, prefix);

/** Where each kind is mapped to, as Gardener reserves them. */
export const MAPPED_RANGE: Readonly<Record<Kind, Cidr>> = {
  seedPods: parseCidr('241.0.0.0/8', 'seedPods'),
  nodes: parseCidr('242.0.0.0/8', 'nodes'),
  services: parseCidr('243.0.0.0/8', 'services'),
  pods: parseCidr('244.0.0.0/8', 'pods'),
};

/**
 * Networks nobody may use: all of 240.0.0.0/4 (Gardener blocks only 240–244/8; refusing the whole class-E block
 * is simpler and leaves room for more mapped kinds), and Gardener's IPv6 VPN transport range.
 */
export const RESERVED_RANGES: readonly Cidr[] = [parseCidr('240.0.0.0/4', 'reserved'), ipv6(0xfd8f_6d53_b97a_0001n << 64n, 96)];

/**
 * Ranges no pod, service or node network can be: packets to them never leave a host (loopback, "this network"),
 * are not forwarded (link-local) or are not unicast (multicast). A route or NAT rule for them would break the
 * pod it runs in, so they are refused like the reserved ranges.
 */
export const UNROUTABLE_RANGES: ReadonlyArray<{ readonly range: Cidr; readonly what: string }> = [
  { range: parseCidr('0.0.0.0/8', 'unroutable'), what: '"this network"' },
  { range: parseCidr('127.0.0.0/8', 'unroutable'), what: 'loopback' },
  { range: parseCidr('169.254.0.0/16', 'unroutable'), what: 'link-local' },
  { range: parseCidr('224.0.0.0/4', 'unroutable'), what: 'multicast' },
  { range: ipv6(1n, 128), what: 'loopback' },
  { range: ipv6(0xfe80n << 112n, 10), what: 'link-local' },
  { range: ipv6(0xff00n << 112n, 8), what: 'multicast' },
];

/** The first and last address of every range refused, computed once: every network of a shoot is checked against them. */
const REFUSED = [
  ...RESERVED_RANGES.map((range) => ({ range, last: lastAddress(range), problem: `intersects the reserved range ${range.text}` })),
  ...UNROUTABLE_RANGES.map(({ range, what }) => ({ range, last: lastAddress(range), problem: `intersects the ${what} range ${range.text}` })),
];

export function assertNotReserved(cidr: Cidr, field: string): void {
  const last = lastAddress(cidr);
  // overlaps(), with both last addresses known: a shoot's 10 000 networks are checked against 9 ranges each.
  const hit = REFUSED.find(({ range, last: rangeLast }) => range.family === cidr.family && cidr.address <= rangeLast && range.address <= last);
  if (hit) throw new InputError(field, cidr.text, hit.problem);
}
