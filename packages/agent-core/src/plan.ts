import { KINDS, type Kind, type Mapping, type OverlapDecision, decideOverlap, tryPlanMappings } from '@overlap/cidr';
import {
  type NatParams,
  type Route,
  type RouteDependency,
  type RuleSet,
  desiredIPv6Rules,
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
  /** Empty when no translation is expected, or when it is but the networks cannot be translated. */
  readonly mappings: readonly Mapping[];
  /**
   * Why this side should translate but cannot (one line naming the variable and value), e.g. an IPv6 shoot network
   * inside the seed pod network or IPv4 networks that do not fit their block. The agent then installs nothing,
   * says so in its log, /readyz and metrics, and keeps serving: Gardener accepts such shoots.
   */
  readonly problem: string | undefined;
  /** The IPv4 rule set: every translation, and the shoot side's MSS clamp when the shoot has IPv4. */
  readonly desired: RuleSet;
  /** The IPv6 rule set: only the shoot side's MSS clamp, when the shoot has IPv6 (nothing is translated in IPv6). */
  readonly desiredIPv6: RuleSet;
  /** Point-to-point mode only: the routes the agent installs. */
  readonly routes: readonly Route[];
  /** HA mode only: the routes Gardener's controllers own and this side's traffic needs; checked, never installed. */
  readonly routeDependencies: readonly RouteDependency[];
}

/**
 * Mappings are only planned when this side translates: an HA shoot without overlap must not be refused for
 * networks that would not pack into the reserved ranges, since nothing is translated for it. Networks that cannot
 * be translated make a plan with nothing in it and the problem, never an exception.
 */
export function planAgent(config: AgentConfig): AgentPlan {
  const decision = decideOverlap(config.networks);
  const natExpected = natRequired(config.role, { ha: config.ha, overlap: decision.overlap });
  const planned = natExpected ? tryPlanMappings(config.networks) : undefined;
  const mappings = planned?.translatable ? planned.mappings : [];
  const problem = planned && !planned.translatable ? planned.problem.message : undefined;
  const params: NatParams = {
    role: config.role,
    mappings,
    tunnelDevice: config.tunnelDevice,
    egressDevice: config.egressDevice,
    envoyGid: config.envoyGid,
    families: config.ipFamilies,
  };
  // In HA the path controller (seed) and the tunnel controller (shoot) own the routes; a route of ours would
  // shadow theirs, so the agent only checks them.
  return {
    decision,
    natExpected,
    mappings,
    problem,
    desired: desiredRules(params),
    desiredIPv6: desiredIPv6Rules(params),
    routes: config.ha ? [] : desiredRoutes(params),
    routeDependencies: config.ha ? routeDependencies(params) : [],
  };
}

export function mappingsPerKind(mappings: readonly Mapping[]): Record<Kind, number> {
  const counts = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
  for (const m of mappings) counts[m.kind] += 1;
  return counts;
}
