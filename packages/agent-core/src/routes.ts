import type { Route } from '@overlap/natrules';
import { CommandError, type CommandRunner } from './command.ts';

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

interface IpRouteJson {
  dst?: string;
  dev?: string;
}

/** `ip -j route` prints a host route without its /32. */
const withPrefix = (dst: string): string => (dst.includes('/') ? dst : `${dst}/32`);

export async function readOwnedRoutes(run: CommandRunner): Promise<OwnedRoute[]> {
  const { stdout } = await run(['ip', '-j', '-4', 'route', 'show', 'table', 'main', 'proto', String(ROUTE_PROTOCOL)]);
  const parsed = JSON.parse(stdout.trim() === '' ? '[]' : stdout) as IpRouteJson[];
  return parsed.flatMap((r) => (r.dst && r.dev ? [{ destination: withPrefix(r.dst), device: r.dev }] : []));
}

/** A route to one of our destinations that someone else made (another routing protocol number). */
export interface ForeignRoute {
  readonly destination: string;
  readonly device: string;
  readonly protocol: string;
}

interface IpRouteWithProtocol extends IpRouteJson {
  protocol?: string;
}

/**
 * Routes of another owner to exactly the given destinations. `ip route replace` would take them over, so the
 * agent leaves those destinations alone and reports them instead.
 */
export async function foreignRoutesTo(run: CommandRunner, routes: readonly Route[]): Promise<ForeignRoute[]> {
  const found: ForeignRoute[] = [];
  for (const route of routes) {
    const { stdout } = await run(['ip', '-j', '-4', 'route', 'show', 'table', 'main', 'exact', route.destination.text]);
    const parsed = JSON.parse(stdout.trim() === '' ? '[]' : stdout) as IpRouteWithProtocol[];
    for (const r of parsed) {
      if (r.protocol !== String(ROUTE_PROTOCOL)) {
        found.push({ destination: route.destination.text, device: r.dev ?? '', protocol: r.protocol ?? 'unknown' });
      }
    }
  }
  return found;
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
