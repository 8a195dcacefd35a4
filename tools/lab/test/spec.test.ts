import { describe, expect, it } from 'vitest';
import { INTERACTIVE_LAB, type LabOptions, hostAddress, labSpec, namespaceList, throwawayLab } from '../src/index.ts';
import { parseCidr } from '@overlap/cidr';
import { InputError } from '@overlap/runtime';

const noOverlap: LabOptions = { ...INTERACTIVE_LAB, shootPodNetworks: '100.96.0.0/16', shootServiceNetworks: '100.64.0.0/16' };

describe('labSpec', () => {
  it('derives the interactive lab: overlap, both sides translate, recognisable addresses', () => {
    const spec = labSpec(INTERACTIVE_LAB);
    expect(spec.decision.overlap).toBe(true);
    expect(spec.translates).toEqual({ seed: true, shoot: true });
    expect(spec.mappings.map((m) => `${m.kind} ${m.original.text} ${m.mapped.text}`)).toEqual([
      'pods 10.1.0.0/16 244.0.0.0/16',
      'services 10.2.0.0/16 243.0.0.0/16',
      'nodes 10.250.0.0/16 242.0.0.0/16',
      'seedPods 10.1.0.0/16 241.1.0.0/16',
    ]);
    expect(spec.addresses).toEqual({
      kubeApiserver: '10.1.0.10',
      secondKubeApiserver: '10.1.0.11',
      monitorOnSeedPods: '10.1.0.2',
      podGateway: '10.1.0.1',
      vpnShoot: '10.1.7.7',
      shootPod: '10.1.5.20',
      service: '10.2.0.10',
      nodes: ['10.250.0.5'],
    });
    expect(spec.targets.map((t) => `${t.label} ${t.address}:${t.port}`)).toEqual([
      'shoot pod 10.1.5.20:8080',
      'shoot service 10.2.0.10:80',
      'shoot node 10.250.0.5:10250',
    ]);
    expect(namespaceList(spec)).toEqual(['ovl-lab-seed', 'ovl-lab-vpn-shoot', 'ovl-lab-node', 'ovl-lab-pod', 'ovl-lab-monitor']);
  });

  it('HA without overlap: nobody translates and there are no mappings', () => {
    const spec = labSpec(noOverlap);
    expect(spec.decision.overlap).toBe(false);
    expect(spec.translates).toEqual({ seed: false, shoot: false });
    expect(spec.mappings).toEqual([]);
    expect(spec.addresses.shootPod).toBe('100.96.5.20');
  });

  it('one target per node network', () => {
    const spec = labSpec({ ...INTERACTIVE_LAB, shootNodeNetworks: '10.249.0.0/16,10.250.0.0/16' });
    expect(spec.targets.filter((t) => t.kind === 'nodes').map((t) => t.address)).toEqual(['10.249.0.5', '10.250.0.5']);
    expect(spec.mappings.filter((m) => m.kind === 'nodes').map((m) => m.mapped.text)).toEqual(['242.0.0.0/16', '242.1.0.0/16']);
  });

  it.each([
    [{ prefix: 'Ovl lab' }, 'prefix'],
    [{ syncPeriodSeconds: 0 }, 'syncPeriodSeconds'],
    [{ scrapeIntervalSeconds: 1.5 }, 'scrapeIntervalSeconds'],
    [{ seedPodNetwork: '' }, 'SEED_POD_NETWORK'],
    [{ shootPodNetworks: '10.1.0.0/33' }, 'SHOOT_POD_NETWORKS'],
    [{ shootPodNetworks: '10.1.0.0/24' }, 'SHOOT_POD_NETWORKS'],
    [{ shootServiceNetworks: '' }, 'SHOOT_SERVICE_NETWORKS'],
    [{ shootNodeNetworks: '243.0.0.0/16' }, 'SHOOT_NODE_NETWORKS'],
    [{ ...noOverlap, ha: false }, 'ha'],
  ] as Array<[Partial<LabOptions>, string]>)('refuses %o naming the field %s', (change, field) => {
    expect(() => labSpec({ ...INTERACTIVE_LAB, ...change })).toThrow(expect.objectContaining({ name: 'InputError', field }));
  });
});

describe('hostAddress', () => {
  const net = parseCidr('10.1.0.0/24', 'test');
  it('adds the offset to the network address', () => expect(hostAddress(net, 20, 'f')).toBe('10.1.0.20'));
  it('refuses an offset that reaches the broadcast address', () => {
    expect(() => hostAddress(net, 255, 'f')).toThrow(InputError);
    expect(hostAddress(net, 254, 'f')).toBe('10.1.0.254');
  });
  it('refuses IPv6', () => expect(() => hostAddress(parseCidr('fd00::/64', 'x'), 1, 'f')).toThrow(/must be IPv4/));
});

describe('throwawayLab', () => {
  it('never shares a prefix or run directory with the interactive lab or another run', () => {
    const [a, b] = [throwawayLab('e2e'), throwawayLab('e2e')];
    expect(a.prefix).toMatch(/^ovl-e2e-[0-9a-f]{6}-$/);
    expect(a.prefix.startsWith(INTERACTIVE_LAB.prefix)).toBe(false);
    expect(a.runDir).not.toBe(INTERACTIVE_LAB.runDir);
    expect(a.prefix).not.toBe(b.prefix);
    expect(labSpec(a).namespaces.seed).toBe(`${a.prefix}seed`);
  });
});

describe('labSpec for a dual-stack shoot (AWS: one IPv6 range for pods and nodes)', () => {
  const dualStack: LabOptions = {
    ...INTERACTIVE_LAB,
    ipFamilies: 'IPv4,IPv6',
    shootPodNetworks: '10.1.0.0/16,2a05:d018:1a2:6f00::/64',
    shootNodeNetworks: '10.250.0.0/16,2a05:d018:1a2:6f00::/64',
  };

  it('translates IPv4 only and gives the shoot side IPv6 addresses at the IPv4 offsets', () => {
    const spec = labSpec(dualStack);
    expect(spec.mappings.map((m) => m.original.text)).toEqual(['10.1.0.0/16', '10.2.0.0/16', '10.250.0.0/16', '10.1.0.0/16']);
    expect(spec.addresses.nodes).toEqual(['10.250.0.5']);
    expect(spec.addresses.ipv6).toEqual({ shootPod: '2a05:d018:1a2:6f00::5:20', vpnShoot: '2a05:d018:1a2:6f00::7:7', node: '2a05:d018:1a2:6f00::5' });
  });

  it('needs ipFamilies to match the networks', () => {
    expect(() => labSpec({ ...dualStack, ipFamilies: 'IPv4' })).toThrow(/ipFamilies.*set IPv4,IPv6/);
    expect(() => labSpec({ ...INTERACTIVE_LAB, ipFamilies: 'IPv4,IPv6' })).toThrow(/ipFamilies.*needs an IPv6 range/);
  });
});
