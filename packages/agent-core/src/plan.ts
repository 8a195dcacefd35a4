import { KINDS, type Kind, type Mapping, type OverlapDecision, decideOverlap, planMappings } from '@overlap/cidr';
import { type NatParams, type Route, type RuleSet, desiredRoutes, desiredRules, natRequired } from '@overlap/natrules';
import type { AgentConfig } from './config.ts';

/** What one agent wants in its network namespace, computed once from its configuration. */
export interface AgentPlan {
  readonly decision: OverlapDecision;
  /** This side must translate (the decision for this role). */
  readonly natExpected: boolean;
  /** Empty when no translation is expected. */
  readonly mappings: readonly Mapping[];
  readonly desired: RuleSet;
  readonly routes: readonly Route[];
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
  return { decision, natExpected, mappings, desired: desiredRules(params), routes: desiredRoutes(params) };
}

export function mappingsPerKind(mappings: readonly Mapping[]): Record<Kind, number> {
  const counts = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<Kind, number>;
  for (const m of mappings) counts[m.kind] += 1;
  return counts;
}
