import { describe, expect, it } from 'vitest';
import {
  INTERACTIVE_LAB,
  agentEnv,
  labSpec,
  openvpnArgs,
  pathControllerEnv,
  pkiFiles,
  prometheusConfig,
  stunnelConfig,
  tinyproxyConfig,
} from '../src/index.ts';

const spec = labSpec(INTERACTIVE_LAB);

describe('agentEnv', () => {
  it('gives the seed agent Gardener’s network names and the OVERLAP_ settings of docs/CONTRACTS.md', () => {
    expect(agentEnv(spec, 'seed')).toEqual({
      SEED_POD_NETWORK: '10.1.0.0/16',
      SHOOT_POD_NETWORKS: '10.1.0.0/16',
      SHOOT_SERVICE_NETWORKS: '10.2.0.0/16',
      SHOOT_NODE_NETWORKS: '10.250.0.0/16',
      IP_FAMILIES: 'IPv4',
      IS_HA: 'true',
      IS_SHOOT_CLIENT: 'false',
      VPN_SERVER_INDEX: '0',
      POD_NAME: 'kube-apiserver-0',
      NAMESPACE: 'shoot--lab--overlap',
      OVERLAP_TUNNEL_DEVICE: 'bond0+',
      OVERLAP_ENVOY_GID: '31415',
      OVERLAP_BACKEND: 'auto',
      OVERLAP_SYNC_PERIOD: '5',
      OVERLAP_METRICS_ADDRESS: '0.0.0.0:9150',
      OVERLAP_CLEANUP_ON_EXIT: 'true',
      OVERLAP_LOG_LEVEL: 'info',
    });
  });

  it('gives the agents tun0 in the point-to-point lab, where they own the routes', () => {
    const p2p = labSpec({ ...INTERACTIVE_LAB, ha: false });
    for (const role of ['seed', 'shoot'] as const) expect(agentEnv(p2p, role)).toMatchObject({ IS_HA: 'false', OVERLAP_TUNNEL_DEVICE: 'tun0' });
  });

  it("gives the path-controller stand-in the networks, its pod IP and the number of paths, by vpn2's names", () => {
    expect(pathControllerEnv(spec, '10.1.0.10')).toEqual({
      SEED_POD_NETWORK: '10.1.0.0/16',
      SHOOT_POD_NETWORKS: '10.1.0.0/16',
      SHOOT_SERVICE_NETWORKS: '10.2.0.0/16',
      SHOOT_NODE_NETWORKS: '10.250.0.0/16',
      POD_IP: '10.1.0.10',
      HA_VPN_CLIENTS: '2',
      LAB_PATH_BASE_PORT: '1194',
    });
  });

  it('gives the shoot agent its egress device and port, and no Envoy group', () => {
    const env = agentEnv(spec, 'shoot');
    expect(env).toMatchObject({ OVERLAP_EGRESS_DEVICE: 'eth0', OVERLAP_METRICS_ADDRESS: '0.0.0.0:9151', IS_SHOOT_CLIENT: 'true' });
    expect(env).not.toHaveProperty('OVERLAP_ENVOY_GID');
  });
});

describe('configs', () => {
  it("tinyproxy listens on loopback behind stunnel and allows CONNECT to the lab's shoot ports only", () => {
    const config = tinyproxyConfig();
    expect(config).toContain('Port 9444\nListen 127.0.0.1\n');
    expect(config.match(/^ConnectPort \d+$/gm)).toEqual(['ConnectPort 8080', 'ConnectPort 80', 'ConnectPort 10250', 'ConnectPort 9151']);
  });

  it("stunnel takes Envoy's port with the issued serving certificate, requires a client certificate of the shoot's CA, and forwards to tinyproxy", () => {
    const config = stunnelConfig(pkiFiles('/run/lab/pki'));
    expect(config).toContain('accept = 127.0.0.1:9443\nconnect = 127.0.0.1:9444\n');
    expect(config).toContain('cert = /run/lab/pki/envoy/tls.crt\nkey = /run/lab/pki/envoy/tls.key\nCAfile = /run/lab/pki/envoy/ca.crt\n');
    expect(config).toContain('verifyChain = yes\nrequireCert = yes\n');
    expect(config).toContain('setuid = nobody\n');
  });

  it("Prometheus' jobs are the controller's PodMonitor (one per endpoint) and ScrapeConfig for the lab shoot's namespace", () => {
    const config = JSON.parse(prometheusConfig(spec, '/run/lab/token')) as {
      global: { scrape_interval: string };
      scrape_configs: Array<Record<string, unknown>>;
    };
    expect(config.global.scrape_interval).toBe('2s');
    expect(config.scrape_configs.map((job) => job['job_name'])).toEqual([
      'podMonitor/shoot--lab--overlap/overlap-kube-apiserver-sidecars/0',
      'podMonitor/shoot--lab--overlap/overlap-kube-apiserver-sidecars/1',
      'scrapeConfig/shoot--lab--overlap/overlap-shoot-vpn-agent',
    ]);
    const shoot = config.scrape_configs[2]!;
    expect(shoot).toMatchObject({ scheme: 'https', authorization: { credentials_file: '/run/lab/token' }, tls_config: { insecure_skip_verify: true } });
  });

  it('the two OpenVPN ends mirror each other', () => {
    const seed = openvpnArgs('seed', '/k');
    const shoot = openvpnArgs('shoot', '/k');
    const value = (args: string[], flag: string) => args.slice(args.indexOf(flag) + 1, args.indexOf(flag) + 3);
    expect(value(seed, '--local')[0]).toBe(value(shoot, '--remote')[0]);
    expect(value(seed, '--ifconfig')).toEqual(value(shoot, '--ifconfig').toReversed());
    expect(seed).toContain('--secret');
  });
});
