import type { V1Container, V1Deployment, V1EnvVar, V1StatefulSet } from '@kubernetes/client-node';
import { ENV_FIELDS, type Networks, parseNetworks } from '@overlap/cidr';
import { InputError } from '@overlap/runtime';
import { InjectionError } from '../inject/mutate.ts';
import { agentLivenessProbe, agentSecurityContext, fromField, podIpAddress } from '../inject/sidecars.ts';
import {
  SHOOT_AGENT_CONTAINER,
  SHOOT_AGENT_METRICS_PORT,
  SHOOT_AGENT_METRICS_PORT_NAME,
  SHOOT_EGRESS_DEVICE,
  SHOOT_TUNNEL_DEVICE,
  VPN_CLIENT_CONTAINER,
} from './names.ts';

/** Gardener runs vpn-shoot as a StatefulSet (HA) or a Deployment (non-HA); both have a pod template. */
export type VpnShootWorkload = V1StatefulSet | V1Deployment;

/** What an operator chooses for the shoot agent; its networks always come from vpn-shoot itself. */
export interface ShootAgentSettings {
  readonly image: string;
  readonly backend: 'auto' | 'iptables' | 'nftables';
  readonly logLevel: string;
}

export const DEFAULT_SHOOT_AGENT_SETTINGS: ShootAgentSettings = {
  image: 'overlap/shoot-vpn-agent:0.1.0',
  backend: 'auto',
  logLevel: 'info',
};

/** The env of vpn-shoot's VPN clients the agent must see to reach vpn2's decision; SHOOT_NODE_NETWORKS may be absent. */
const REQUIRED_ENV = [ENV_FIELDS.seedPods, ENV_FIELDS.pods, ENV_FIELDS.services] as const;
const COPIED_ENV = [...REQUIRED_ENV, ENV_FIELDS.nodes, 'IP_FAMILIES'] as const;

const containersField = 'spec.template.spec.containers';

/** The VPN client containers (`vpn-shoot-s<i>` for HA, `vpn-shoot` otherwise), in the order of the pod spec. */
export function vpnClientContainers(workload: VpnShootWorkload): V1Container[] {
  return (workload.spec?.template?.spec?.containers ?? []).filter((c) => VPN_CLIENT_CONTAINER.test(c.name));
}

function envOf(container: V1Container, name: string): V1EnvVar | undefined {
  return container.env?.find((e) => e.name === name);
}

/**
 * The network env of vpn-shoot, read from its first VPN client and checked against the others: the agent must
 * decide from exactly what vpn-shoot decides from. Throws InjectionError for a vpn-shoot without those networks.
 */
function vpnShootNetworkEnv(workload: VpnShootWorkload): Record<string, string> {
  const clients = vpnClientContainers(workload);
  const first = clients[0];
  if (!first) throw new InjectionError(containersField, 'has no VPN client container (vpn-shoot or vpn-shoot-s<i>) to take the networks from');
  const env: Record<string, string> = {};
  for (const name of COPIED_ENV) {
    const variable = envOf(first, name);
    const field = `${containersField}[${first.name}].env[${name}]`;
    if (variable?.valueFrom) throw new InjectionError(field, 'is set from a reference; the webhook can only copy a literal value');
    if (variable?.value === undefined) {
      if ((REQUIRED_ENV as readonly string[]).includes(name)) {
        throw new InjectionError(field, 'is missing; the shoot agent takes its networks from vpn-shoot and gets none without it');
      }
      continue;
    }
    env[name] = variable.value;
    for (const other of clients.slice(1)) {
      const value = envOf(other, name)?.value;
      if (value !== variable.value) {
        throw new InjectionError(
          `${containersField}[${other.name}].env[${name}]`,
          `${JSON.stringify(value ?? '')} differs from ${first.name}'s ${JSON.stringify(variable.value)}`,
        );
      }
    }
  }
  return env;
}

/** vpn-shoot's networks, validated as the agent will validate them; errors name the container and variable. */
export function vpnShootNetworks(workload: VpnShootWorkload): { readonly env: Record<string, string>; readonly networks: Networks } {
  const env = vpnShootNetworkEnv(workload);
  try {
    const networks = parseNetworks({
      seedPods: env[ENV_FIELDS.seedPods] ?? '',
      pods: env[ENV_FIELDS.pods] ?? '',
      services: env[ENV_FIELDS.services] ?? '',
      nodes: env[ENV_FIELDS.nodes] ?? '',
    });
    return { env, networks };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const client = vpnClientContainers(workload)[0]!.name;
    throw new InjectionError(`${containersField}[${client}].env[${error.field}]`, error.message.slice(error.field.length + 2));
  }
}

/**
 * The shoot side of the double NAT as a sidecar of the given vpn-shoot: the container deploy/shoot adds, with the
 * networks copied from vpn-shoot's own env. Pure, so the lab can start its shoot agent from exactly this container.
 * Throws InjectionError when vpn-shoot lacks the networks.
 */
export function shootAgentContainer(workload: VpnShootWorkload, settings: ShootAgentSettings): V1Container {
  const { env: networks } = vpnShootNetworks(workload);
  const env: V1EnvVar[] = [
    ...COPIED_ENV.flatMap((name) => (networks[name] === undefined ? [] : [{ name, value: networks[name] }])),
    { name: 'IS_HA', value: 'true' },
    { name: 'IS_SHOOT_CLIENT', value: 'true' },
    fromField('POD_NAME', 'metadata.name'),
    fromField('NAMESPACE', 'metadata.namespace'),
    // Before OVERLAP_METRICS_ADDRESS, which refers to it: Kubernetes expands $(VAR) only from earlier entries.
    fromField('POD_IP', 'status.podIP'),
    { name: 'OVERLAP_TUNNEL_DEVICE', value: SHOOT_TUNNEL_DEVICE },
    { name: 'OVERLAP_EGRESS_DEVICE', value: SHOOT_EGRESS_DEVICE },
    { name: 'OVERLAP_BACKEND', value: settings.backend },
    { name: 'OVERLAP_METRICS_ADDRESS', value: podIpAddress(networks['IP_FAMILIES']?.split(',')[0] ?? 'IPv4', SHOOT_AGENT_METRICS_PORT) },
    { name: 'OVERLAP_LOG_LEVEL', value: settings.logLevel },
  ];
  return {
    name: SHOOT_AGENT_CONTAINER,
    image: settings.image,
    imagePullPolicy: 'IfNotPresent',
    env,
    ports: [{ name: SHOOT_AGENT_METRICS_PORT_NAME, containerPort: SHOOT_AGENT_METRICS_PORT, protocol: 'TCP' }],
    // No readiness probe: NAT health is reported by metrics and alerts, and must not hold up vpn-shoot's rollout.
    // Liveness restarts only this container, when its process stops answering.
    livenessProbe: agentLivenessProbe(SHOOT_AGENT_METRICS_PORT_NAME),
    // From packages/agent-core/bench/agent-memory.ts: ~57 MiB RSS with 100 mappings (image flags).
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    securityContext: agentSecurityContext(),
  };
}
