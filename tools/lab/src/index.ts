export { type CaptureSummary, type Flow, MAPPED_BLOCKS, captureWhile, summarizeCapture, unmappedAddresses } from './capture.ts';
export { type DaemonLaunch, isRunning, startDaemon, stopDaemon } from './daemons.ts';
export { CommandError, attempt, inNetns, run, waitFor } from './exec.ts';
export {
  type Lab,
  REPO_ROOT,
  agentBundle,
  agentMetrics,
  agentNetns,
  curlIn,
  down,
  existingNamespaces,
  openLab,
  prometheusQuery,
  reconfigure,
  restartAgent,
  startAgent,
  stopAgent,
  up,
} from './lab.ts';
export { type Sample, hasMetric, metricValue, parseMetrics } from './metrics-text.ts';
export { AGENT_PROJECTS, assertRoot, buildAgents, ensureDebianPackages } from './prerequisites.ts';
export { type Answer, type Counter, type Proof, bothAgentsScraped, controlPlanePath, gatherProof, natCounters, proofHolds, request } from './proof.ts';
export { agentEnv, openvpnArgs, prometheusConfig, tinyproxyConfig } from './render.ts';
export { formatProof, table } from './report.ts';
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
