export { agentBundle, agentMetrics, agentNetns, reconfigure, restartAgent, startAgent, stopAgent } from './agents.ts';
export { type CaptureSummary, type Flow, MAPPED_BLOCKS, captureWhile, summarizeCapture, unmappedAddresses } from './capture.ts';
export { type DaemonLaunch, isRunning, startDaemon, stopDaemon } from './daemons.ts';
export { CommandError, attempt, curlIn, inNetns, run, waitFor } from './exec.ts';
export { type Progress, type Removed, down, existingNamespaces, openLab, up } from './lab.ts';
export type { Lab } from './launch.ts';
export { type Sample, metricValue, parseMetrics } from './metrics-text.ts';
export { AGENT_PROJECTS, assertRoot, buildAgents, ensureDebianPackages } from './prerequisites.ts';
export { type Counter, type ScrapeTarget, bothAgentsScraped, natCounters, prometheusQuery, scrapeTargets } from './prometheus.ts';
export { type Answer, type Proof, controlPlanePath, gatherProof, proofHolds, request } from './proof.ts';
export { agentEnv, openvpnArgs, prometheusConfig, tinyproxyConfig } from './render.ts';
export { formatProof, table } from './report.ts';
export { REPO_ROOT } from './repo.ts';
export {
  ENVOY_GID,
  INTERACTIVE_LAB,
  type LabOptions,
  type LabSpec,
  PORTS,
  type Role,
  TUNNEL_DEVICE,
  type Target,
  hostAddress,
  labSpec,
  namespaceList,
  throwawayLab,
} from './spec.ts';
export { type DaemonRecord, type LabState, readState } from './state.ts';
export { SERVICE_CHAIN, topologyCommands, untranslatedRouteCommands } from './topology.ts';
