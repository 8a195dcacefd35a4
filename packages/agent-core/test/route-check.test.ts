import { type Kind, parseCidr } from '@overlap/cidr';
import type { RouteDependency } from '@overlap/natrules';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type KernelRoute,
  checkDependencies,
  checkDependency,
  describeMissingRoutes,
  type Nexthop,
  ownedRoutesIn,
  parseNexthopTable,
  parseRouteTable,
  resolveNexthops,
} from '../src/index.ts';

const route = (destination: string, devices: string[] | string, type = 'unicast', protocol?: string): KernelRoute => ({
  destination: parseCidr(destination, 'test'),
  type,
  devices: typeof devices === 'string' ? [devices] : devices,
  protocol,
});

const dependency = (destination: string, coverage: 'whole' | 'some', kind: Kind = 'pods', devicePattern = 'bond0+'): RouteDependency => ({
  kind,
  destination: parseCidr(destination, 'test'),
  coverage,
  devicePattern,
  owner: coverage === 'whole' ? 'vpn-path-controller' : 'tunnel-controller',
});

const problemOf = (dep: RouteDependency, routes: KernelRoute[]) => checkDependency(dep, routes).problem;

describe('parseRouteTable', () => {
  it('reads unicast, host, default, multipath and typed routes as `ip -N -j -4 route` prints them', () => {
    const stdout = JSON.stringify([
      { dst: 'default', gateway: '192.0.2.1', dev: 'eth0', flags: [] },
      { type: 'blackhole', dst: '241.0.0.0/8', flags: [] },
      // With -N the type comes as the kernel's number (7 = unreachable).
      { type: '7', dst: '240.0.0.0/8', flags: [] },
      { dst: '241.1.2.3', dev: 'bond0ip6tnl0a0b', scope: 'link', flags: [] },
      {
        dst: '242.0.0.0/8',
        flags: [],
        nexthops: [
          { dev: 'bond0-ip6tnl0', weight: 1 },
          { dev: 'bond0-ip6tnl1', weight: 1 },
        ],
      },
      { dst: '243.0.0.0/8', dev: 'bond0', protocol: '79', scope: 'link', flags: [] },
    ]);
    expect(parseRouteTable(stdout)).toEqual([
      route('0.0.0.0/0', 'eth0'),
      route('241.0.0.0/8', [], 'blackhole'),
      route('240.0.0.0/8', [], 'unreachable'),
      route('241.1.2.3/32', 'bond0ip6tnl0a0b'),
      route('242.0.0.0/8', ['bond0-ip6tnl0', 'bond0-ip6tnl1']),
      route('243.0.0.0/8', 'bond0', 'unicast', '79'),
    ]);
    expect(ownedRoutesIn(parseRouteTable(stdout))).toEqual([{ destination: '243.0.0.0/8', device: 'bond0' }]);
  });

  it('reads an empty table and refuses what is not a route list', () => {
    expect(parseRouteTable('')).toEqual([]);
    expect(parseRouteTable('[]\n')).toEqual([]);
    expect(() => parseRouteTable('{"dst":"default"}')).toThrow('expected a JSON array');
    expect(() => parseRouteTable('Error: ipv4: FIB table does not exist.')).toThrow();
  });
});

/** As this kernel (6.18, iproute2 6.1) lists vpn2 0c5168f's objects: device nexthops 4000+i, resilient group 400. */
const VPN2_NEXTHOPS = JSON.stringify([
  { id: 5, blackhole: null, flags: [] },
  {
    id: 400,
    group: [{ id: 4000 }, { id: 4001, weight: 256 }],
    type: 'resilient',
    resilient_args: { buckets: 512, idle_timer: 10, unbalanced_timer: 30, unbalanced_time: 0 },
    flags: [],
  },
  { id: 401, group: [{ id: 4000 }, { id: 4009 }], flags: [] },
  { id: 402, group: [{ id: 5 }], flags: [] },
  { id: 403, group: [{ id: 4000 }, { id: 4999 }], flags: [] },
  { id: 4000, dev: 'bond0-ip6tnl0', scope: '254', flags: [] },
  { id: 4001, dev: 'bond0-ip6tnl1', scope: '254', flags: [] },
  { id: 4009, dev: 'eth0', scope: '254', flags: [] },
  { id: 4010, fdb: null, flags: [] },
]);

describe('routes through nexthop objects (vpn2 0c5168f and later: resilient group, weights switched on failure)', () => {
  it('parses the nexthop objects by id', () => {
    const table = parseNexthopTable(VPN2_NEXTHOPS);
    expect(Object.fromEntries(table)).toEqual({
      5: { kind: 'blackhole' },
      400: { kind: 'group', members: [4000, 4001] },
      401: { kind: 'group', members: [4000, 4009] },
      402: { kind: 'group', members: [5] },
      403: { kind: 'group', members: [4000, 4999] },
      4000: { kind: 'device', device: 'bond0-ip6tnl0' },
      4001: { kind: 'device', device: 'bond0-ip6tnl1' },
      4009: { kind: 'device', device: 'eth0' },
      4010: { kind: 'other' },
    });
    expect(parseNexthopTable('')).toEqual(new Map());
    expect(() => parseNexthopTable('{"id":1}')).toThrow('expected a JSON array');
  });

  it('reads nhid with compat mode on (devices repeated) and off (id only)', () => {
    const on = {
      dst: '244.0.0.0/8',
      nhid: 400,
      flags: [],
      nexthops: [
        { dev: 'bond0-ip6tnl0', weight: 1 },
        { dev: 'bond0-ip6tnl1', weight: 256 },
      ],
    };
    const off = { dst: '243.0.0.0/8', nhid: 400, flags: [] };
    expect(parseRouteTable(JSON.stringify([on, off]))).toEqual([
      { ...route('244.0.0.0/8', ['bond0-ip6tnl0', 'bond0-ip6tnl1']), nexthopId: 400 },
      { ...route('243.0.0.0/8', []), nexthopId: 400 },
    ]);
  });

  const viaNexthop = (destination: string, nexthopId: number, listed: string[] = []): KernelRoute => ({ ...route(destination, listed), nexthopId });
  const pods = dependency('244.0.0.0/16', 'whole');
  const judge = (...routes: KernelRoute[]) => problemOf(pods, resolveNexthops(routes, parseNexthopTable(VPN2_NEXTHOPS)));

  it('judges a route by its nexthop objects, never by what the listing repeats', () => {
    // vpn2's group, healthy (1/1) or after a failover (1/1024): both members are tunnel devices.
    expect(judge(viaNexthop('244.0.0.0/8', 400))).toBeUndefined();
    expect(judge(viaNexthop('244.0.0.0/8', 4001))).toBeUndefined();
    // A member elsewhere gets flows too, whatever its weight.
    expect(judge(viaNexthop('244.0.0.0/8', 401, ['bond0-ip6tnl0']))).toBe('routed by 244.0.0.0/8 nhid 401 dev bond0-ip6tnl0,eth0');
    expect(judge(viaNexthop('244.0.0.0/8', 402))).toBe('routed by blackhole 244.0.0.0/8 nhid 402');
    expect(judge(viaNexthop('244.0.0.0/8', 5))).toBe('routed by blackhole 244.0.0.0/8 nhid 5');
    // Gone between the two reads, or not a device: no device, so wrong until the next sync shows better.
    expect(judge(viaNexthop('244.0.0.0/8', 403, ['bond0-ip6tnl0']))).toBe('routed by 244.0.0.0/8 nhid 403 dev ?');
    expect(judge(viaNexthop('244.0.0.0/8', 777, ['bond0-ip6tnl0']))).toBe('routed by 244.0.0.0/8 nhid 777 dev ?');
    expect(judge(viaNexthop('244.0.0.0/8', 4010))).toBe('routed by 244.0.0.0/8 nhid 4010 dev ?');
    // A more specific route of someone else still wins over the group.
    expect(judge(viaNexthop('244.0.0.0/8', 400), route('244.0.0.0/16', 'bond1'))).toBe('routed by 244.0.0.0/16 dev bond1');
    const shoot = dependency('241.1.0.0/16', 'some', 'seedPods');
    expect(problemOf(shoot, resolveNexthops([viaNexthop('241.1.0.10/32', 400)], parseNexthopTable(VPN2_NEXTHOPS)))).toBeUndefined();
  });

  it('a route through a group is judged as the multipath route over its members, whatever the listing repeats', () => {
    const DEVICES = ['bond0-ip6tnl0', 'bond0-ip6tnl1', 'bond0ip6tnl0a0b', 'eth0', 'bond1'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...DEVICES), { minLength: 1, maxLength: 4 }),
        fc.array(fc.constantFrom(...DEVICES), { maxLength: 3 }),
        fc.constantFrom('244.0.0.0/8', '244.0.0.0/16', '244.0.0.0/24', '0.0.0.0/0'),
        fc.constantFrom<'whole' | 'some'>('whole', 'some'),
        (members, listed, destination, coverage) => {
          const nexthops = new Map<number, Nexthop>(members.map((device, i) => [4000 + i, { kind: 'device', device }]));
          nexthops.set(400, { kind: 'group', members: members.map((_, i) => 4000 + i) });
          const [resolved] = resolveNexthops([viaNexthop(destination, 400, listed)], nexthops);
          const dep = dependency('244.0.0.0/16', coverage);
          expect(resolved!.devices).toEqual(members);
          expect(checkDependency(dep, [resolved!]).problem === undefined).toBe(checkDependency(dep, [route(destination, members)]).problem === undefined);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('checkDependency: whole (seed side, the path controller routes the mapped blocks)', () => {
  const pods = dependency('244.0.0.0/16', 'whole');
  const ok = [
    [route('244.0.0.0/8', 'bond0-ip6tnl0')],
    [route('244.0.0.0/8', 'bond0-ip6tnl1'), route('0.0.0.0/0', 'eth0')],
    [route('244.0.0.0/16', 'bond0-ip6tnl0')],
    [route('244.0.0.0/8', ['bond0-ip6tnl0', 'bond0-ip6tnl1'])],
    // More specific routes inside, all through the tunnels.
    [route('244.0.0.0/8', 'bond0-ip6tnl0'), route('244.0.1.0/24', 'bond0-ip6tnl1')],
    // A wrong route inside that is itself fully covered by right ones never wins.
    [route('244.0.0.0/8', 'bond0-ip6tnl0'), route('244.0.0.0/17', 'eth0'), route('244.0.0.0/18', 'bond0'), route('244.0.64.0/18', 'bond0')],
    // Routes elsewhere do not matter.
    [route('244.0.0.0/8', 'bond0-ip6tnl0'), route('244.1.0.0/16', 'eth0'), route('10.0.0.0/8', 'eth0')],
  ];
  it.each(ok.map((routes) => [routes.map((r) => `${r.destination.text} ${r.devices.join('+')}`).join(', '), routes] as const))('in place: %s', (_, routes) => {
    expect(problemOf(pods, routes)).toBeUndefined();
  });

  it.each([
    [[], 'no route'],
    [[route('10.0.0.0/8', 'eth0')], 'no route'],
    [[route('0.0.0.0/0', 'eth0')], 'routed by 0.0.0.0/0 dev eth0'],
    [[route('244.0.0.0/8', 'bond1')], 'routed by 244.0.0.0/8 dev bond1'],
    [[route('244.0.0.0/8', 'bond1-ip6tnl0')], 'routed by 244.0.0.0/8 dev bond1-ip6tnl0'],
    [[route('244.0.0.0/8', ['bond0-ip6tnl0', 'eth0'])], 'routed by 244.0.0.0/8 dev bond0-ip6tnl0,eth0'],
    [[route('244.0.0.0/8', [], 'blackhole')], 'routed by blackhole 244.0.0.0/8'],
    [[route('244.0.0.0/8', 'bond0-ip6tnl0'), route('244.0.0.0/16', [], 'unreachable')], 'routed by unreachable 244.0.0.0/16'],
    // Someone's more specific route wins over the owner's.
    [[route('244.0.0.0/8', 'bond0-ip6tnl0'), route('244.0.0.0/16', 'tun0')], 'routed by 244.0.0.0/16 dev tun0'],
    [[route('244.0.0.0/8', 'bond0-ip6tnl0'), route('244.0.3.0/24', 'eth0')], 'part of it taken by 244.0.3.0/24 dev eth0'],
    [[route('244.0.0.0/17', 'bond0-ip6tnl0')], 'part of it has no route'],
    [[route('244.0.0.0/17', 'bond0-ip6tnl0'), route('244.0.128.0/17', 'eth0')], 'part of it taken by 244.0.128.0/17 dev eth0'],
    [[route('244.0.0.0/16', 'bond0-ip6tnl0'), route('244.0.0.0/16', 'eth0')], 'routed by 244.0.0.0/16 dev eth0'],
  ] as const)('%# names the problem: %s', (routes, problem) => {
    expect(problemOf(pods, [...routes])).toBe(problem);
  });

  it('matches the device exactly when the pattern is a name', () => {
    const named = dependency('244.0.0.0/16', 'whole', 'pods', 'tun0');
    expect(problemOf(named, [route('244.0.0.0/8', 'tun0')])).toBeUndefined();
    expect(problemOf(named, [route('244.0.0.0/8', 'tun01')])).toBe('routed by 244.0.0.0/8 dev tun01');
  });
});

describe('checkDependency: some (shoot side, the tunnel controller routes each kube-apiserver /32)', () => {
  const seedPods = dependency('241.1.0.0/16', 'some', 'seedPods');
  it.each([
    [[route('241.1.0.10/32', 'bond0ip6tnl0a0b')], undefined],
    [[route('241.1.0.10/32', 'bond0ip6tnl0a0b'), route('241.1.0.11/32', 'eth0')], undefined],
    [[route('241.0.0.0/8', 'bond0')], undefined],
    [[], 'no route into it'],
    [[route('241.2.0.10/32', 'bond0ip6tnl0a0b')], 'no route into it'],
    [[route('241.1.0.10/32', 'eth0'), route('0.0.0.0/0', 'eth0')], 'no route into it'],
    [[route('241.0.0.0/8', [], 'blackhole')], 'no route into it'],
  ] as const)('%# → %s', (routes, problem) => {
    expect(problemOf(seedPods, [...routes])).toBe(problem);
  });
});

describe('describeMissingRoutes', () => {
  it('is silent when everything is in place and names every missing destination, kind, pattern and owner', () => {
    const deps = [dependency('244.0.0.0/16', 'whole'), dependency('243.0.0.0/20', 'whole', 'services')];
    const routes = [route('244.0.0.0/8', 'bond0-ip6tnl0')];
    const checks = checkDependencies(deps, routes);
    expect(checks.map((c) => c.problem)).toEqual([undefined, 'no route']);
    expect(describeMissingRoutes(checks)).toBe('route missing (owned by vpn-path-controller): 243.0.0.0/20 (services) not routed through bond0+: no route');
    expect(describeMissingRoutes(checkDependencies(deps, [...routes, route('243.0.0.0/8', 'bond0-ip6tnl0')]))).toBeUndefined();
    expect(describeMissingRoutes(checkDependencies([dependency('241.1.0.0/16', 'some', 'seedPods')], []))).toBe(
      'route missing (owned by tunnel-controller): 241.1.0.0/16 (seedPods) not with a route back through bond0+: no route into it',
    );
  });
});

/**
 * The oracle: the kernel's longest-prefix match for each address of a small block, one at a time. Routes live in
 * 10.0.0.0/22 with distinct destinations, the block is a /26 to /28 in it, so every address can be visited.
 */
describe('checkDependency whole agrees with a per-address longest-prefix match', () => {
  const DEVICES = ['bond0-ip6tnl0', 'bond0ip6tnl1', 'eth0', 'bond1'];
  const arbitraryRoute = fc.record({
    offset: fc.integer({ min: 0, max: 1023 }),
    prefix: fc.integer({ min: 20, max: 32 }),
    device: fc.constantFrom(...DEVICES),
    blackhole: fc.boolean(),
  });
  const toRoute = ({ offset, prefix, device, blackhole }: { offset: number; prefix: number; device: string; blackhole: boolean }): KernelRoute => {
    const size = 2 ** (32 - prefix);
    const base = 0x0a000000 + Math.floor(offset / size) * size;
    const text = `${[base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join('.')}/${prefix}`;
    return blackhole ? route(text, [], 'blackhole') : route(text, device);
  };

  it('ok exactly when every address is routed through bond0+', () => {
    fc.assert(
      fc.property(fc.array(arbitraryRoute, { maxLength: 8 }), fc.integer({ min: 26, max: 28 }), fc.integer({ min: 0, max: 255 }), (raw, prefix, at) => {
        const routes = [...new Map(raw.map(toRoute).map((r) => [r.destination.text, r])).values()];
        const size = 2 ** (32 - prefix);
        const start = (Math.floor(at / size) * size) >>> 0;
        const dep = dependency(`10.0.0.${start}/${prefix}`, 'whole');
        const everyAddressOk = Array.from({ length: size }, (_, i) => BigInt(0x0a000000 + start + i)).every((address) => {
          const hits = routes.filter((r) => r.destination.address >> BigInt(32 - r.destination.prefix) === address >> BigInt(32 - r.destination.prefix));
          const best = hits.reduce<KernelRoute | undefined>((b, r) => (b === undefined || r.destination.prefix > b.destination.prefix ? r : b), undefined);
          return best !== undefined && best.type === 'unicast' && best.devices[0]!.startsWith('bond0');
        });
        expect(checkDependency(dep, routes).problem === undefined).toBe(everyAddressOk);
      }),
      { numRuns: 500 },
    );
  });
});
