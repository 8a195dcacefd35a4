import { type Cidr, overlaps, parseCidr } from '@overlap/cidr';
import { ROUTE_PROTOCOL } from '@overlap/agent-core';
import { inNetns, run } from './exec.ts';

/** One IPv4 route of the main table, with who made it: the agents mark theirs with their own protocol number. */
export interface ListedRoute {
  readonly destination: Cidr;
  readonly device: string;
  readonly byAgent: boolean;
}

interface IpRouteJson {
  dst?: string;
  dev?: string;
  protocol?: string;
}

/** Pure: `ip -j -4 route show table main` as routes ("default" and host routes without a prefix included). */
export function parseRoutes(json: string): ListedRoute[] {
  const parsed = JSON.parse(json.trim() === '' ? '[]' : json) as IpRouteJson[];
  return parsed.flatMap((r) => {
    if (!r.dst || !r.dev) return [];
    const text = r.dst === 'default' ? '0.0.0.0/0' : r.dst.includes('/') ? r.dst : `${r.dst}/32`;
    return [{ destination: parseCidr(text, 'route'), device: r.dev, byAgent: r.protocol === String(ROUTE_PROTOCOL) }];
  });
}

export async function listRoutes(netns: string): Promise<ListedRoute[]> {
  return parseRoutes(await run(inNetns(netns, ['ip', '-j', '-4', 'route', 'show', 'table', 'main'])));
}

/**
 * Pure: agent routes that take traffic away from a route someone else owns through one of `ownerDevices` (the
 * path or tunnel controller's): more specific than it and overlapping, or to the same destination, so the
 * kernel prefers the agent's.
 */
export function shadowingRoutes(routes: readonly ListedRoute[], ownerDevices: readonly string[]): string[] {
  const owners = routes.filter((r) => !r.byAgent && ownerDevices.includes(r.device));
  return routes
    .filter((r) => r.byAgent)
    .flatMap((agent) =>
      owners
        .filter((owner) => overlaps(agent.destination, owner.destination) && agent.destination.prefix >= owner.destination.prefix)
        .map((owner) => `${agent.destination.text} dev ${agent.device} (agent) shadows ${owner.destination.text} dev ${owner.device}`),
    );
}
