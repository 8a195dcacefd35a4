import { describe, expect, it } from 'vitest';
import { InputError } from '@overlap/runtime';
import { ENV_FIELDS, decideOverlap, networksToEnv, parseAddress, parseNetworks, planMappings, translate, tryPlanMappings, untranslate } from '../src/index.ts';

const texts = (networks: ReturnType<typeof planMappings>) => networks.map((m) => `${m.kind} ${m.original.text} ${m.mapped.text}`);

describe('parseNetworks', () => {
  it('accepts Gardener env values and round-trips through networksToEnv', () => {
    const env = {
      SEED_POD_NETWORK: '10.1.0.0/16',
      SHOOT_POD_NETWORKS: '10.1.0.0/16,fd00:1::/64',
      SHOOT_SERVICE_NETWORKS: '10.2.0.0/20',
      SHOOT_NODE_NETWORKS: '10.250.0.0/16',
    };
    const networks = parseNetworks({
      seedPods: env.SEED_POD_NETWORK,
      pods: env.SHOOT_POD_NETWORKS,
      services: env.SHOOT_SERVICE_NETWORKS,
      nodes: env.SHOOT_NODE_NETWORKS,
    });
    expect(networksToEnv(networks)).toEqual(env);
  });

  it.each([
    [{ seedPods: '10.1.0.0/16,10.2.0.0/16' }, 'SEED_POD_NETWORK: "10.1.0.0/16,10.2.0.0/16" must be a single CIDR'],
    [{ seedPods: '241.0.0.0/16' }, 'SEED_POD_NETWORK: "241.0.0.0/16" intersects the reserved range 240.0.0.0/4'],
    [{ pods: '250.1.0.0/16' }, 'SHOOT_POD_NETWORKS: "250.1.0.0/16" intersects the reserved range 240.0.0.0/4'],
    [{ nodes: '224.0.0.0/3' }, 'SHOOT_NODE_NETWORKS: "224.0.0.0/3" intersects the reserved range 240.0.0.0/4'],
    [{ pods: '127.0.0.0/16' }, 'SHOOT_POD_NETWORKS: "127.0.0.0/16" intersects the loopback range 127.0.0.0/8'],
    [{ services: '169.254.0.0/20' }, 'SHOOT_SERVICE_NETWORKS: "169.254.0.0/20" intersects the link-local range 169.254.0.0/16'],
    [{ nodes: '239.1.0.0/24' }, 'SHOOT_NODE_NETWORKS: "239.1.0.0/24" intersects the multicast range 224.0.0.0/4'],
    [{ seedPods: '0.0.0.0/0' }, 'SEED_POD_NETWORK: "0.0.0.0/0" intersects the reserved range 240.0.0.0/4'],
    [{ pods: '0.0.0.0/16' }, 'SHOOT_POD_NETWORKS: "0.0.0.0/16" intersects the "this network" range 0.0.0.0/8'],
    [{ pods: 'fe80::/64' }, 'SHOOT_POD_NETWORKS: "fe80::/64" intersects the link-local range fe80::/10'],
    [{ services: 'fd8f:6d53:b97a:1::/64' }, 'SHOOT_SERVICE_NETWORKS: "fd8f:6d53:b97a:1::/64" intersects the reserved range fd8f:6d53:b97a:1::/96'],
  ])('refuses %j', (raw, message) => {
    expect(() => parseNetworks(raw)).toThrow(new InputError('x', 'x', 'x').constructor);
    expect(() => parseNetworks(raw)).toThrow(message);
  });

  it('accepts IPv6 ranges shared or contained across and within kinds: they are never translated', () => {
    // AWS and GCP dual-stack shoots report the subnet's IPv6 range as both pods and nodes.
    const networks = parseNetworks({
      seedPods: '10.1.0.0/16',
      pods: '10.1.0.0/16,2a05:d014:1:2300::/56',
      services: '10.2.0.0/20,fd00:2::/108',
      nodes: '10.250.0.0/16,2a05:d014:1:2300::/56,2a05:d014:1:2300::/64',
    });
    expect(networks.nodes.map((c) => c.text)).toEqual(['10.250.0.0/16', '2a05:d014:1:2300::/56', '2a05:d014:1:2300::/64']);
    expect(texts(planMappings(networks))).toEqual([
      'pods 10.1.0.0/16 244.0.0.0/16',
      'services 10.2.0.0/20 243.0.0.0/20',
      'nodes 10.250.0.0/16 242.0.0.0/16',
      'seedPods 10.1.0.0/16 241.1.0.0/16',
    ]);
  });

  it('leaves translation problems to planMappings, so an agent that translates nothing can still run', () => {
    expect(() => parseNetworks({ pods: '10.1.0.0/16', nodes: '10.1.128.0/17' })).not.toThrow();
    expect(() => parseNetworks({ seedPods: 'fd00::/48', pods: 'fd00::/64' })).not.toThrow();
    expect(() => parseNetworks({ pods: '10.0.0.0/7' })).not.toThrow();
  });

  it("uses the caller's field names in errors", () => {
    const fields = { ...ENV_FIELDS, pods: 'spec.shoot.spec.networking.pods' };
    expect(() => parseNetworks({ pods: 'x' }, fields)).toThrow('spec.shoot.spec.networking.pods: "x" is not a valid CIDR');
  });
});

describe('decideOverlap', () => {
  it('compares only the seed pod network with every shoot kind', () => {
    const decision = decideOverlap(parseNetworks({ seedPods: '10.0.0.0/8', pods: '10.1.0.0/16', services: '192.168.0.0/20', nodes: '10.250.0.0/16' }));
    expect(decision.overlap).toBe(true);
    expect(decision.overlapping.map((o) => `${o.kind} ${o.cidr.text}`)).toEqual(['pods 10.1.0.0/16', 'nodes 10.250.0.0/16']);
    expect(decision.reason).toBe('the seed pod network 10.0.0.0/8 overlaps shoot pod network 10.1.0.0/16, shoot node network 10.250.0.0/16');
  });

  it('says why there is no overlap', () => {
    expect(decideOverlap(parseNetworks({ seedPods: '10.1.0.0/16', pods: '10.2.0.0/16' })).reason).toBe(
      'no shoot network overlaps the seed pod network 10.1.0.0/16',
    );
    expect(decideOverlap(parseNetworks({ pods: '10.2.0.0/16' })).overlap).toBe(false);
  });

  it('never sees an overlap across families', () => {
    expect(decideOverlap(parseNetworks({ seedPods: '10.1.0.0/16', pods: 'fd00::/64' })).overlap).toBe(false);
  });
});

describe('planMappings', () => {
  it.each([
    [
      { pods: '10.1.0.0/16', nodes: '10.1.128.0/17' },
      'SHOOT_NODE_NETWORKS: "10.1.128.0/17" overlaps 10.1.0.0/16 of SHOOT_POD_NETWORKS; shoot networks must be disjoint',
    ],
    [
      { nodes: '10.250.0.0/16,10.250.3.0/24' },
      'SHOOT_NODE_NETWORKS: "10.250.3.0/24" overlaps 10.250.0.0/16 of SHOOT_NODE_NETWORKS; shoot networks must be disjoint',
    ],
    [
      { seedPods: 'fd00::/48', pods: 'fd00::/64' },
      'SHOOT_POD_NETWORKS: "fd00::/64" overlaps the seed pod network fd00::/48; only IPv4 overlaps can be translated',
    ],
  ])('refuses what cannot be translated: %j', (raw, message) => {
    expect(() => planMappings(parseNetworks(raw))).toThrow(InputError);
    expect(() => planMappings(parseNetworks(raw))).toThrow(message);
    const plan = tryPlanMappings(parseNetworks(raw));
    expect(plan.translatable).toBe(false);
    expect(plan.translatable ? '' : plan.problem.message).toBe(message);
  });

  it('tryPlanMappings returns the same mappings as planMappings when they exist', () => {
    const networks = parseNetworks({ seedPods: '10.1.0.0/16', pods: '10.1.0.0/16' });
    expect(tryPlanMappings(networks)).toEqual({ translatable: true, mappings: planMappings(networks) });
  });

  it("packs Gardener's example: largest first, aligned, ties in input order", () => {
    const networks = parseNetworks({ nodes: '10.99.14.0/24,10.100.0.0/16,10.99.15.0/24' });
    expect(texts(planMappings(networks))).toEqual(['nodes 10.100.0.0/16 242.0.0.0/16', 'nodes 10.99.14.0/24 242.1.0.0/24', 'nodes 10.99.15.0/24 242.1.1.0/24']);
  });

  it("aligns a smaller block after a larger one and keeps the seed pods' low bits in 241/8", () => {
    const networks = parseNetworks({
      seedPods: '100.96.0.0/11',
      pods: '100.96.0.0/11',
      services: '100.64.0.0/13,10.9.0.0/24,10.8.0.0/20',
    });
    expect(texts(planMappings(networks))).toEqual([
      'pods 100.96.0.0/11 244.0.0.0/11',
      'services 100.64.0.0/13 243.0.0.0/13',
      'services 10.8.0.0/20 243.8.0.0/20',
      'services 10.9.0.0/24 243.8.16.0/24',
      'seedPods 100.96.0.0/11 241.96.0.0/11',
    ]);
  });

  it('translates IPv4 only in dual-stack', () => {
    const networks = parseNetworks({ seedPods: '10.1.0.0/16', pods: '10.1.0.0/16,fd00:1::/64' });
    expect(texts(planMappings(networks))).toEqual(['pods 10.1.0.0/16 244.0.0.0/16', 'seedPods 10.1.0.0/16 241.1.0.0/16']);
    expect(planMappings(parseNetworks({ seedPods: 'fd00::/48', pods: 'fd01::/64' }))).toEqual([]);
  });

  it('refuses what cannot be mapped, naming the field', () => {
    expect(() => planMappings(parseNetworks({ pods: '10.0.0.0/7' }))).toThrow(
      'SHOOT_POD_NETWORKS: "10.0.0.0/7" is larger than its mapped range 244.0.0.0/8 can hold',
    );
    expect(() => planMappings(parseNetworks({ nodes: '10.0.0.0/8,11.0.0.0/24' }))).toThrow(
      'SHOOT_NODE_NETWORKS: "10.0.0.0/8,11.0.0.0/24" do not fit together into the mapped range 242.0.0.0/8',
    );
    expect(() => planMappings(parseNetworks({ seedPods: '10.0.0.0/7' }))).toThrow(
      'SEED_POD_NETWORK: "10.0.0.0/7" is larger than its mapped range 241.0.0.0/8 can hold',
    );
  });
});

describe('translate', () => {
  const mappings = planMappings(parseNetworks({ seedPods: '10.1.0.0/16', pods: '10.1.0.0/16', services: '10.2.0.0/20', nodes: '10.250.0.0/24' }));
  const a = (s: string) => parseAddress(s, 'a');

  it('keeps the host bits (NETMAP) both ways', () => {
    expect(translate(mappings, a('10.1.5.20')).text).toBe('244.0.5.20');
    expect(translate(mappings, a('10.2.0.10')).text).toBe('243.0.0.10');
    expect(translate(mappings, a('10.250.0.7')).text).toBe('242.0.0.7');
    expect(untranslate(mappings, a('241.1.0.10')).text).toBe('10.1.0.10');
    expect(untranslate(mappings, a('244.0.5.20')).text).toBe('10.1.5.20');
  });

  it('refuses addresses outside every mapping', () => {
    expect(() => translate(mappings, a('192.168.1.1'))).toThrow('192.168.1.1 is not inside any original network of the mappings');
    expect(() => untranslate(mappings, a('244.1.0.1'))).toThrow('244.1.0.1 is not inside any mapped network of the mappings');
    expect(() => translate(mappings, a('fd00::1'))).toThrow('fd00::1 is not inside any original network');
  });
});
