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
      ['244.0.0.0/11', '244.32.0.0/16', '243.0.0.0/20', '242.0.0.0/24', '242.0.1.0/24']
        .map((d) => `${d} whole bond0+ vpn-path-controller`)
        .sort(),
    );
    expect(shoot.routeDependencies.map((d) => `${d.destination.text} ${d.coverage} ${d.devicePattern} ${d.owner}`)).toEqual([
      '241.1.0.0/16 some bond0+ tunnel-controller',
    ]);
    expect(seed.desired.rules.some((r) => r.match.outInterface === 'bond0+')).toBe(true);
  });

  it('point-to-point (not HA): each side routes the other side\'s mapped blocks into its one tunnel device', () => {
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
    expect(() => plan('shoot', { ...env, IS_HA: 'false' })).toThrow('SHOOT_POD_NETWORKS');
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
