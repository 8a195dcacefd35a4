import { randomBytes } from 'node:crypto';
import {
  type Cidr,
  type Mapping,
  type Networks,
  type OverlapDecision,
  blockSize,
  decideOverlap,
  formatAddress,
  parseNetworks,
  planMappings,
} from '@overlap/cidr';
import { InputError } from '@overlap/runtime';
import { DEFAULT_PATHS, type LabPath, labPaths } from './paths.ts';

/** What a lab is built from; everything else (addresses, names, env) is derived from it. */
export interface LabOptions {
  /** Prefix of every network namespace name; tells labs apart (`ovl-lab-` for the interactive one). */
  readonly prefix: string;
  /** Holds every file the lab makes: state, keys, configs, logs, Prometheus data. */
  readonly runDir: string;
  readonly seedPodNetwork: string;
  readonly shootPodNetworks: string;
  readonly shootServiceNetworks: string;
  readonly shootNodeNetworks: string;
  /**
   * HA builds Gardener's HA data path: two paths `bond0-ip6tnl0/1` owned by a path-controller stand-in, the shoot
   * receiving on `bond0ip6tnl<hex>` with a tunnel-controller stand-in; the agents own no routes. Without HA the
   * lab is one point-to-point `tun0`, whose routes the agents own (Gardener's non-HA shape).
   */
  readonly ha: boolean;
  /** vpn2's `IP_FAMILIES` of the shoot: `IPv4`, or `IPv4,IPv6` for a dual-stack shoot. */
  readonly ipFamilies: 'IPv4' | 'IPv4,IPv6';
  readonly syncPeriodSeconds: number;
  readonly scrapeIntervalSeconds: number;
  readonly backend: 'iptables' | 'nftables' | 'auto';
  /**
   * The agents run legacy iptables (first on their PATH) with a lock file of the lab's own, so a fault test can
   * hold the xtables lock, which the host's nft variant does not have. Off by default.
   */
  readonly legacyIptables?: boolean;
}

export const INTERACTIVE_LAB: LabOptions = {
  prefix: 'ovl-lab-',
  runDir: '/run/overlap-lab',
  seedPodNetwork: '10.1.0.0/16',
  shootPodNetworks: '10.1.0.0/16',
  shootServiceNetworks: '10.2.0.0/16',
  shootNodeNetworks: '10.250.0.0/16',
  ha: true,
  ipFamilies: 'IPv4',
  syncPeriodSeconds: 5,
  scrapeIntervalSeconds: 2,
  backend: 'auto',
};

/**
 * A lab for a test or benchmark run: its own random prefix and run directory, so it never touches the interactive
 * lab (or another run), and short sync and scrape periods so changes show quickly.
 */
export function throwawayLab(purpose: string, change: Partial<LabOptions> = {}): LabOptions {
  const id = randomBytes(3).toString('hex');
  return {
    ...INTERACTIVE_LAB,
    prefix: `ovl-${purpose}-${id}-`,
    runDir: `/run/overlap-lab-${purpose}-${id}`,
    syncPeriodSeconds: 2,
    scrapeIntervalSeconds: 1,
    ...change,
  };
}

export type Role = 'seed' | 'shoot';

/** The lab's namespaces, each standing for one machine or pod of a real seed and shoot. */
interface Namespaces {
  /** The kube-apiserver pod in the seed: seed-vpn-agent, the CONNECT proxy (Envoy's place), the tunnel's seed end. */
  readonly seed: string;
  /** The shoot's vpn-shoot pod: shoot-vpn-agent and the tunnel's shoot end. */
  readonly shoot: string;
  /** The shoot node: routes the pod network, holds the node addresses and the kube-proxy-like service rule. */
  readonly node: string;
  /** A shoot pod answering HTTP with its identity. */
  readonly pod: string;
  /** Monitoring: the shoot's Prometheus, on the seed pod network (it is the kube-apiserver pod's gateway too). */
  readonly monitor: string;
}

/** One shoot address the control plane wants to reach. */
export interface Target {
  readonly label: string;
  readonly kind: 'pods' | 'services' | 'nodes';
  readonly address: string;
  readonly port: number;
}

export interface LabSpec {
  readonly options: LabOptions;
  readonly namespaces: Namespaces;
  readonly networks: Networks;
  readonly decision: OverlapDecision;
  /** Whether the agents translate, by the rules of docs/CONTRACTS.md ("Who translates"). */
  readonly translates: Record<Role, boolean>;
  readonly mappings: readonly Mapping[];
  /** The HA paths (none without HA). */
  readonly paths: readonly LabPath[];
  /** The devices traffic to the shoot leaves the kube-apiserver pod through, and arrives on in vpn-shoot. */
  readonly tunnelDevices: Record<Role, readonly string[]>;
  readonly addresses: {
    readonly kubeApiserver: string;
    /** A second kube-apiserver replica's pod IP, announced later by the HA tests. */
    readonly secondKubeApiserver: string;
    readonly monitorOnSeedPods: string;
    readonly podGateway: string;
    readonly vpnShoot: string;
    readonly shootPod: string;
    readonly service: string;
    readonly nodes: readonly string[];
    /** Dual-stack: the IPv6 addresses of the shoot side, never translated; undefined for an IPv4-only shoot. */
    readonly ipv6: ShootIPv6 | undefined;
  };
  readonly targets: readonly Target[];
}

/**
 * A dual-stack shoot's IPv6 side, as on AWS: pods and nodes take their addresses from the same IPv6 range, so the
 * offsets keep them apart (…::5 the node, …::5:20 the pod, …::7:7 vpn-shoot, mirroring the IPv4 ones).
 */
interface ShootIPv6 {
  readonly shootPod: string;
  readonly vpnShoot: string;
  readonly node: string;
}

export const PORTS = {
  pod: 8080,
  service: 80,
  kubelet: 10250,
  /** Envoy's port: the TLS listener kube-apiserver's egress selector connects to (stunnel in the lab). */
  proxy: 9443,
  /** The plain CONNECT proxy behind it (tinyproxy), on loopback only. */
  connectProxy: 9444,
  openvpn: 1194,
  prometheus: 9090,
  seedAgent: 9150,
  shootAgent: 9151,
  /** kube-apiserver's port on its pod IP: the lab's stand-in serves the pod proxy the shoot agents are scraped through. */
  apiServer: 443,
  iperf: 5201,
} as const;

/** The point-to-point (non-HA) topology's tunnel device. */
export const TUNNEL_DEVICE = 'tun0';
export const ENVOY_GID = 31415;
/** The lab shoot's namespace in the seed (the kube-apiserver pod's namespace, the PKI's owner). */
export const SHOOT_NAMESPACE = 'shoot--lab--overlap';
/** Underlay between the two tunnel ends, and the tunnel's own point-to-point addresses. */
export const UNDERLAY = { seed: '192.168.255.1', shoot: '192.168.255.2', prefix: 30 } as const;
export const TUNNEL = { seed: '192.168.123.1', shoot: '192.168.123.2' } as const;

/** A host inside a network at a fixed offset, so every lab has recognisable addresses (10.1.5.20 for the pod). */
export function hostAddress(network: Cidr, offset: number, field: string): string {
  if (network.family !== 'IPv4') throw new InputError(field, network.text, 'must be IPv4 in the lab');
  if (BigInt(offset) >= blockSize(network) - 1n) {
    throw new InputError(field, network.text, `is too small for the lab's host offset ${offset}`);
  }
  return formatAddress('IPv4', network.address + BigInt(offset));
}

const first = (list: readonly Cidr[], field: string): Cidr => {
  const cidr = list.find((c) => c.family === 'IPv4');
  if (!cidr) throw new InputError(field, list.map((c) => c.text).join(','), 'needs at least one IPv4 network in the lab');
  return cidr;
};

const ipv4 = (list: readonly Cidr[]): Cidr[] => list.filter((c) => c.family === 'IPv4');

/** The shoot's IPv6 addresses when its pod and node networks have IPv6 ranges; `ipFamilies` must say so. */
function shootIPv6(networks: Networks, ipFamilies: LabOptions['ipFamilies']): ShootIPv6 | undefined {
  const pods = networks.pods.find((c) => c.family === 'IPv6');
  const nodes = networks.nodes.find((c) => c.family === 'IPv6');
  const dualStack = ipFamilies === 'IPv4,IPv6';
  if (Boolean(pods && nodes) !== dualStack) {
    throw new InputError(
      'ipFamilies',
      ipFamilies,
      dualStack
        ? 'IPv4,IPv6 needs an IPv6 range among the shoot pod networks and among the node networks'
        : 'IPv4 does not fit shoot networks with IPv6 ranges; set IPv4,IPv6',
    );
  }
  if (!pods || !nodes) return undefined;
  const at = (cidr: Cidr, offset: number) => formatAddress('IPv6', cidr.address + BigInt(offset));
  return { shootPod: at(pods, 0x5_0020), vpnShoot: at(pods, 0x7_0007), node: at(nodes, 0x5) };
}

const NAME = /^[a-z0-9-]{1,40}$/;

export function labSpec(options: LabOptions): LabSpec {
  if (!NAME.test(options.prefix)) throw new InputError('prefix', options.prefix, 'must be lower-case letters, digits and dashes');
  for (const [field, value] of [
    ['syncPeriodSeconds', options.syncPeriodSeconds],
    ['scrapeIntervalSeconds', options.scrapeIntervalSeconds],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InputError(field, String(value), 'must be a whole number of seconds ≥ 1');
  }
  const networks = parseNetworks({
    seedPods: options.seedPodNetwork,
    pods: options.shootPodNetworks,
    services: options.shootServiceNetworks,
    nodes: options.shootNodeNetworks,
  });
  const seedPods = networks.seedPods;
  if (!seedPods) throw new InputError('SEED_POD_NETWORK', '', 'is needed in the lab');
  const decision = decideOverlap(networks);
  const translates = { seed: decision.overlap, shoot: !options.ha || decision.overlap };
  if (translates.seed !== translates.shoot) {
    // A seed without NAT facing a translating shoot is Gardener's non-HA server, which the lab does not build.
    throw new InputError('ha', String(options.ha), 'false needs an overlap in the lab (the non-HA seed server is not modelled)');
  }
  const pods = first(networks.pods, 'SHOOT_POD_NETWORKS');
  const services = first(networks.services, 'SHOOT_SERVICE_NETWORKS');
  const addresses = {
    kubeApiserver: hostAddress(seedPods, 10, 'SEED_POD_NETWORK'),
    secondKubeApiserver: hostAddress(seedPods, 11, 'SEED_POD_NETWORK'),
    monitorOnSeedPods: hostAddress(seedPods, 2, 'SEED_POD_NETWORK'),
    podGateway: hostAddress(pods, 1, 'SHOOT_POD_NETWORKS'),
    vpnShoot: hostAddress(pods, 7 * 256 + 7, 'SHOOT_POD_NETWORKS'),
    shootPod: hostAddress(pods, 5 * 256 + 20, 'SHOOT_POD_NETWORKS'),
    service: hostAddress(services, 10, 'SHOOT_SERVICE_NETWORKS'),
    nodes: ipv4(networks.nodes).map((cidr) => hostAddress(cidr, 5, 'SHOOT_NODE_NETWORKS')),
    ipv6: shootIPv6(networks, options.ipFamilies),
  };
  const p = options.prefix;
  const paths = options.ha ? labPaths(DEFAULT_PATHS, PORTS.openvpn) : [];
  return {
    options,
    namespaces: { seed: `${p}seed`, shoot: `${p}vpn-shoot`, node: `${p}node`, pod: `${p}pod`, monitor: `${p}monitor` },
    networks,
    decision,
    translates,
    mappings: translates.seed ? planMappings(networks) : [],
    paths,
    tunnelDevices: options.ha
      ? { seed: paths.map((path) => path.seedDevice), shoot: paths.map((path) => path.shootDevice) }
      : { seed: [TUNNEL_DEVICE], shoot: [TUNNEL_DEVICE] },
    addresses,
    targets: [
      { label: 'shoot pod', kind: 'pods', address: addresses.shootPod, port: PORTS.pod },
      { label: 'shoot service', kind: 'services', address: addresses.service, port: PORTS.service },
      ...addresses.nodes.map((address): Target => ({ label: 'shoot node', kind: 'nodes', address, port: PORTS.kubelet })),
    ],
  };
}

export const namespaceList = (spec: LabSpec): string[] => Object.values(spec.namespaces);
