import { describe, expect, it } from 'vitest';
import { InputError } from '@overlap/runtime';
import { parseAgentConfig, parseCleanupConfig } from '../src/index.ts';

const OVERLAPPING = {
  SEED_POD_NETWORK: '10.1.0.0/16',
  SHOOT_POD_NETWORKS: '10.1.0.0/16',
  SHOOT_SERVICE_NETWORKS: '10.2.0.0/20',
  SHOOT_NODE_NETWORKS: '10.250.0.0/24',
  IS_HA: 'true',
};

function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('parseAgentConfig', () => {
  it('applies the documented defaults per role', () => {
    const seed = parseAgentConfig('seed', OVERLAPPING);
    expect(seed).toMatchObject({
      role: 'seed',
      ha: true,
      ipFamilies: ['IPv4'],
      tunnelDevice: 'bond0+',
      egressDevice: 'eth0',
      envoyGid: 31415,
      backend: 'auto',
      syncPeriodSeconds: 30,
      metricsAddress: { host: '0.0.0.0', port: 9150 },
      cleanupOnExit: true,
      logLevel: 'info',
      pod: {},
    });
    expect(seed.networks.pods.map((c) => c.text)).toEqual(['10.1.0.0/16']);
    const shoot = parseAgentConfig('shoot', {});
    expect(shoot).toMatchObject({ tunnelDevice: 'tun0', ha: false, metricsAddress: { port: 9151 } });
    expect(shoot.networks.seedPods).toBeUndefined();
    expect(parseAgentConfig('shoot', { ...OVERLAPPING, IS_HA: 'true' }).tunnelDevice).toBe('bond0+');
    expect(parseAgentConfig('seed', {}).tunnelDevice).toBe('tun0');
  });

  it('takes the nft spelling of a pattern and keeps the iptables one', () => {
    expect(parseAgentConfig('seed', { ...OVERLAPPING, OVERLAP_TUNNEL_DEVICE: 'bond0*' }).tunnelDevice).toBe('bond0+');
    expect(parseAgentConfig('shoot', { ...OVERLAPPING, OVERLAP_TUNNEL_DEVICE: 'tun0' }).tunnelDevice).toBe('tun0');
  });

  it.each([
    ['seed', { IS_HA: 'false', OVERLAP_TUNNEL_DEVICE: 'bond0+' }, 'OVERLAP_TUNNEL_DEVICE: "bond0+" is a prefix pattern, but without IS_HA=true'],
    ['shoot', { OVERLAP_TUNNEL_DEVICE: 'tun*' }, 'OVERLAP_TUNNEL_DEVICE: "tun*" is a prefix pattern, but without IS_HA=true'],
    ['shoot', { IS_HA: 'true', OVERLAP_EGRESS_DEVICE: 'bond0' }, 'OVERLAP_EGRESS_DEVICE: "bond0" is matched by the tunnel device bond0+'],
    ['shoot', { OVERLAP_TUNNEL_DEVICE: 'eth0' }, 'OVERLAP_EGRESS_DEVICE: "eth0" is matched by the tunnel device eth0'],
  ] as const)('%s refuses %j in one line', (role, env, message) => {
    const error = inputError(() => parseAgentConfig(role, { ...OVERLAPPING, IS_HA: 'false', ...env }));
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('\n');
  });

  it('reads every variable of its own', () => {
    const config = parseAgentConfig('shoot', {
      ...OVERLAPPING,
      IP_FAMILIES: 'IPv4,IPv6',
      IS_SHOOT_CLIENT: 'true',
      VPN_SERVER_INDEX: '1',
      POD_NAME: 'vpn-shoot-0',
      NAMESPACE: 'kube-system',
      OVERLAP_TUNNEL_DEVICE: 'tun1',
      OVERLAP_EGRESS_DEVICE: 'ens3',
      OVERLAP_ENVOY_GID: '1000',
      OVERLAP_BACKEND: 'iptables',
      OVERLAP_SYNC_PERIOD: '0.5',
      OVERLAP_METRICS_ADDRESS: '[::1]:8080',
      OVERLAP_CLEANUP_ON_EXIT: 'FALSE',
      OVERLAP_LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      ipFamilies: ['IPv4', 'IPv6'],
      tunnelDevice: 'tun1',
      egressDevice: 'ens3',
      envoyGid: 1000,
      backend: 'iptables',
      syncPeriodSeconds: 0.5,
      metricsAddress: { host: '::1', port: 8080 },
      cleanupOnExit: false,
      logLevel: 'debug',
      pod: { name: 'vpn-shoot-0', namespace: 'kube-system', vpnServerIndex: 1 },
    });
  });

  it('treats empty values as unset', () => {
    expect(parseAgentConfig('seed', { OVERLAP_BACKEND: '', IS_HA: ' ', OVERLAP_SYNC_PERIOD: '' })).toMatchObject({
      backend: 'auto',
      ha: false,
      syncPeriodSeconds: 30,
    });
  });

  it.each([
    ['SEED_POD_NETWORK', '10.1.0.0/33', 'is not a valid CIDR'],
    ['SHOOT_POD_NETWORKS', '10.1.0.1/16', 'has host bits set'],
    ['SHOOT_NODE_NETWORKS', '242.0.0.0/16', 'reserved'],
    ['IS_HA', 'yes', 'must be true or false'],
    ['IS_SHOOT_CLIENT', 'true', 'contradicts the seed agent'],
    ['IP_FAMILIES', 'IPv5', 'must be IPv4, IPv6 or both'],
    ['IP_FAMILIES', 'IPv4,IPv4', 'must be IPv4, IPv6 or both'],
    ['SHOOT_POD_NETWORKS', '127.0.0.0/16', 'intersects the loopback range'],
    ['SHOOT_NODE_NETWORKS', '224.0.0.0/24', 'intersects the multicast range'],
    ['SHOOT_SERVICE_NETWORKS', '169.254.0.0/20', 'intersects the link-local range'],
    ['VPN_SERVER_INDEX', '-1', 'must be an integer'],
    ['OVERLAP_TUNNEL_DEVICE', 'tun+0', 'is not a valid interface name'],
    ['OVERLAP_TUNNEL_DEVICE', '*', 'is not a valid interface name or prefix pattern'],
    ['OVERLAP_TUNNEL_DEVICE', 'a-very-long-device-name', 'is not a valid interface name'],
    ['OVERLAP_EGRESS_DEVICE', 'eth 0', 'is not a valid interface name'],
    ['OVERLAP_ENVOY_GID', '0x10', 'must be an integer'],
    ['OVERLAP_ENVOY_GID', '4294967295', 'is not a valid group id'],
    ['OVERLAP_BACKEND', 'ipvs', 'must be one of auto, iptables, nftables'],
    ['OVERLAP_SYNC_PERIOD', '0', 'must be a number of seconds'],
    ['OVERLAP_SYNC_PERIOD', '1e3', 'must be a number of seconds'],
    ['OVERLAP_SYNC_PERIOD', '86401', 'must be a number of seconds'],
    ['OVERLAP_METRICS_ADDRESS', '9150', 'must be host:port'],
    ['OVERLAP_METRICS_ADDRESS', '0.0.0.0:70000', 'must be host:port'],
    ['OVERLAP_METRICS_ADDRESS', '::1:80', 'must be host:port'],
    ['OVERLAP_METRICS_ADDRESS', 'no-such-host.invalid:9150', 'must have an IP address as host'],
    ['OVERLAP_METRICS_ADDRESS', 'localhost:9150', 'must have an IP address as host'],
    ['OVERLAP_SYNC_PERIOD', '0.0001', 'must be a number of seconds from 0.5 to 86400'],
    ['OVERLAP_ENVOY_GID', '0', 'is the root group'],
    ['OVERLAP_CLEANUP_ON_EXIT', '0', 'must be true or false'],
    ['OVERLAP_LOG_LEVEL', 'verbose', 'must be one of'],
  ])('refuses %s=%j naming the variable and the value', (name, value, problem) => {
    const error = inputError(() => parseAgentConfig('seed', { ...OVERLAPPING, [name]: value }));
    expect(error.field).toBe(name);
    expect(error.message).toContain(`${name}: ${JSON.stringify(value)}`);
    expect(error.message).toContain(problem);
    expect(error.message).not.toContain('\n');
  });

  it('accepts networks Gardener accepts even where they cannot be translated (the plan explains, the agent serves)', () => {
    const ipv6Overlap = { SEED_POD_NETWORK: 'fd00::/48', SHOOT_POD_NETWORKS: 'fd00:0:0:1::/64' };
    expect(parseAgentConfig('seed', ipv6Overlap).networks.pods.map((c) => c.text)).toEqual(['fd00:0:0:1::/64']);
    const sharedIPv6 = { SEED_POD_NETWORK: 'fd00:10::/48', SHOOT_POD_NETWORKS: '2a05:d014:1:2300::/56', SHOOT_NODE_NETWORKS: '2a05:d014:1:2300::/56' };
    expect(parseAgentConfig('shoot', sharedIPv6).networks.nodes.map((c) => c.text)).toEqual(['2a05:d014:1:2300::/56']);
    // The seed side gets the seed's first family in IP_FAMILIES but the shoot's networks of both families (gardenlet's
    // kube-apiserver vpn-client env, gardener-controller.md §4.2), so a family missing from IP_FAMILIES is no contradiction.
    const seedSideOfDualStack = { IP_FAMILIES: 'IPv4', SEED_POD_NETWORK: '10.1.0.0/16', SHOOT_POD_NETWORKS: '10.1.0.0/16,2a05:d014:1:2300::/56' };
    expect(parseAgentConfig('seed', seedSideOfDualStack).networks.pods).toHaveLength(2);
  });

  it('refuses what Gardener never renders and what could never translate: shoot networks without the seed pod network, HA without networks', () => {
    expect(inputError(() => parseAgentConfig('seed', { SHOOT_POD_NETWORKS: '10.1.0.0/16' })).field).toBe('SEED_POD_NETWORK');
    expect(inputError(() => parseAgentConfig('shoot', { IS_HA: 'true', SEED_POD_NETWORK: '10.1.0.0/16' })).field).toBe('SHOOT_POD_NETWORKS');
    // Non-HA without networks stays valid: Gardener's own vpn-shoot translates there, the agent has nothing to do.
    expect(parseAgentConfig('shoot', { SEED_POD_NETWORK: '10.1.0.0/16' }).ha).toBe(false);
  });

  it('still refuses garbage and reserved ranges, which no shoot can have', () => {
    expect(inputError(() => parseAgentConfig('shoot', { SHOOT_NODE_NETWORKS: '10.250.0.0/33' })).field).toBe('SHOOT_NODE_NETWORKS');
    expect(inputError(() => parseAgentConfig('shoot', { SHOOT_POD_NETWORKS: '242.0.0.0/16' })).message).toBe(
      'SHOOT_POD_NETWORKS: "242.0.0.0/16" intersects the reserved range 240.0.0.0/4',
    );
  });
});

describe('parseCleanupConfig', () => {
  it('needs only the backend and the log level, so a broken environment can still be cleaned up', () => {
    expect(parseCleanupConfig('shoot', { SHOOT_POD_NETWORKS: 'garbage', OVERLAP_BACKEND: 'nftables' })).toEqual({
      role: 'shoot',
      backend: 'nftables',
      logLevel: 'info',
    });
    expect(() => parseCleanupConfig('shoot', { OVERLAP_BACKEND: 'pf' })).toThrow('OVERLAP_BACKEND: "pf"');
  });
});
