import { type Cidr, parseCidr } from '@overlap/cidr';
import { type RouteDependency, deviceMatches } from '@overlap/natrules';
import type { CommandRunner } from '@overlap/runtime';

/**
 * HA mode: the routes this side's traffic needs belong to Gardener's controllers (vpn2's path controller in the
 * kube-apiserver pod, its tunnel controller in vpn-shoot). The agent never installs them; it reads the main
 * table once per sync and says which one is missing or wrong, so a broken path is visible instead of silent.
 */

/** One IPv4 route of the main table as `ip -N -j -4 route show table main` lists it. */
export interface KernelRoute {
  readonly destination: Cidr;
  /** `unicast` unless `ip` says otherwise (blackhole, unreachable, prohibit, throw…), by name. */
  readonly type: string;
  /** The device, or each nexthop's device of a multipath route. */
  readonly devices: readonly string[];
  /** Numeric (`-N`), so our own number reads the same on every host. */
  readonly protocol: string | undefined;
  /** The nexthop object (`nhid`) the route forwards through, as newer vpn2 path controllers route. */
  readonly nexthopId?: number;
}

export interface DependencyCheck {
  readonly dependency: RouteDependency;
  /** Absent when the route is in place. */
  readonly problem?: string;
}

interface IpRouteJson {
  type?: string;
  dst?: string;
  dev?: string;
  protocol?: string;
  nexthops?: Array<{ dev?: string }>;
  nhid?: number;
}

/** The kernel's route types (RTN_*) by number: with `-N`, `ip` prints the type as one too. */
const ROUTE_TYPES = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];

const typeName = (type: string | undefined): string =>
  type === undefined ? 'unicast' : /^\d+$/.test(type) ? (ROUTE_TYPES[Number(type)] ?? `type ${type}`) : type;

/** `ip -j route` prints a host route without its /32 and the default route as `default`. */
function destinationOf(dst: string): Cidr {
  if (dst === 'default') return parseCidr('0.0.0.0/0', 'dst');
  return parseCidr(dst.includes('/') ? dst : `${dst}/32`, 'dst');
}

/** `ip -j` lists print a JSON array, or nothing at all when the list is empty. */
function jsonList<T>(stdout: string, command: string): T[] {
  const parsed: unknown = JSON.parse(stdout.trim() === '' ? '[]' : stdout);
  if (!Array.isArray(parsed)) throw new Error(`${command}: expected a JSON array`);
  return parsed as T[];
}

/** Pure: the routes of one `ip -N -j -4 route show table main` output; throws on output that is not that. */
export function parseRouteTable(stdout: string): KernelRoute[] {
  return jsonList<IpRouteJson>(stdout, 'ip -j route').flatMap((r) => {
    if (typeof r.dst !== 'string') return [];
    const devices = r.dev !== undefined ? [r.dev] : (r.nexthops ?? []).flatMap((n) => (n.dev === undefined ? [] : [n.dev]));
    const route: KernelRoute = { destination: destinationOf(r.dst), type: typeName(r.type), devices, protocol: r.protocol };
    return [typeof r.nhid === 'number' ? { ...route, nexthopId: r.nhid } : route];
  });
}

/**
 * One nexthop object as `ip -j nexthop show` lists it: a device nexthop, a blackhole, or a group of other
 * nexthops (vpn2 0c5168f and later: a resilient group of one device nexthop per `bond0-ip6tnl<i>`).
 */
export type Nexthop =
  | { readonly kind: 'device'; readonly device: string }
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'group'; readonly members: readonly number[] }
  /** Anything else (an fdb nexthop has no device): never counts as through a tunnel device. */
  | { readonly kind: 'other' };

interface IpNexthopJson {
  id?: number;
  dev?: string;
  blackhole?: unknown;
  group?: Array<{ id?: number }>;
}

/** Pure: the nexthop objects of one `ip -N -j nexthop show` output by id; throws on output that is not that. */
export function parseNexthopTable(stdout: string): Map<number, Nexthop> {
  const table = new Map<number, Nexthop>();
  for (const n of jsonList<IpNexthopJson>(stdout, 'ip -j nexthop')) {
    if (typeof n.id !== 'number') continue;
    const nexthop: Nexthop = Array.isArray(n.group)
      ? { kind: 'group', members: n.group.flatMap((m) => (typeof m.id === 'number' ? [m.id] : [])) }
      : 'blackhole' in n
        ? { kind: 'blackhole' }
        : typeof n.dev === 'string'
          ? { kind: 'device', device: n.dev }
          : { kind: 'other' };
    table.set(n.id, nexthop);
  }
  return table;
}

/**
 * Pure: the routes with their `nhid` resolved through the nexthop table, which is authoritative — with
 * `net.ipv4.nexthop_compat_mode=0` the route listing holds only the id, with 1 it repeats the devices. A group
 * forwards each flow to one of its members (by hash; a resilient group by bucket), so its devices are all its
 * members' devices, whatever their weight: vpn2 marks a failed path by weight (1 against 1024) and keeps it in the
 * group, and a member elsewhere would still receive flows while it holds buckets. A group holding a blackhole is a
 * blackhole (the kernel allows one only as a group's single member). A nexthop missing from the table (changed
 * between the two reads) leaves no device, so the route is judged wrong until the next sync.
 */
export function resolveNexthops(routes: readonly KernelRoute[], nexthops: ReadonlyMap<number, Nexthop>): KernelRoute[] {
  return routes.map((route) => {
    if (route.nexthopId === undefined) return route;
    const top = nexthops.get(route.nexthopId);
    const members = top?.kind === 'group' ? top.members.map((id) => nexthops.get(id)) : [top];
    if (members.some((m) => m?.kind === 'blackhole')) return { ...route, type: 'blackhole', devices: [] };
    const devices = members.flatMap((m) => (m?.kind === 'device' ? [m.device] : []));
    return { ...route, devices: devices.length === members.length ? devices : [] };
  });
}

const ROUTE_TABLE_COMMAND = ['ip', '-N', '-j', '-4', 'route', 'show', 'table', 'main'] as const;
const NEXTHOP_TABLE_COMMAND = ['ip', '-N', '-j', 'nexthop', 'show'] as const;

/**
 * One read of the main table, and one of the nexthop objects only when some route forwards through one. A caller
 * that found such routes last time says so (`nexthopsExpected`), and both reads run side by side instead of one
 * after the other.
 */
export async function readRouteTable(run: CommandRunner, { nexthopsExpected = false } = {}): Promise<KernelRoute[]> {
  const early = nexthopsExpected ? run([...NEXTHOP_TABLE_COMMAND]) : undefined;
  // Its failure is reported where it is awaited; if the route read fails first, nobody awaits it.
  early?.catch(() => undefined);
  const routes = parseRouteTable((await run([...ROUTE_TABLE_COMMAND])).stdout);
  if (!routes.some((r) => r.nexthopId !== undefined)) return routes;
  return resolveNexthops(routes, parseNexthopTable((await (early ?? run([...NEXTHOP_TABLE_COMMAND]))).stdout));
}

/** An IPv4 block as bits; the check splits blocks in halves, which need no text. */
interface Block {
  readonly address: bigint;
  readonly prefix: number;
}

const contains = (outer: Block, inner: Block): boolean => {
  if (outer.prefix > inner.prefix) return false;
  const shift = BigInt(32 - outer.prefix);
  return outer.address >> shift === inner.address >> shift;
};

const overlap = (a: Block, b: Block): boolean => contains(a, b) || contains(b, a);

const halves = ({ address, prefix }: Block): [Block, Block] => [
  { address, prefix: prefix + 1 },
  { address: address | (1n << BigInt(31 - prefix)), prefix: prefix + 1 },
];

const describeRoute = (r: KernelRoute): string => {
  const via = r.nexthopId === undefined ? '' : ` nhid ${r.nexthopId}`;
  return r.type !== 'unicast' ? `${r.type} ${r.destination.text}${via}` : `${r.destination.text}${via} dev ${r.devices.join(',') || '?'}`;
};

/** Unicast and every device (each nexthop of a multipath route or member of a nexthop group) matched by the pattern. */
const through = (route: KernelRoute, pattern: string): boolean =>
  route.type === 'unicast' && route.devices.length > 0 && route.devices.every((d) => deviceMatches(pattern, d));

const longest = (routes: readonly KernelRoute[]): KernelRoute | undefined =>
  routes.reduce<KernelRoute | undefined>((best, r) => (best === undefined || r.destination.prefix > best.destination.prefix ? r : best), undefined);

/**
 * Longest-prefix match over the whole block without visiting each address: a part of the block with no route
 * starting inside it takes the route it inherits; only parts holding more specific routes are split further.
 * Collects the routes that win somewhere without going through the pattern, and whether some part has no route.
 */
function misrouted(
  block: Block,
  inherited: KernelRoute | undefined,
  routes: readonly KernelRoute[],
  pattern: string,
  found: { routes: Set<KernelRoute>; unrouted: boolean },
): void {
  // Several routes to one destination (other metric or tos): any of them may win, so each must be right.
  const exact = routes.filter((r) => r.destination.prefix === block.prefix && contains(r.destination, block));
  const wrongExact = exact.find((r) => !through(r, pattern));
  const best = wrongExact ?? exact[0] ?? inherited;
  const inside = routes.filter((r) => r.destination.prefix > block.prefix && contains(block, r.destination));
  if (inside.length === 0 || block.prefix === 32) {
    if (best === undefined) found.unrouted = true;
    else if (!through(best, pattern)) found.routes.add(best);
    return;
  }
  for (const half of halves(block)) misrouted(half, best, inside, pattern, found);
}

/**
 * Pure. `whole`: every address of the block is routed (longest prefix match) through a device the pattern
 * matches; a more specific route elsewhere inside it (as the agents' own `244.0.0.0/16 dev bond0` was before HA
 * mode) or a wider one that wins (a default route) is named. `some`: at least one route overlapping the block
 * goes through such a device.
 */
export function checkDependency(dependency: RouteDependency, routes: readonly KernelRoute[]): DependencyCheck {
  const { destination: block, devicePattern: pattern } = dependency;
  if (dependency.coverage === 'some') {
    if (routes.some((r) => overlap(r.destination, block) && through(r, pattern))) return { dependency };
    return { dependency, problem: 'no route into it' };
  }
  const wider = longest(routes.filter((r) => r.destination.prefix < block.prefix && contains(r.destination, block)));
  const found = { routes: new Set<KernelRoute>(), unrouted: false };
  misrouted(block, wider, routes, pattern, found);
  const problems = [
    ...[...found.routes].map((r) => (contains(r.destination, block) ? `routed by ${describeRoute(r)}` : `part of it taken by ${describeRoute(r)}`)),
    ...(found.unrouted ? [found.routes.size === 0 && !routes.some((r) => overlap(r.destination, block)) ? 'no route' : 'part of it has no route'] : []),
  ];
  return problems.length === 0 ? { dependency } : { dependency, problem: problems.join(', ') };
}

export const checkDependencies = (dependencies: readonly RouteDependency[], routes: readonly KernelRoute[]): DependencyCheck[] =>
  dependencies.map((d) => checkDependency(d, routes));

/** One line for /readyz and the log, naming each missing destination, its kind, the pattern and the route's owner. */
export function describeMissingRoutes(checks: readonly DependencyCheck[]): string | undefined {
  const missing = checks.filter((c) => c.problem !== undefined);
  if (missing.length === 0) return undefined;
  const parts = missing.map(({ dependency: d, problem }) => {
    const want = d.coverage === 'whole' ? 'routed through' : 'with a route back through';
    return `${d.destination.text} (${d.kind}) not ${want} ${d.devicePattern}: ${problem}`;
  });
  const owners = [...new Set(missing.map((c) => c.dependency.owner))].join(', ');
  return `route missing (owned by ${owners}): ${parts.join('; ')}`;
}
