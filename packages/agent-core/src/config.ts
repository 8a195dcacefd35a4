import { ENV_FIELDS, type Family, type Networks, parseNetworks } from '@overlap/cidr';
import {
  type Backend,
  type Role,
  assertGid,
  assertInterfaceName,
  TUNNEL_DEVICE_DEFAULTS,
  deviceMatches,
  isWildcard,
  parseDevicePattern,
} from '@overlap/natrules';
import {
  type Env,
  InputError,
  type ListenAddress,
  LOG_LEVELS,
  type LogLevel,
  envValue,
  fromEnv,
  integerIn,
  oneOf,
  parseBoolean,
  parseListenAddress,
  secondsIn,
} from '@overlap/runtime';

export type BackendChoice = Backend | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'iptables', 'nftables'];

/** Everything an agent runs on, validated: nothing is applied before all of it parsed. */
export interface AgentConfig {
  readonly role: Role;
  readonly networks: Networks;
  readonly ha: boolean;
  readonly ipFamilies: readonly Family[];
  /** A device name or, in HA, usually a prefix pattern (`bond0+`); see TUNNEL_DEVICE_DEFAULTS. */
  readonly tunnelDevice: string;
  readonly egressDevice: string;
  readonly envoyGid: number;
  readonly backend: BackendChoice;
  readonly syncPeriodSeconds: number;
  readonly metricsAddress: ListenAddress;
  readonly cleanupOnExit: boolean;
  readonly logLevel: LogLevel;
  /** Where the agent runs, for log lines only. */
  readonly pod: { readonly name?: string; readonly namespace?: string; readonly vpnServerIndex?: number };
}

/** What `cleanup` needs: it must work even when the rest of the environment is broken. */
export interface CleanupConfig {
  readonly role: Role;
  readonly backend: BackendChoice;
  readonly logLevel: LogLevel;
}

const ROLE_DEFAULTS: Readonly<Record<Role, { metricsAddress: string }>> = {
  seed: { metricsAddress: '0.0.0.0:9150' },
  shoot: { metricsAddress: '0.0.0.0:9151' },
};

const TUNNEL_DEVICE_ENV = 'OVERLAP_TUNNEL_DEVICE';

const DEFAULT_ENVOY_GID = 31415;
export const DEFAULT_SYNC_PERIOD_SECONDS = 30;
const MAX_SYNC_PERIOD_SECONDS = 86_400;
/** Below this a loop would spend its time starting programs, and every deadline would be its floor. */
const MIN_SYNC_PERIOD_SECONDS = 0.5;

function parseIpFamilies(env: Env): Family[] {
  const name = 'IP_FAMILIES';
  const value = envValue(env, name) ?? 'IPv4';
  const families = value.split(',').map((part) => part.trim());
  const valid = families.every((f) => f === 'IPv4' || f === 'IPv6') && new Set(families).size === families.length;
  if (!valid) throw new InputError(name, value, 'must be IPv4, IPv6 or both, comma-separated');
  return families as Family[];
}

/**
 * A name or prefix pattern. HA: IPv4 crosses Gardener's ip6tnl devices (`bond0-ip6tnl<i>` in the kube-apiserver
 * pod, `bond0ip6tnl<hex>` in vpn-shoot), created and replaced at run time, hence `bond0+` by default. Without HA
 * the agent routes into the device, so it must be one name.
 */
function parseTunnelDevice(env: Env, ha: boolean): string {
  const raw = envValue(env, TUNNEL_DEVICE_ENV);
  const value = parseDevicePattern(raw ?? (ha ? TUNNEL_DEVICE_DEFAULTS.ha : TUNNEL_DEVICE_DEFAULTS.pointToPoint), TUNNEL_DEVICE_ENV);
  if (!ha && isWildcard(value)) {
    throw new InputError(TUNNEL_DEVICE_ENV, raw ?? value, 'is a prefix pattern, but without IS_HA=true the agent routes into one device');
  }
  return value;
}

function parseDevice(env: Env, name: string, fallback: string): string {
  const value = envValue(env, name) ?? fallback;
  assertInterfaceName(value, name);
  return value;
}

/** The VPN containers' own flag; when it is passed on, it must agree with the agent it is given to. */
function assertClientSide(env: Env, role: Role): void {
  const name = 'IS_SHOOT_CLIENT';
  if (envValue(env, name) === undefined) return;
  const shootClient = fromEnv(env, name, parseBoolean, role === 'shoot');
  if (shootClient !== (role === 'shoot')) {
    throw new InputError(name, envValue(env, name) ?? '', `contradicts the ${role} agent it is given to`);
  }
}

export function parseCleanupConfig(role: Role, env: Env): CleanupConfig {
  return {
    role,
    backend: fromEnv(env, 'OVERLAP_BACKEND', oneOf(BACKEND_CHOICES), 'auto'),
    logLevel: fromEnv(env, 'OVERLAP_LOG_LEVEL', oneOf(LOG_LEVELS), 'info'),
  };
}

/**
 * Inputs with which the agent could never translate anything, whatever the networks: Gardener renders every VPN
 * container with SEED_POD_NETWORK beside the shoot networks, and every HA one with shoot networks
 * (gardener-controller.md "Env of the VPN containers"). Such an environment comes from a broken manifest, not from
 * a shoot, so it is refused (exit 2) instead of serving "healthy" forever. Networks Gardener does render but that
 * cannot be translated (IPv6, too many) keep the agent serving with a reason (overlap_nat_untranslatable).
 */
function assertCanEverTranslate(env: Env, networks: Networks): void {
  const shootNetworks = [...networks.pods, ...networks.services, ...networks.nodes];
  if (shootNetworks.length > 0 && networks.seedPods === undefined) {
    throw new InputError(
      ENV_FIELDS.seedPods,
      '',
      `is not set while ${ENV_FIELDS.pods}/${ENV_FIELDS.services}/${ENV_FIELDS.nodes} are: no overlap could ever be found; pass the seed's pod network as Gardener does to the VPN containers`,
    );
  }
  if (shootNetworks.length === 0 && fromEnv(env, 'IS_HA', parseBoolean, false)) {
    throw new InputError(
      ENV_FIELDS.pods,
      '',
      `is empty, as are ${ENV_FIELDS.services} and ${ENV_FIELDS.nodes}, while IS_HA=true: nothing could ever be translated; pass the shoot networks the VPN containers get`,
    );
  }
}

/** Reads and validates the whole environment; throws InputError naming the first bad variable and its value. */
export function parseAgentConfig(role: Role, env: Env): AgentConfig {
  const defaults = ROLE_DEFAULTS[role];
  const networks = parseNetworks({
    seedPods: env[ENV_FIELDS.seedPods] ?? '',
    pods: env[ENV_FIELDS.pods] ?? '',
    services: env[ENV_FIELDS.services] ?? '',
    nodes: env[ENV_FIELDS.nodes] ?? '',
  });
  assertClientSide(env, role);
  assertCanEverTranslate(env, networks);
  const envoyGid = fromEnv(env, 'OVERLAP_ENVOY_GID', integerIn(0, 0xffffffff), DEFAULT_ENVOY_GID);
  assertGid(envoyGid, 'OVERLAP_ENVOY_GID');
  // The rules translate what this group sends; group 0 would translate every root process of the pod.
  if (envoyGid === 0) throw new InputError('OVERLAP_ENVOY_GID', '0', 'is the root group; Envoy needs a group of its own');
  const vpnServerIndex = fromEnv(env, 'VPN_SERVER_INDEX', integerIn(0, 1024), undefined);
  const podName = envValue(env, 'POD_NAME');
  const namespace = envValue(env, 'NAMESPACE');
  const ha = fromEnv(env, 'IS_HA', parseBoolean, false);
  const tunnelDevice = parseTunnelDevice(env, ha);
  const egressDevice = parseDevice(env, 'OVERLAP_EGRESS_DEVICE', 'eth0');
  // On the shoot the two devices tell the directions apart; a tunnel match that takes in the egress translates twice.
  if (role === 'shoot' && deviceMatches(tunnelDevice, egressDevice)) {
    throw new InputError('OVERLAP_EGRESS_DEVICE', egressDevice, `is matched by the tunnel device ${tunnelDevice}`);
  }
  return {
    ...parseCleanupConfig(role, env),
    networks,
    ha,
    ipFamilies: parseIpFamilies(env),
    tunnelDevice,
    egressDevice,
    envoyGid,
    syncPeriodSeconds: fromEnv(env, 'OVERLAP_SYNC_PERIOD', secondsIn(MIN_SYNC_PERIOD_SECONDS, MAX_SYNC_PERIOD_SECONDS), DEFAULT_SYNC_PERIOD_SECONDS),
    metricsAddress: parseListenAddress(envValue(env, 'OVERLAP_METRICS_ADDRESS') ?? defaults.metricsAddress, 'OVERLAP_METRICS_ADDRESS'),
    cleanupOnExit: fromEnv(env, 'OVERLAP_CLEANUP_ON_EXIT', parseBoolean, true),
    pod: {
      ...(podName === undefined ? {} : { name: podName }),
      ...(namespace === undefined ? {} : { namespace }),
      ...(vpnServerIndex === undefined ? {} : { vpnServerIndex }),
    },
  };
}
