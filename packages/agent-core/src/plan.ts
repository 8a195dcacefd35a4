import { KINDS, type Kind, type Mapping, type OverlapDecision, decideOverlap, planMappings } from '@overlap/cidr';
import {
  type NatParams,
  type Route,
  type RouteDependency,
  type RuleSet,
  desiredRoutes,
  desiredRules,
  natRequired,
  routeDependencies,
} from '@overlap/natrules';
import type { AgentConfig } from './config.ts';

/** What one agent wants in its network namespace, computed once from its configuration. */
export interface AgentPlan {
  readonly decision: OverlapDecision;
  /** This side must translate (the decision for this role). */
  readonly natExpected: boolean;
  /** Empty when no translation is expected. */
  readonly mappings: readonly Mapping[];
  readonly desired: RuleSet;
  /** Point-to-point mode only: the routes the agent installs. */
  readonly routes: readonly Route[];
  /** HA mode only: the routes Gardener's controllers own and this side's traffic needs; checked, never installed. */
  readonly routeDependencies: readonly RouteDependency[];
}

/**
 * Mappings are only planned when this side translates: an HA shoot without overlap must not be refused for
 * networks that would not pack into the reserved ranges, since nothing is translated for it.
 */
export function planAgent(config: AgentConfig): AgentPlan {
  const decision = decideOverlap(config.networks);
  const natExpected = natRequired(config.role, { ha: config.ha, overlap: decision.overlap });
  const mappings = natExpected ? planMappings(config.networks) : [];
  const params: NatParams = {
    role: config.role,
    mappings,
    tunnelDevice: config.tunnelDevice,
    egressDevice: config.egressDevice,
    envoyGid: config.envoyGid,
  };
  // In HA the path controller (seed) and the tunnel controller (shoot) own the routes; a route of ours would
  // shadow theirs, so the agent only checks them.
  return {
    decision,
    natExpected,
    mappings,
    desired: desiredRules(params),
    routes: config.ha ? [] : desiredRoutes(params),
    routeDependencies: config.ha ? routeDependencies(params) : [],
  };
}

export function mappingsPerKind(mappings: readonly Mapping[]): Record<Kind, number> {
  const counts = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
  for (const m of mappings) counts[m.kind] += 1;
  return counts;
}
