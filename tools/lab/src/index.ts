export {
  agentBundle,
  agentLaunchEnv,
  agentMetrics,
  agentMetricsUrl,
  agentUrl,
  agentNetns,
  reconfigure,
  restartAgent,
  startAgent,
  stopAgent,
} from './agents.ts';
export {
  type CaptureSummary,
  type Flow,
  MAPPED_BLOCKS,
  captureOnEach,
  captureWhile,
  devicesThatCarried,
  mergeCaptures,
  summarizeCapture,
  unmappedAddresses,
} from './capture.ts';
export {
  addSecondKubeApiserverAddress,
  announceSecondKubeApiserver,
  failPath,
  restorePath,
  seedRouteDevice,
  shootRouteDevice,
  tunnelName,
} from './data-path.ts';
export { type DaemonLaunch, isRunning, startDaemon, stopDaemon } from './daemons.ts';
export { attempt, curlIn, inNetns, run } from './exec.ts';
export { holdXtablesLock, legacyIptablesDir, legacyIptablesPath, processesIn, writeLegacyIptables, xtablesLock } from './faults.ts';
export { FAILOVER_LOOP, type Failover, type FailoverOptions, type TimedAnswer, recoveryTime, requestsAcrossPathFailure, waitForAllPaths } from './failover.ts';
export { type Progress, type Removed, down, existingNamespaces, openLab, up, withLab } from './lab.ts';
export type { Lab } from './launch.ts';
export { AGENT_PROJECTS, assertRoot, buildAgents, ensureDebianPackages } from './prerequisites.ts';
export { type Counter, type ScrapeTarget, bothAgentsScraped, natCounters, prometheusQuery, scrapeTargets } from './prometheus.ts';
export {
  ANNOUNCE_PORT,
  type LabPath,
  MAX_DEVICE_NAME,
  PATH_PERIOD_SECONDS,
  announcedAddress,
  choosePath,
  labPath,
  labPaths,
  routedNetworks,
  shootDeviceFor,
} from './paths.ts';
export { type LabPki, PROXY_HOST, issueLabPki, labPki, labPkiDir, pkiFiles } from './pki.ts';
export {
  type Answer,
  type CarriedAnswer,
  type ClientCertificate,
  type Proof,
  controlPlanePath,
  gatherProof,
  proofHolds,
  proxyArgs,
  request,
  tunnelAddress,
} from './proof.ts';
export { agentEnv, openvpnArgs, pathControllerEnv, prometheusConfig, stunnelConfig, tinyproxyConfig } from './render.ts';
export { type ListedRoute, listRoutes, parseRoutes, shadowingRoutes } from './route-list.ts';
export { formatProof, table } from './report.ts';
export { REPO_ROOT } from './repo.ts';
export {
  ENVOY_GID,
  INTERACTIVE_LAB,
  type LabOptions,
  type LabSpec,
  PORTS,
  type Role,
  SHOOT_NAMESPACE,
  type ShootIPv6,
  TUNNEL_DEVICE,
  type Target,
  hostAddress,
  labSpec,
  namespaceList,
  throwawayLab,
} from './spec.ts';
export { type DaemonRecord, type LabState, readState } from './state.ts';
export { NODE_LINK_LOCAL, SERVICE_CHAIN, ipv6Commands, topologyCommands, untranslatedRouteCommands } from './topology.ts';
export { VPN_SHOOT_POD, type WebhookContainer, containerEnv, labOverrides, labVpnShoot, webhookAgentEnv, webhookShootAgent } from './vpn-shoot.ts';
export {
  type DiscoveredPort,
  KUBE_APISERVER_POD_LABELS,
  SEED_AGENT_PORT_NAME,
  discoveredPorts,
  discoveryLabels,
  monitoringJobs,
  podMonitorJobs,
  relabelConfig,
  scrapeConfigJob,
} from './monitoring.ts';
