import { networksToEnv } from '@overlap/cidr';
import { HA_DEVICE_PATTERN, type LabPath } from './paths.ts';
import type { LabPki } from './pki.ts';
import { monitoringJobs } from './monitoring.ts';
import { ENVOY_GID, PORTS, SHOOT_NAMESPACE, type LabSpec, type Role, TUNNEL, TUNNEL_DEVICE, UNDERLAY } from './spec.ts';

/**
 * Debian's tinyproxy as the CONNECT half of Envoy: on loopback behind stunnel, to the lab's shoot ports only. It is
 * the process that opens the connections towards the shoot, so it runs with Envoy's group, which the seed agent's
 * NAT matches.
 */
export function tinyproxyConfig(): string {
  return [
    `Port ${PORTS.connectProxy}`,
    'Listen 127.0.0.1',
    'Timeout 600',
    'MaxClients 50',
    'LogLevel Notice',
    'DisableViaHeader Yes',
    // The shoot's workloads, and the shoot agent's metrics port for kube-apiserver's pod proxy (Prometheus' scrapes).
    ...[PORTS.pod, PORTS.service, PORTS.kubelet, PORTS.shootAgent].map((port) => `ConnectPort ${port}`),
    '',
  ].join('\n');
}

/**
 * Debian's stunnel as the TLS half of Envoy: on Envoy's port with the serving certificate the controller issued, it
 * requires a client certificate signed by the shoot's CA (as Envoy's `require_client_certificate`) and hands the
 * plain stream to tinyproxy. It only accepts; the connection towards the shoot is tinyproxy's. It drops root after
 * reading its keys.
 */
export function stunnelConfig(pki: LabPki): string {
  return [
    'foreground = yes',
    'pid =',
    'debug = notice',
    'setuid = nobody',
    'setgid = nogroup',
    '[envoy]',
    `accept = 127.0.0.1:${PORTS.proxy}`,
    `connect = 127.0.0.1:${PORTS.connectProxy}`,
    `cert = ${pki.envoyCert}`,
    `key = ${pki.envoyKey}`,
    `CAfile = ${pki.envoyCa}`,
    'verifyChain = yes',
    'requireCert = yes',
    'sslVersionMin = TLSv1.2',
    '',
  ].join('\n');
}

/**
 * Prometheus' configuration: the scrape jobs the controller's per-shoot monitoring objects make (see
 * monitoring.ts), at the lab's interval. JSON, which Prometheus reads as the YAML it is.
 */
export function prometheusConfig(spec: LabSpec, tokenFile: string): string {
  const interval = `${spec.options.scrapeIntervalSeconds}s`;
  const config = { global: { scrape_interval: interval, evaluation_interval: interval }, scrape_configs: monitoringJobs(spec, tokenFile) };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * One end of a point-to-point OpenVPN tunnel over the underlay, authenticated by a shared static key. Without a
 * path it is the non-HA `tun0` with IPv4 point-to-point addresses; with one, it is that HA path's device on this
 * side, carrying IPv4 but addressed only in IPv6 like vpn2's ip6tnl devices, and kept across OpenVPN restarts
 * (`--persist-tun`) so the routes through it stay while the peer is away.
 */
export function openvpnArgs(role: Role, keyFile: string, path?: LabPath): string[] {
  const [local, remote] = role === 'seed' ? [UNDERLAY.seed, UNDERLAY.shoot] : [UNDERLAY.shoot, UNDERLAY.seed];
  const addressing = path
    ? (() => {
        const [own, peer] = role === 'seed' ? [path.seedAddress, path.shootAddress] : [path.shootAddress, path.seedAddress];
        return ['--ifconfig-ipv6', `${own}/${path.transferPrefix}`, peer, '--persist-tun'];
      })()
    : ['--ifconfig', ...(role === 'seed' ? [TUNNEL.seed, TUNNEL.shoot] : [TUNNEL.shoot, TUNNEL.seed])];
  const device = path ? (role === 'seed' ? path.seedDevice : path.shootDevice) : TUNNEL_DEVICE;
  return [
    'openvpn',
    '--dev',
    device,
    '--dev-type',
    'tun',
    '--proto',
    'udp',
    '--local',
    local,
    '--remote',
    remote,
    '--port',
    String(path?.port ?? PORTS.openvpn),
    ...addressing,
    '--secret',
    keyFile,
    '--cipher',
    'AES-256-CBC',
    '--keepalive',
    '2',
    '10',
    '--verb',
    '3',
  ];
}

/** The agent's whole configuration, by the names of docs/CONTRACTS.md. */
export function agentEnv(spec: LabSpec, role: Role): Record<string, string> {
  const networks = networksToEnv(spec.networks);
  const metricsPort = role === 'seed' ? PORTS.seedAgent : PORTS.shootAgent;
  return {
    ...networks,
    // The shoot's families for vpn-shoot; the kube-apiserver pod gets the seed's first family, as the injection sets it.
    IP_FAMILIES: role === 'shoot' ? spec.options.ipFamilies : 'IPv4',
    IS_HA: String(spec.options.ha),
    IS_SHOOT_CLIENT: String(role === 'shoot'),
    VPN_SERVER_INDEX: '0',
    POD_NAME: role === 'seed' ? 'kube-apiserver-0' : 'vpn-shoot-0',
    NAMESPACE: role === 'seed' ? SHOOT_NAMESPACE : 'kube-system',
    // HA: every path device on either side (bond0-ip6tnl<i>, bond0ip6tnl<hex>) by vpn2's wildcard; else tun0.
    OVERLAP_TUNNEL_DEVICE: spec.options.ha ? HA_DEVICE_PATTERN : TUNNEL_DEVICE,
    ...(role === 'shoot' ? { OVERLAP_EGRESS_DEVICE: 'eth0' } : { OVERLAP_ENVOY_GID: String(ENVOY_GID) }),
    OVERLAP_BACKEND: spec.options.backend,
    OVERLAP_SYNC_PERIOD: String(spec.options.syncPeriodSeconds),
    OVERLAP_METRICS_ADDRESS: `0.0.0.0:${metricsPort}`,
    OVERLAP_CLEANUP_ON_EXIT: 'true',
    OVERLAP_LOG_LEVEL: 'info',
  };
}

/** The path-controller stand-in's configuration, by vpn2's names: the networks decide overlap, as vpn2's does. */
export function pathControllerEnv(spec: LabSpec, podIp: string): Record<string, string> {
  return {
    ...networksToEnv(spec.networks),
    POD_IP: podIp,
    HA_VPN_CLIENTS: String(spec.paths.length),
    LAB_PATH_BASE_PORT: String(PORTS.openvpn),
  };
}
