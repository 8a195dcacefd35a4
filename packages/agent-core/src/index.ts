export { EXIT_BAD_CONFIG, EXIT_FAILURE, EXIT_OK, runAgent } from './agent.ts';
export { BACKENDS, DEFAULT_LOCK_WAIT_SECONDS, applyCommand, applyScript, backendWorks, readLive, resolveBackend } from './backend.ts';
export {
  type AgentConfig,
  type BackendChoice,
  type CleanupConfig,
  BACKEND_CHOICES,
  ROLE_DEFAULTS,
  parseAgentConfig,
  parseCleanupConfig,
} from './config.ts';
export { type TranslationIncrement, type TranslationLabels, TranslationCounterTracker } from './counters.ts';
export { PeriodicRunner } from './loop.ts';
export { type AgentInfo, type AgentMetrics, addTranslations, createAgentMetrics, setMappings } from './metrics.ts';
export { type AgentPlan, mappingsPerKind, planAgent } from './plan.ts';
export {
  type DeviceState,
  type ForeignRoute,
  type OwnedRoute,
  type RouteChanges,
  ROUTE_PROTOCOL,
  applyRouteChanges,
  deviceState,
  isOwned,
  ownedRoutesIn,
  foreignRoutesTo,
  planRouteChanges,
  readOwnedRoutes,
} from './routes.ts';
export {
  type DependencyCheck,
  type KernelRoute,
  NEXTHOP_TABLE_COMMAND,
  type Nexthop,
  ROUTE_TABLE_COMMAND,
  checkDependencies,
  checkDependency,
  describeMissingRoutes,
  parseNexthopTable,
  parseRouteTable,
  readRouteTable,
  resolveNexthops,
} from './route-check.ts';
export { type SyncContext, type SyncStatus, type Syncer, SyncError, createSyncer, describeDiff } from './sync.ts';
export { type TeardownResult, teardownRoutes, teardownRules } from './teardown.ts';
export { type Timing, timingFor } from './timing.ts';
export { VERSION } from './version.ts';
/** Re-exported: the agents' defaults for OVERLAP_TUNNEL_DEVICE live with the rules that use them. */
export { TUNNEL_DEVICE_DEFAULTS } from '@overlap/natrules';
export { type Inspection, type RuleReport, formatInspection, inspect } from './inspect.ts';
export { type ProbeResult, type ProbeTls, probeThroughProxy } from './probe.ts';
