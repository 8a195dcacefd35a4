// The route check against the kernel's own listing: real routes of every shape in a namespace of its own, read
// with the one command the sync runs, then judged.
import { parseCidr } from '@overlap/cidr';
import { routeDependencies } from '@overlap/natrules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { CommandRunner } from '@overlap/runtime';
import { NEEDS_ROOT, type Namespace, addTunnel, createNamespace, isRoot } from '@overlap/test-support';
import { checkDependencies, describeMissingRoutes, ownedRoutesIn, readRouteTable } from '../src/index.ts';
import { podNamespace } from './kernel.ts';

const text = (r: { destination: { text: string }; type: string; devices: readonly string[]; protocol: string | undefined }) =>
  `${r.type} ${r.destination.text} ${r.devices.join(',')} ${r.protocol ?? '-'}`;

describe.skipIf(!isRoot)(`route check on real routes (${isRoot ? 'root' : NEEDS_ROOT})`, () => {
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

/**
 * vpn2 0c5168f and later: the shoot routes go once through a resilient nexthop group of one device nexthop per
 * `bond0-ip6tnl<i>` (ids 400 and 4000+i), and a failover only changes the members' weights. Nexthops need a
 * carrier, which a tun device without a reader lacks, so veth pairs stand in for the ip6tnl devices here.
 */
const COMPAT_MODES = existsSync('/proc/sys/net/ipv4/nexthop_compat_mode') ? ['1', '0'] : [undefined];

describe.skipIf(!isRoot)(`route check on routes through a real nexthop group (${isRoot ? 'root' : NEEDS_ROOT})`, () => {
  describe.each(COMPAT_MODES)('net.ipv4.nexthop_compat_mode=%s', (compat) => {
    let ns: Namespace;
    const commands: string[] = [];
    const recording: CommandRunner = (argv, options) => {
      commands.push(argv.join(' '));
      return ns.run(argv, options);
    };
    const group = (members: string) =>
      ns.run(['ip', 'nexthop', 'replace', 'id', '400', 'group', members, 'type', 'resilient', 'buckets', '512', 'idle_timer', '10', 'unbalanced_timer', '30']);
    const seedChecks = async () => {
      const mapped = (kind: 'pods' | 'services', original: string, block: string) => ({
        kind,
        original: parseCidr(original, 'x'),
        mapped: parseCidr(block, 'x'),
      });
      const mappings = [mapped('pods', '10.1.0.0/16', '244.0.0.0/16'), mapped('services', '10.2.0.0/20', '243.0.0.0/20')];
      const deps = routeDependencies({ role: 'seed', mappings, tunnelDevice: 'bond0+', egressDevice: 'eth0', envoyGid: 31415 });
      return checkDependencies(deps, await readRouteTable(recording)).map((c) => [c.dependency.destination.text, c.problem]);
    };

    beforeAll(async () => {
      ns = await createNamespace('nhid');
      if (compat !== undefined) await ns.run(['sysctl', '-q', '-w', `net.ipv4.nexthop_compat_mode=${compat}`]);
      for (const [dev, peer] of [
        ['bond0-ip6tnl0', 'p0'],
        ['bond0-ip6tnl1', 'p1'],
        ['eth0', 'pe'],
      ] as const) {
        await ns.run(['ip', 'link', 'add', dev, 'type', 'veth', 'peer', 'name', peer]);
        for (const d of [dev, peer]) await ns.run(['ip', 'link', 'set', d, 'up']);
      }
      await ns.run(['ip', 'route', 'add', '243.0.0.0/8', 'dev', 'bond0-ip6tnl0']);
    });
    afterAll(async () => {
      await ns?.delete();
    });

    it('reads the nexthop objects only when a route forwards through one', async () => {
      expect(await seedChecks()).toEqual([
        ['244.0.0.0/16', 'no route'],
        ['243.0.0.0/20', undefined],
      ]);
      expect(commands.splice(0)).toEqual(['ip -N -j -4 route show table main']);
      for (const [id, dev] of [
        ['4000', 'bond0-ip6tnl0'],
        ['4001', 'bond0-ip6tnl1'],
        ['4009', 'eth0'],
      ] as const) {
        await ns.run(['ip', 'nexthop', 'add', 'id', id, 'dev', dev]);
      }
      await group('4000,1/4001,1');
      await ns.run(['ip', 'route', 'add', '244.0.0.0/8', 'nhid', '400']);
      await ns.run(['ip', 'route', 'replace', '243.0.0.0/8', 'nhid', '4001']);
      expect(await seedChecks()).toEqual([
        ['244.0.0.0/16', undefined],
        ['243.0.0.0/20', undefined],
      ]);
      expect(commands.splice(0)).toEqual(['ip -N -j -4 route show table main', 'ip -N -j nexthop show']);
      const table = await readRouteTable(ns.run);
      expect(table.find((r) => r.destination.text === '244.0.0.0/8')).toMatchObject({ nexthopId: 400, devices: ['bond0-ip6tnl0', 'bond0-ip6tnl1'] });
      // Expected from the last read: both read side by side, the same table.
      expect(await readRouteTable(recording, { nexthopsExpected: true })).toEqual(table);
      expect(commands.splice(0).toSorted()).toEqual(['ip -N -j -4 route show table main', 'ip -N -j nexthop show']);
    });

    it('stays in place across a failover (weights only; vpn2 uses 1 against 1024, iproute2 6.1 stops at 256)', async () => {
      await group('4000,1/4001,256');
      expect((await seedChecks()).map(([, problem]) => problem)).toEqual([undefined, undefined]);
    });

    it('names a group member elsewhere and a group gone wrong', async () => {
      await group('4000,256/4009,1');
      expect(await seedChecks()).toEqual([
        ['244.0.0.0/16', 'routed by 244.0.0.0/8 nhid 400 dev bond0-ip6tnl0,eth0'],
        ['243.0.0.0/20', undefined],
      ]);
      await ns.run(['ip', 'nexthop', 'add', 'id', '5', 'blackhole']);
      await ns.run(['ip', 'route', 'replace', '243.0.0.0/8', 'nhid', '5']);
      expect((await seedChecks())[1]).toEqual(['243.0.0.0/20', 'routed by blackhole 243.0.0.0/8 nhid 5']);
    });
  });
});
