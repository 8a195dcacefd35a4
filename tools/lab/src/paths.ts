import { type Cidr, type Networks, MAPPED_RANGE, decideOverlap, mapSeedPods, parseAddress, translate } from '@overlap/cidr';
import { InputError } from '@overlap/runtime';

/**
 * The HA data path as vpn2 builds it, in the lab's terms. In Gardener the kube-apiserver pod reaches each shoot
 * client over an ip6tnl device `bond0-ip6tnl<i>` on top of the bonded IPv6 transfer network, and each vpn-shoot
 * receives on `bond0ip6tnl<last two bytes of the sender, hex>`. The lab runs one OpenVPN point-to-point tunnel per
 * path under exactly those names, with IPv6-only transfer addresses, so IPv4 is carried the same way (no IPv4
 * address on the device: the pod's own address is the source, as over ip6tnl).
 */
export interface LabPath {
  readonly index: number;
  /** The seed end, in the kube-apiserver pod: what the path controller routes through. */
  readonly seedDevice: string;
  /** The shoot end, in vpn-shoot: named after the seed end's address, as vpn2's tunnel controller names it. */
  readonly shootDevice: string;
  /** IPv6 transfer addresses of the two ends: the seed end sends the announcements, the shoot end is probed. */
  readonly seedAddress: string;
  readonly shootAddress: string;
  readonly transferPrefix: number;
  /** The OpenVPN port of this path on the underlay. */
  readonly port: number;
}

/** The agents' device pattern in HA (iptables spelling; the nft backend renders it `bond0*`). */
export const HA_DEVICE_PATTERN = 'bond0+';
/** vpn2's `HA_VPN_CLIENTS` default: two shoot clients, so two paths. */
export const DEFAULT_PATHS = 2;
/** The UDP port vpn2's tunnel controller listens on for the kube-apiserver's announcements. */
export const ANNOUNCE_PORT = 5400;
/** vpn2's `PathControllerUpdateInterval`. */
export const PATH_PERIOD_SECONDS = 2;

const SEED_DEVICE_PREFIX = 'bond0-ip6tnl';
const SHOOT_DEVICE_PREFIX = 'bond0ip6tnl';
/** Linux interface names hold at most 15 characters (IFNAMSIZ 16 with the terminating NUL). */
export const MAX_DEVICE_NAME = 15;

/** The receiving device's name on the shoot side for a sender, as vpn2's tunnel controller derives it. */
export function shootDeviceFor(sender: string): string {
  const address = parseAddress(sender, 'announcement sender');
  if (address.family !== 'IPv6') throw new InputError('announcement sender', sender, 'must be an IPv6 transfer address');
  return `${SHOOT_DEVICE_PREFIX}${(address.value & 0xffffn).toString(16).padStart(4, '0')}`;
}

/**
 * Path i: its own /112 in vpn2's transfer network fd8f:6d53:b97a::/48 (one per path, so the two devices never
 * claim the same on-link prefix), the seed end at ::c<i>, the shoot end at ::b<i>.
 */
function labPath(index: number, basePort: number): LabPath {
  if (!Number.isInteger(index) || index < 0 || index > 15) throw new InputError('path index', String(index), 'must be 0–15');
  const net = `fd8f:6d53:b97a:${(0x10 + index).toString(16)}::`;
  const seedAddress = `${net}c${index.toString(16)}`;
  return {
    index,
    seedDevice: `${SEED_DEVICE_PREFIX}${index}`,
    shootDevice: shootDeviceFor(seedAddress),
    seedAddress,
    shootAddress: `${net}b${index.toString(16)}`,
    transferPrefix: 112,
    port: basePort + index,
  };
}

export const labPaths = (count: number, basePort: number): LabPath[] => Array.from({ length: count }, (_, i) => labPath(i, basePort));

/**
 * What the path controller routes through the active path: with an overlap the mapped /8 blocks of the shoot's
 * kinds (the blocks, not the packed networks, exactly as vpn2 does), otherwise the real IPv4 shoot networks.
 */
export function routedNetworks(networks: Networks): Cidr[] {
  if (decideOverlap(networks).overlap) return [MAPPED_RANGE.nodes, MAPPED_RANGE.services, MAPPED_RANGE.pods];
  return [...networks.pods, ...networks.services, ...networks.nodes].filter((cidr) => cidr.family === 'IPv4');
}

/** The pod IP the path controller announces: already mapped into 241/8 when there is an overlap (NETMAP semantics). */
export function announcedAddress(networks: Networks, podIp: string): string {
  const address = parseAddress(podIp, 'POD_IP');
  const seedPods = networks.seedPods;
  if (!decideOverlap(networks).overlap || !seedPods || address.family !== 'IPv4') return address.text;
  return translate([mapSeedPods(seedPods, 'SEED_POD_NETWORK')], address).text;
}

/**
 * vpn2's switching rule: keep the current path while it answers; when it does not, take another that does. The lab
 * takes the lowest index (vpn2 takes any, in Go map order) so runs are repeatable. Undefined when none answers:
 * the routes stay where they are.
 */
export function choosePath(current: number | undefined, good: ReadonlySet<number>): number | undefined {
  if (current !== undefined && good.has(current)) return current;
  return [...good].sort((a, b) => a - b)[0];
}
