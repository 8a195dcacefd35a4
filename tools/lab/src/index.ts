export { agentLaunchEnv, agentMetrics, agentUrl, reconfigure, restartAgent, startAgent, stopAgent } from './agents.ts';
export {
  type CaptureSummary,
  type Flow,
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
} from './data-path.ts';
export { isRunning, startDaemon, stopDaemon } from './daemons.ts';
export { attempt, inNetns, run } from './exec.ts';
export { holdXtablesLock, processesIn } from './faults.ts';
export { type TimedAnswer, recoveryTime, requestsAcrossPathFailure, waitForAllPaths } from './failover.ts';
export { down, existingNamespaces, up, withLab } from './lab.ts';
export type { Lab } from './launch.ts';
export { assertRoot, buildAgents } from './prerequisites.ts';
export { bothAgentsScraped, natCounters, prometheusQuery } from './prometheus.ts';
export {
  MAX_DEVICE_NAME,
  PATH_PERIOD_SECONDS,
  announcedAddress,
  choosePath,
  labPaths,
  routedNetworks,
  shootDeviceFor,
} from './paths.ts';
export { PROXY_HOST, issueLabPki, labPkiDir, pkiFiles } from './pki.ts';
export { type Proof, proofHolds, request, tunnelAddress } from './proof.ts';
export { agentEnv, openvpnArgs, pathControllerEnv, prometheusConfig, stunnelConfig, tinyproxyConfig } from './render.ts';
export { listRoutes, parseRoutes, shadowingRoutes } from './route-list.ts';
export { formatProof, table } from './report.ts';
export {
  ENVOY_GID,
  INTERACTIVE_LAB,
  type LabOptions,
  PORTS,
  hostAddress,
  labSpec,
  namespaceList,
  throwawayLab,
} from './spec.ts';
export { SERVICE_CHAIN, ipv6Commands, topologyCommands, untranslatedRouteCommands, vpn2RuleCommands } from './topology.ts';
export { VPN_SHOOT_POD, type WebhookContainer, containerEnv, labOverrides, labVpnShoot, webhookAgentEnv, webhookShootAgent } from './vpn-shoot.ts';
export { discoveredPorts, discoveryLabels, monitoringJobs, relabelConfig } from './monitoring.ts';
