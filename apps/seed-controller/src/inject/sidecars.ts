import type { V1Container, V1EnvVar, V1Probe, V1SecurityContext } from '@kubernetes/client-node';
import { networksToEnv } from '@overlap/cidr';
import type { ShootFacts } from '../shoot/shoot-facts.ts';
import {
  AGENT_CONTAINER,
  AGENT_METRICS_PORT,
  ENVOY_CERTS_DIR,
  ENVOY_CONFIG_DIR,
  ENVOY_CONFIG_FILE,
  ENVOY_CONTAINER,
  ENVOY_GID,
  ENVOY_METRICS_PORT,
  ENVOY_PROXY_PORT,
  SEED_TUNNEL_DEVICE,
  VOLUMES,
} from './names.ts';
import type { InjectionSettings } from './settings.ts';

/**
 * Gardener's `envoy-proxy` container (GetEnvoyProxyContainer), plus declared ports so 9443 and 15000 can be
 * scraped and named; Gardener declares none. The group id is what the seed-side NAT matches on.
 */
export function envoyContainer(settings: InjectionSettings): V1Container {
  return {
    name: ENVOY_CONTAINER,
    image: settings.envoyImage,
    imagePullPolicy: 'IfNotPresent',
    command: ['envoy', '--concurrency', '2', '-c', `${ENVOY_CONFIG_DIR}/${ENVOY_CONFIG_FILE}`],
    ports: [
      { name: 'http-proxy', containerPort: ENVOY_PROXY_PORT, protocol: 'TCP' },
      { name: 'envoy-metrics', containerPort: ENVOY_METRICS_PORT, protocol: 'TCP' },
    ],
    readinessProbe: { tcpSocket: { port: ENVOY_PROXY_PORT } },
    livenessProbe: { tcpSocket: { port: ENVOY_PROXY_PORT } },
    resources: { requests: { cpu: '20m', memory: '100Mi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['all'] },
      runAsNonRoot: true,
      runAsGroup: ENVOY_GID,
    },
    volumeMounts: [
      { name: VOLUMES.envoyCerts, mountPath: ENVOY_CERTS_DIR },
      { name: VOLUMES.envoyConfig, mountPath: ENVOY_CONFIG_DIR },
    ],
  };
}

/**
 * The pod IP from the downward API (`POD_IP`, which must come earlier in the env), in brackets when the pod's
 * primary family is IPv6 (`[fd00::1]:9150`): agents listen only where Prometheus and the liveness probe connect.
 */
export const podIpAddress = (family: string, port: number): string => (family === 'IPv6' ? `[$(POD_IP)]:${port}` : `$(POD_IP):${port}`);

export const fromField = (name: string, fieldPath: string): V1EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/**
 * Both agents: iptables/nft need uid 0 in the pod's user namespace, but of all root's powers only NET_ADMIN; they
 * write nothing to their filesystem.
 */
export function agentSecurityContext(): V1SecurityContext {
  return {
    runAsUser: 0,
    runAsNonRoot: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    seccompProfile: { type: 'RuntimeDefault' },
    capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
  };
}

/**
 * Both agents: restarted only when the process stops answering on its metrics port (a number or a port name). No
 * agent has a readiness probe: NAT health is in metrics and alerts, and must never take a pod out of its Service.
 */
export function agentLivenessProbe(port: number | string): V1Probe {
  return { httpGet: { path: '/healthz', port }, periodSeconds: 10, failureThreshold: 3 };
}

/**
 * The seed side of the double NAT, in the kube-apiserver's network namespace. Its env carries the same networks
 * the controller decided from, so the agent reaches the same decision (CONTRACTS.md "Env of the agents").
 */
export function agentContainer(facts: ShootFacts, settings: InjectionSettings): V1Container {
  const networks = networksToEnv(facts.networks);
  const env: V1EnvVar[] = [
    ...Object.entries(networks).map(([name, value]) => ({ name, value })),
    // Gardener gives the seed-side VPN containers the seed's first family.
    { name: 'IP_FAMILIES', value: facts.seedFamilies[0] ?? 'IPv4' },
    { name: 'IS_HA', value: 'true' },
    fromField('POD_NAME', 'metadata.name'),
    fromField('NAMESPACE', 'metadata.namespace'),
    // Before OVERLAP_METRICS_ADDRESS, which refers to it: Kubernetes expands $(VAR) only from earlier entries.
    fromField('POD_IP', 'status.podIP'),
    { name: 'OVERLAP_TUNNEL_DEVICE', value: SEED_TUNNEL_DEVICE },
    { name: 'OVERLAP_ENVOY_GID', value: String(ENVOY_GID) },
    { name: 'OVERLAP_BACKEND', value: settings.agentBackend },
    // Only on the pod IP, where Prometheus and the kubelet's liveness probe connect; not on 0.0.0.0.
    { name: 'OVERLAP_METRICS_ADDRESS', value: podIpAddress(facts.seedFamilies[0] ?? 'IPv4', AGENT_METRICS_PORT) },
    { name: 'OVERLAP_LOG_LEVEL', value: settings.agentLogLevel },
  ];
  return {
    name: AGENT_CONTAINER,
    image: settings.agentImage,
    imagePullPolicy: 'IfNotPresent',
    env,
    ports: [{ name: 'agent-metrics', containerPort: AGENT_METRICS_PORT, protocol: 'TCP' }],
    // No readiness probe: a pod is ready only when every container is, so a NAT failure common to all replicas
    // would take every kube-apiserver of the shoot out of its Service. NAT health is in metrics and alerts;
    // liveness only restarts this container when its process stops answering.
    livenessProbe: agentLivenessProbe(AGENT_METRICS_PORT),
    // From packages/agent-core/bench/agent-memory.ts: ~57 MiB RSS with 100 mappings (image flags); the limit leaves room for 1000.
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    securityContext: agentSecurityContext(),
  };
}
