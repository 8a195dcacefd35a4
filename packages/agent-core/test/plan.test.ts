import { describe, expect, it } from 'vitest';
import { mappingsPerKind, parseAgentConfig, planAgent } from '../src/index.ts';

const NETWORKS = {
  SEED_POD_NETWORK: '10.1.0.0/16',
  SHOOT_POD_NETWORKS: '10.1.0.0/16,100.96.0.0/11',
  SHOOT_SERVICE_NETWORKS: '10.2.0.0/20',
  SHOOT_NODE_NETWORKS: '10.250.0.0/24,10.251.0.0/24',
};
const NO_OVERLAP = { ...NETWORKS, SHOOT_POD_NETWORKS: '100.96.0.0/11' };

const plan = (role: 'seed' | 'shoot', env: Record<string, string>) => planAgent(parseAgentConfig(role, env));

describe('planAgent', () => {
  it('translates on both sides of an HA shoot with an overlap, with identical mappings', () => {
    const seed = plan('seed', { ...NETWORKS, IS_HA: 'true' });
    const shoot = plan('shoot', { ...NETWORKS, IS_HA: 'true' });
    expect(seed.natExpected && shoot.natExpected).toBe(true);
    expect(seed.mappings).toEqual(shoot.mappings);
    expect(mappingsPerKind(seed.mappings)).toEqual({ pods: 2, services: 1, nodes: 2, seedPods: 1 });
    expect(seed.desired.rules.length).toBeGreaterThan(0);
    // HA: Gardener's controllers own the routes; each side only depends on the other side's mapped blocks.
    expect(seed.routes).toEqual([]);
    expect(shoot.routes).toEqual([]);
    expect(seed.routeDependencies.map((d) => `${d.destination.text} ${d.coverage} ${d.devicePattern} ${d.owner}`).sort()).toEqual(
      ['244.0.0.0/11', '244.32.0.0/16', '243.0.0.0/20', '242.0.0.0/24', '242.0.1.0/24'].map((d) => `${d} whole bond0+ vpn-path-controller`).sort(),
    );
    expect(shoot.routeDependencies.map((d) => `${d.destination.text} ${d.coverage} ${d.devicePattern} ${d.owner}`)).toEqual([
      '241.1.0.0/16 some bond0+ tunnel-controller',
    ]);
    expect(seed.desired.rules.some((r) => r.match.outInterface === 'bond0+')).toBe(true);
  });

  it("point-to-point (not HA): each side routes the other side's mapped blocks into its one tunnel device", () => {
    const seed = plan('seed', NETWORKS);
    const shoot = plan('shoot', NETWORKS);
    expect(seed.routes.map((r) => `${r.destination.text} ${r.device}`)).toContain('244.32.0.0/16 tun0');
    expect(shoot.routes.map((r) => `${r.destination.text} ${r.device}`)).toEqual(['241.1.0.0/16 tun0']);
    expect(seed.routeDependencies).toEqual([]);
    expect(shoot.routeDependencies).toEqual([]);
  });

  it('installs nothing on either side of an HA shoot without an overlap', () => {
    for (const role of ['seed', 'shoot'] as const) {
      const result = plan(role, { ...NO_OVERLAP, IS_HA: 'true' });
      expect(result).toMatchObject({ natExpected: false, mappings: [], routes: [], routeDependencies: [] });
      expect(result.desired.rules).toEqual([]);
      expect(result.decision.reason).toContain('no shoot network overlaps');
    }
  });

  it('translates on the shoot side of a non-HA shoot even without an overlap (Gardener vpn-shoot rule)', () => {
    expect(plan('shoot', NO_OVERLAP).natExpected).toBe(true);
    expect(plan('seed', NO_OVERLAP).natExpected).toBe(false);
  });

  it('does not refuse an HA shoot without overlap for networks that would not pack', () => {
    // Two /8 pod networks cannot both go into 244.0.0.0/8, but nothing is translated here.
    const env = { SEED_POD_NETWORK: '10.1.0.0/16', SHOOT_POD_NETWORKS: '20.0.0.0/8,30.0.0.0/8', IS_HA: 'true' };
    expect(plan('seed', env).natExpected).toBe(false);
    expect(plan('seed', env).problem).toBeUndefined();
  });

  it.each([
    [
      'IPv4 networks that do not fit their block (non-HA shoot side always translates)',
      { SEED_POD_NETWORK: '10.1.0.0/16', SHOOT_POD_NETWORKS: '20.0.0.0/8,30.0.0.0/8', IS_HA: 'false' },
      'SHOOT_POD_NETWORKS: "20.0.0.0/8,30.0.0.0/8" do not fit together into the mapped range 244.0.0.0/8',
    ],
    [
      'an IPv6 shoot network inside the IPv6 seed pod network',
      { SEED_POD_NETWORK: 'fd00:10::/48', SHOOT_POD_NETWORKS: 'fd00:10:0:1::/64', IS_HA: 'true' },
      'SHOOT_POD_NETWORKS: "fd00:10:0:1::/64" overlaps the seed pod network fd00:10::/48; only IPv4 overlaps can be translated',
    ],
    [
      'IPv4 shoot networks of two kinds that overlap',
      { SEED_POD_NETWORK: '10.1.0.0/16', SHOOT_POD_NETWORKS: '10.1.0.0/16', SHOOT_NODE_NETWORKS: '10.1.0.0/24', IS_HA: 'true' },
      'SHOOT_NODE_NETWORKS: "10.1.0.0/24" overlaps 10.1.0.0/16 of SHOOT_POD_NETWORKS; shoot networks must be disjoint',
    ],
  ])('plans nothing but explains why for %s, instead of throwing', (_, env, problem) => {
    for (const role of ['seed', 'shoot'] as const) {
      const result = plan(role, env);
      if (!result.natExpected) continue;
      expect(result).toMatchObject({ problem, mappings: [], routes: [] });
      expect(result.desired.rules).toEqual([]);
    }
    expect(plan('shoot', env).natExpected).toBe(true);
  });

  it('translates the IPv4 part of an AWS dual-stack shoot whose IPv6 pod and node ranges are the same', () => {
    // provider-aws reports the subnet's IPv6 /56 as both pods and nodes in status.networking; gardenlet passes
    // both lists on unchanged (ToNetworks never requires them to be disjoint).
    const env = {
      SEED_POD_NETWORK: '100.96.0.0/11',
      SHOOT_POD_NETWORKS: '100.96.0.0/11,2a05:d014:1:2300::/56',
      SHOOT_SERVICE_NETWORKS: '100.64.0.0/13,fd00:2::/108',
      SHOOT_NODE_NETWORKS: '10.250.0.0/16,2a05:d014:1:2300::/56',
      IP_FAMILIES: 'IPv4,IPv6',
      IS_HA: 'true',
    };
    for (const role of ['seed', 'shoot'] as const) {
      const result = plan(role, env);
      expect(result.problem).toBeUndefined();
      expect(mappingsPerKind(result.mappings)).toEqual({ pods: 1, services: 1, nodes: 1, seedPods: 1 });
    }
  });

  it('translates only the IPv4 part of a dual-stack shoot', () => {
    const result = plan('seed', {
      ...NETWORKS,
      IS_HA: 'true',
      IP_FAMILIES: 'IPv4,IPv6',
      SHOOT_POD_NETWORKS: '10.1.0.0/16,fd00:10::/56',
    });
    expect(result.mappings.every((m) => m.original.family === 'IPv4')).toBe(true);
    expect(mappingsPerKind(result.mappings).pods).toBe(1);
  });
});
