import type { Route } from '@overlap/natrules';
import { CommandError, type CommandRunner } from '@overlap/runtime';
import { type KernelRoute, readRouteTable } from './route-check.ts';

/**
 * Routes we install carry this routing protocol number (unassigned in /etc/iproute2/rt_protos), so they can be
 * found and removed again without touching any route someone else made, even one to the same destination.
 */
export const ROUTE_PROTOCOL = 0x4f;

/** A route of ours as the kernel lists it. */
export interface OwnedRoute {
  readonly destination: string;
  readonly device: string;
}

export interface RouteChanges {
  readonly replace: readonly Route[];
  readonly remove: readonly OwnedRoute[];
}

/** Pure: what to change so that our routes are exactly the desired ones. */
export function planRouteChanges(desired: readonly Route[], owned: readonly OwnedRoute[]): RouteChanges {
  const wanted = new Set(desired.map((r) => r.destination.text));
  const present = new Set(owned.map((r) => `${r.destination} ${r.device}`));
  return {
    replace: desired.filter((r) => !present.has(`${r.destination.text} ${r.device}`)),
    // A route whose device changed is replaced in place (same destination), so only vanished destinations go.
    remove: owned.filter((r) => !wanted.has(r.destination)),
  };
}

/** Ours among the routes of the main table: they carry our protocol number. */
export const ownedRoutesIn = (table: readonly KernelRoute[]): OwnedRoute[] =>
  table.flatMap((r) => (isOwned(r) && r.devices.length === 1 ? [{ destination: r.destination.text, device: r.devices[0]! }] : []));

export const isOwned = (route: KernelRoute): boolean => route.protocol === String(ROUTE_PROTOCOL);

export async function readOwnedRoutes(run: CommandRunner): Promise<OwnedRoute[]> {
  return ownedRoutesIn(await readRouteTable(run));
}

/** A route to one of our destinations that someone else made (another routing protocol number). */
export interface ForeignRoute {
  readonly destination: string;
  readonly device: string;
  readonly protocol: string;
}

/** The common routing protocols (iproute2's rt_protos) by number: `ip -N` prints the number. */
const PROTOCOLS: Readonly<Record<string, string>> = { '2': 'kernel', '3': 'boot', '4': 'static', '12': 'bird', '16': 'dhcp' };
const protocolName = (protocol: string | undefined): string => (protocol === undefined ? 'unknown' : (PROTOCOLS[protocol] ?? protocol));

/**
 * Pure: routes of another owner (another protocol) to exactly the given destinations, from the one table read of the
 * sync. `ip route replace` would take them over, so the agent leaves those destinations alone and reports them.
 */
export function foreignRoutesTo(table: readonly KernelRoute[], routes: readonly Route[]): ForeignRoute[] {
  const destinations = new Set(routes.map((r) => r.destination.text));
  return table.flatMap((r) =>
    destinations.has(r.destination.text) && !isOwned(r)
      ? [{ destination: r.destination.text, device: r.devices.join(','), protocol: protocolName(r.protocol) }]
      : [],
  );
}

const proto = ['proto', String(ROUTE_PROTOCOL)];

/** All changes through one `ip -batch` process; it stops at the first failing line and says which. */
export async function applyRouteChanges(run: CommandRunner, changes: RouteChanges): Promise<void> {
  const lines = [
    ...changes.remove.map((r) => ['route', 'del', r.destination, 'dev', r.device, ...proto].join(' ')),
    ...changes.replace.map((r) => ['route', 'replace', r.destination.text, 'dev', r.device, ...proto].join(' ')),
  ];
  if (lines.length > 0) await run(['ip', '-batch', '-'], `${lines.join('\n')}\n`);
}

export type DeviceState = 'up' | 'down' | 'missing';

export async function deviceState(run: CommandRunner, device: string): Promise<DeviceState> {
  try {
    const { stdout } = await run(['ip', '-j', 'link', 'show', 'dev', device]);
    const [link] = JSON.parse(stdout) as Array<{ flags?: string[] }>;
    return link?.flags?.includes('UP') ? 'up' : 'down';
  } catch (error) {
    if (error instanceof CommandError && error.exitCode !== undefined) return 'missing';
    throw error;
  }
}
