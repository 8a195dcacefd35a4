export { runAgent } from './agent.ts';
export { readLive } from './backend.ts';
export { BACKEND_CHOICES, parseAgentConfig, parseCleanupConfig } from './config.ts';
export { TranslationCounterTracker } from './counters.ts';
export { PeriodicRunner } from './loop.ts';
export { type AgentMetrics, createAgentMetrics, setMappings } from './metrics.ts';
export { type AgentPlan, mappingsPerKind, planAgent } from './plan.ts';
export { ROUTE_PROTOCOL, ownedRoutesIn, planRouteChanges } from './routes.ts';
export {
  type KernelRoute,
  type Nexthop,
  checkDependencies,
  checkDependency,
  describeMissingRoutes,
  parseNexthopTable,
  parseRouteTable,
  readRouteTable,
  resolveNexthops,
} from './route-check.ts';
export { type SyncContext, type Syncer, createSyncer, describeDiff } from './sync.ts';
export { teardownRoutes, teardownRules } from './teardown.ts';
export { timingFor } from './timing.ts';
export type { Inspection } from './inspect.ts';
export type { ProbeResult } from './probe.ts';
