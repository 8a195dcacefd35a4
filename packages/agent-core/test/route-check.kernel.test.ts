// The route check against the kernel's own listing: real routes of every shape in a namespace of its own, read
// with the one command the sync runs, then judged.
import { parseCidr } from '@overlap/cidr';
import { routeDependencies } from '@overlap/natrules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Namespace, checkDependencies, describeMissingRoutes, ownedRoutesIn, readRouteTable } from '../src/index.ts';
import { NOT_ROOT_REASON, addTunnel, isRoot, podNamespace } from './kernel.ts';

const text = (r: { destination: { text: string }; type: string; devices: readonly string[]; protocol: string | undefined }) =>
  `${r.type} ${r.destination.text} ${r.devices.join(',')} ${r.protocol ?? '-'}`;

describe.skipIf(!isRoot)(`route check on real routes (${isRoot ? 'root' : NOT_ROOT_REASON})`, () => {
  let ns: Namespace;
  beforeAll(async () => {
    // eth0 10.1.0.10/16 plus tun devices named as Gardener's ip6tnl devices (this kernel has no ip6tnl).
    ns = await podNamespace('bond0-ip6tnl0');
    await addTunnel(ns.run, 'bond0-ip6tnl1');
    for (const route of [
      ['default', 'dev', 'eth0'],
      ['244.0.0.0/8', 'dev', 'bond0-ip6tnl0'],
      ['243.0.0.0/8', 'nexthop', 'dev', 'bond0-ip6tnl0', 'nexthop', 'dev', 'bond0-ip6tnl1'],
      ['blackhole', '242.0.0.0/8'],
      ['241.1.0.10', 'dev', 'bond0-ip6tnl1'],
      ['244.0.3.0/24', 'dev', 'eth0', 'proto', '79'],
    ]) {
      await ns.run(['ip', 'route', 'add', ...route]);
    }
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it('reads every shape the kernel lists, and our protocol as a number', async () => {
    const table = await readRouteTable(ns.run);
    expect(table.map(text)).toEqual(
      expect.arrayContaining([
        'unicast 0.0.0.0/0 eth0 -',
        'unicast 244.0.0.0/8 bond0-ip6tnl0 -',
        'unicast 243.0.0.0/8 bond0-ip6tnl0,bond0-ip6tnl1 -',
        'blackhole 242.0.0.0/8  -',
        'unicast 241.1.0.10/32 bond0-ip6tnl1 -',
        'unicast 244.0.3.0/24 eth0 79',
      ]),
    );
    expect(ownedRoutesIn(table)).toEqual([{ destination: '244.0.3.0/24', device: 'eth0' }]);
  });

  it('judges the seed and shoot dependencies of an overlapping shoot from that listing', async () => {
    const table = await readRouteTable(ns.run);
    const mappings = [
      { kind: 'pods' as const, original: parseCidr('10.1.0.0/16', 'x'), mapped: parseCidr('244.0.0.0/16', 'x') },
      { kind: 'services' as const, original: parseCidr('10.2.0.0/20', 'x'), mapped: parseCidr('243.0.0.0/20', 'x') },
      { kind: 'nodes' as const, original: parseCidr('10.250.0.0/24', 'x'), mapped: parseCidr('242.0.0.0/24', 'x') },
      { kind: 'seedPods' as const, original: parseCidr('10.1.0.0/16', 'x'), mapped: parseCidr('241.1.0.0/16', 'x') },
    ];
    const params = (role: 'seed' | 'shoot') => ({ role, mappings, tunnelDevice: 'bond0+', egressDevice: 'eth0', envoyGid: 31415 });
    const seed = checkDependencies(routeDependencies(params('seed')), table);
    expect(seed.map((c) => [c.dependency.destination.text, c.problem])).toEqual([
      ['244.0.0.0/16', 'part of it taken by 244.0.3.0/24 dev eth0'],
      ['243.0.0.0/20', undefined],
      ['242.0.0.0/24', 'routed by blackhole 242.0.0.0/8'],
    ]);
    expect(describeMissingRoutes(seed)).toContain('(owned by vpn-path-controller)');
    expect(checkDependencies(routeDependencies(params('shoot')), table).map((c) => c.problem)).toEqual([undefined]);
  });
});
