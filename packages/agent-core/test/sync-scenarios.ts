// The sync against the real kernel, the same scenarios for each backend (one test file per backend, so the two
// run in parallel): every test gets its own network namespace and uses real iptables or nft.
import { APPLY_COMMAND, type Backend, diffRules } from '@overlap/natrules';
import type { CommandRunner } from '@overlap/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Namespace, NEEDS_ROOT, isRoot, addTunnel } from '@overlap/test-support';
import { readLive, teardownRoutes, teardownRules } from '../src/index.ts';
import { OVERLAPPING, OVERLAPPING_HA, breakingApplies, ownedRouteLines, podNamespace, sendAsEnvoy, testAgent, seriesValue } from './kernel.ts';

const SEED_ROUTES = ['242.0.0.0/24 dev tun0', '243.0.0.0/20 dev tun0', '244.0.0.0/16 dev tun0'];

export function syncScenarios(backend: Backend): void {
  describe.skipIf(!isRoot)(`${backend} sync in a network namespace (${isRoot ? 'root' : NEEDS_ROOT})`, () => {
    let ns: Namespace;
    beforeEach(async () => {
      ns = await podNamespace('tun0');
    });
    afterEach(async () => {
      await ns.delete();
    });

    const iptablesSave = async (): Promise<string> => (await ns.run(['iptables-save'])).stdout;
    const inSyncWith = async (agent: ReturnType<typeof testAgent>) => diffRules(agent.plan.desired, await readLive(backend, ns.run)).inSync;

    it('installs rules and routes once; a second agent instance finds them in sync and duplicates nothing', async () => {
      const first = testAgent('seed', backend, ns.run);
      expect(await first.syncer.sync('start')).toEqual({ ready: true, reason: 'in sync' });
      const live = await readLive(backend, ns.run);
      expect(live.rules.map((r) => r.rule?.comment)).toEqual(first.plan.desired.rules.map((r) => r.comment));
      expect(await ownedRouteLines(ns.run)).toEqual(SEED_ROUTES);
      expect(await seriesValue(first.metrics.natActive)).toBe(1);
      expect(await seriesValue(first.metrics.rulesInstalled)).toBe(first.plan.desired.rules.length);

      const restarted = testAgent('seed', backend, ns.run);
      expect((await restarted.syncer.sync('start')).ready).toBe(true);
      const again = await readLive(backend, ns.run);
      expect(again.rules.map((r) => r.text)).toEqual(live.rules.map((r) => r.text));
      expect(again.jumps).toEqual(live.jumps);
      expect(await ownedRouteLines(ns.run)).toEqual(SEED_ROUTES);
      expect(await seriesValue(restarted.metrics.staleRulesRemoved)).toBe(0);
      expect(await seriesValue(restarted.metrics.driftRepairs)).toBe(0);
      if (backend === 'iptables') {
        const save = await iptablesSave();
        for (const hook of ['PREROUTING', 'OUTPUT', 'POSTROUTING']) {
          expect(save.split('\n').filter((l) => l === `-A ${hook} -j OVERLAP-${hook}`)).toHaveLength(1);
        }
      }
    });

    it.runIf(backend === 'iptables')('puts its jump back first when another tool inserts a rule above it', async () => {
      const agent = testAgent('seed', backend, ns.run);
      await agent.syncer.sync('start');
      // An ACCEPT at position 1 would take every new connection before the translation sees it.
      await ns.run(['iptables', '-t', 'nat', '-I', 'OUTPUT', '1', '-d', '10.1.0.0/16', '-j', 'ACCEPT']);
      expect(await inSyncWith(agent)).toBe(false);
      expect((await agent.syncer.sync('timer')).ready).toBe(true);
      const output = (await iptablesSave()).split('\n').filter((l) => l.startsWith('-A OUTPUT '));
      expect(output).toEqual(['-A OUTPUT -j OVERLAP-OUTPUT', '-A OUTPUT -d 10.1.0.0/16 -j ACCEPT']);
      expect(await seriesValue(agent.metrics.driftRepairs)).toBe(1);
    });

    it.runIf(backend === 'nftables')(
      'a table made by someone else between its read and its apply: the create refuses the whole apply, the next sync replaces the table',
      async () => {
        const apply = APPLY_COMMAND.nftables.join(' ');
        let intruded = false;
        const intruding: CommandRunner = async (argv, input, options) => {
          if (!intruded && argv.join(' ').startsWith(apply)) {
            intruded = true;
            await ns.run(['nft', 'add table ip overlap; add chain ip overlap other { type filter hook input priority 0; }']);
          }
          return ns.run(argv, input, options);
        };
        const agent = testAgent('seed', backend, intruding);
        const first = await agent.syncer.sync('start');
        expect(first.ready).toBe(false);
        expect(first.reason).toMatch(/File exists/);
        const live = await readLive(backend, ns.run);
        expect(live.rules).toEqual([]);
        expect(live.foreignChains).toEqual(['other']);
        expect(await agent.syncer.sync('timer')).toEqual({ ready: true, reason: 'in sync' });
        expect(await inSyncWith(agent)).toBe(true);
        expect((await readLive(backend, ns.run)).foreignChains).toBeUndefined();
      },
    );

    it("never replaces someone else's route to one of its destinations, and says which", async () => {
      await ns.run(['ip', 'route', 'add', '244.0.0.0/16', 'dev', 'eth0', 'proto', 'static']);
      const agent = testAgent('seed', backend, ns.run);
      const status = await agent.syncer.sync('start');
      expect(status).toEqual({
        ready: false,
        reason: 'routes of someone else to our destinations, left alone: 244.0.0.0/16 dev eth0 proto static',
      });
      expect((await ns.run(['ip', '-4', 'route', 'show', '244.0.0.0/16'])).stdout).toContain('dev eth0 proto static');
      expect(await ownedRouteLines(ns.run)).toEqual(SEED_ROUTES.filter((r) => !r.startsWith('244.')));
    });

    it('repairs rules removed from outside, counts the drift, and keeps the translation counters monotonic', async () => {
      const agent = testAgent('seed', backend, ns.run);
      await agent.syncer.sync('start');
      const pods = { kind: 'pods', direction: 'forward' };
      await sendAsEnvoy(ns.run, '10.1.5.20', 3);
      await agent.syncer.sync('timer');
      expect(await seriesValue(agent.metrics.translatedPackets, pods)).toBe(3);
      // A read like the last one (nothing counted since) adds nothing; what is counted next goes on top.
      await agent.syncer.sync('timer');
      expect(await seriesValue(agent.metrics.translatedPackets, pods)).toBe(3);
      await sendAsEnvoy(ns.run, '10.1.5.20', 1);
      await agent.syncer.sync('timer');
      expect(await seriesValue(agent.metrics.translatedPackets, pods)).toBe(4);

      if (backend === 'iptables') await ns.run(['iptables', '-t', 'nat', '-F', 'OVERLAP-OUTPUT']);
      else await ns.run(['nft', 'delete', 'table', 'ip', 'overlap']);
      expect(await inSyncWith(agent)).toBe(false);

      expect((await agent.syncer.sync('timer')).ready).toBe(true);
      expect(await inSyncWith(agent)).toBe(true);
      expect(await seriesValue(agent.metrics.driftRepairs)).toBe(1);
      expect(await seriesValue(agent.metrics.staleRulesRemoved)).toBe(0);
      // The re-created rule counts from zero; the exported counter goes on from 4.
      await sendAsEnvoy(ns.run, '10.1.5.20', 2);
      await agent.syncer.sync('timer');
      expect(await seriesValue(agent.metrics.translatedPackets, pods)).toBe(6);
      expect(await seriesValue(agent.metrics.translatedBytes, pods)).toBeGreaterThan(0);
    });

    it('removes the rules and routes of mappings that are gone after a configuration change', async () => {
      await testAgent('seed', backend, ns.run).syncer.sync('start');
      const changed = { ...OVERLAPPING, SHOOT_SERVICE_NETWORKS: '10.3.0.0/22', SHOOT_NODE_NETWORKS: '' };
      const agent = testAgent('seed', backend, ns.run, changed);
      expect((await agent.syncer.sync('start')).ready).toBe(true);
      const comments = (await readLive(backend, ns.run)).rules.map((r) => r.rule?.comment ?? r.text);
      expect(comments.some((c) => c.includes('10.2.0.0/20') || c.includes('10.250.0.0/24'))).toBe(false);
      expect(comments).toContain('overlap services 10.3.0.0/22 243.0.0.0/22 forward');
      expect(await ownedRouteLines(ns.run)).toEqual(['243.0.0.0/22 dev tun0', '244.0.0.0/16 dev tun0']);
      expect(await seriesValue(agent.metrics.staleRulesRemoved)).toBe(2);
      expect(await seriesValue(agent.metrics.driftRepairs)).toBe(0);
    });

    it('without overlap: removes an earlier set, installs nothing, and is ready', async () => {
      await testAgent('seed', backend, ns.run).syncer.sync('start');
      const agent = testAgent('seed', backend, ns.run, { ...OVERLAPPING, SHOOT_POD_NETWORKS: '100.96.0.0/11' });
      expect((await agent.syncer.sync('start')).ready).toBe(true);
      const live = await readLive(backend, ns.run);
      expect(live.chains.length + live.jumps.length + live.rules.length).toBe(0);
      expect(await ownedRouteLines(ns.run)).toEqual([]);
      expect(await seriesValue(agent.metrics.natExpected)).toBe(0);
      expect(await seriesValue(agent.metrics.natActive)).toBe(0);
      expect(await seriesValue(agent.metrics.staleRulesRemoved)).toBe(5);
    });

    it('a failing apply leaves the previous rules in place and counts the failure', async () => {
      const before = testAgent('seed', backend, ns.run);
      await before.syncer.sync('start');
      const changed = { ...OVERLAPPING, SHOOT_SERVICE_NETWORKS: '10.3.0.0/22' };
      const agent = testAgent('seed', backend, breakingApplies(backend, ns.run), changed);
      const status = await agent.syncer.sync('start');
      expect(status.ready).toBe(false);
      expect(status.reason).toMatch(backend === 'iptables' ? /iptables-restore .*exited/ : /nft -f - exited/);
      expect(await inSyncWith(before)).toBe(true);
      expect(await seriesValue(agent.metrics.applyFailures)).toBe(1);
      expect(await seriesValue(agent.metrics.syncs, { result: 'failure' })).toBe(1);
      expect(await seriesValue(agent.metrics.natActive)).toBe(0);
    });

    it('without the tunnel device: rules go in, the sync fails with the reason, and the routes follow the device', async () => {
      const agent = testAgent('seed', backend, ns.run, { ...OVERLAPPING, OVERLAP_TUNNEL_DEVICE: 'tun7' });
      const status = await agent.syncer.sync('start');
      expect(status).toEqual({ ready: false, reason: 'tunnel device tun7 is not there yet; its routes wait for it' });
      expect(await inSyncWith(agent)).toBe(true);
      expect(await ownedRouteLines(ns.run)).toEqual([]);
      await addTunnel(ns.run, 'tun7');
      expect((await agent.syncer.sync('timer')).ready).toBe(true);
      expect(await ownedRouteLines(ns.run)).toHaveLength(3);
    });

    it('with the tunnel device down: the sync says so, and the routes follow once it is up', async () => {
      await ns.run(['ip', 'link', 'set', 'tun0', 'down']);
      const agent = testAgent('seed', backend, ns.run);
      expect(await agent.syncer.sync('start')).toEqual({ ready: false, reason: 'tunnel device tun0 is down; its routes wait for it' });
      expect(await inSyncWith(agent)).toBe(true);
      expect(await ownedRouteLines(ns.run)).toEqual([]);
      await ns.run(['ip', 'link', 'set', 'tun0', 'up']);
      expect((await agent.syncer.sync('timer')).ready).toBe(true);
      expect(await ownedRouteLines(ns.run)).toEqual(SEED_ROUTES);
    });

    it('shoot side: translates, routes the seed pods into tun0 and enables forwarding', async () => {
      const agent = testAgent('shoot', backend, ns.run);
      expect((await ns.run(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('0');
      expect((await agent.syncer.sync('start')).ready).toBe(true);
      expect((await ns.run(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('1');
      expect(await ownedRouteLines(ns.run)).toEqual(['241.1.0.0/16 dev tun0']);
      expect(await inSyncWith(agent)).toBe(true);
    });

    it('dual-stack shoot: the MSS clamp in both families; dropping IPv6 removes its clamp; teardown takes both', async () => {
      const dualStack = {
        ...OVERLAPPING,
        IP_FAMILIES: 'IPv4,IPv6',
        SHOOT_POD_NETWORKS: '10.1.0.0/16,2a05:d014:a41:4300::/56',
        SHOOT_NODE_NETWORKS: '10.250.0.0/24,2a05:d014:a41:4300::/56',
      };
      const agent = testAgent('shoot', backend, ns.run, dualStack);
      expect(await agent.syncer.sync('start')).toEqual({ ready: true, reason: 'in sync' });
      const clamps = async (family: 'IPv4' | 'IPv6') =>
        (await readLive(backend, ns.run, family)).rules.filter((r) => r.rule?.action.type === 'clamp-mss').length;
      expect([await clamps('IPv4'), await clamps('IPv6')]).toEqual([1, 1]);
      expect(diffRules(agent.plan.desiredIPv6, await readLive(backend, ns.run, 'IPv6')).inSync).toBe(true);
      expect(await seriesValue(agent.metrics.rulesInstalled)).toBe(agent.plan.desired.rules.length + 1);
      expect(await seriesValue(agent.metrics.natActive)).toBe(1);

      const ipv4Only = testAgent('shoot', backend, ns.run, { ...dualStack, IP_FAMILIES: 'IPv4' });
      expect((await ipv4Only.syncer.sync('start')).ready).toBe(true);
      expect([await clamps('IPv4'), await clamps('IPv6')]).toEqual([1, 0]);
      expect(await seriesValue(ipv4Only.metrics.staleRulesRemoved)).toBe(1);

      await agent.syncer.sync('start');
      await teardownRules(backend, ns.run);
      for (const family of ['IPv4', 'IPv6'] as const) {
        const live = await readLive(backend, ns.run, family);
        expect(live.chains.length + live.jumps.length + live.rules.length).toBe(0);
      }
    });

    it('teardown removes everything of ours and nothing else', async () => {
      await ns.run(['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', '192.0.2.0/24', '-j', 'MASQUERADE']);
      await ns.run(['nft', 'add table ip foreign; add chain ip foreign c { type nat hook postrouting priority 50; }; add rule ip foreign c masquerade']);
      await ns.run(['ip', 'route', 'add', '198.51.100.0/24', 'dev', 'tun0']);
      await testAgent('seed', backend, ns.run).syncer.sync('start');

      expect(await teardownRules(backend, ns.run)).toMatchObject({ backend, rulesRemoved: 5, chainsRemoved: 3 });
      expect(await teardownRoutes(ns.run)).toBe(3);

      const live = await readLive(backend, ns.run);
      expect(live.chains.length + live.jumps.length + live.rules.length).toBe(0);
      expect(await ownedRouteLines(ns.run)).toEqual([]);
      const save = await iptablesSave();
      expect(save).not.toContain('OVERLAP');
      expect(save).toContain('-A POSTROUTING -s 192.0.2.0/24 -j MASQUERADE');
      expect((await ns.run(['nft', 'list', 'table', 'ip', 'foreign'])).stdout).toContain('masquerade');
      expect((await ns.run(['ip', 'route', 'show', '198.51.100.0/24'])).stdout).toContain('dev tun0');
    });

    const dependencyOk = (agent: ReturnType<typeof testAgent>, destination: string) => seriesValue(agent.metrics.routeDependencyOk, { destination });

    it("HA seed: matches bond0+, removes its old routes, adds none, and is ready only with the path controller's routes", async () => {
      await addTunnel(ns.run, 'bond0-ip6tnl0');
      await addTunnel(ns.run, 'bond0-ip6tnl1');
      // Left by a point-to-point run: more specific than the owner's /8 routes, it would capture their traffic.
      await ns.run(['ip', 'route', 'add', '244.0.0.0/16', 'dev', 'bond0-ip6tnl0', 'proto', '79']);
      const agent = testAgent('seed', backend, ns.run, OVERLAPPING_HA);
      const first = await agent.syncer.sync('start');
      expect(first.ready).toBe(false);
      expect(first.reason).toBe(
        'route missing (owned by vpn-path-controller): 244.0.0.0/16 (pods) not routed through bond0+: no route; ' +
          '243.0.0.0/20 (services) not routed through bond0+: no route; 242.0.0.0/24 (nodes) not routed through bond0+: no route',
      );
      expect(await ownedRouteLines(ns.run)).toEqual([]);
      expect(await inSyncWith(agent)).toBe(true);
      expect(await dependencyOk(agent, '244.0.0.0/16')).toBe(0);
      const rules = (await readLive(backend, ns.run)).rules.map((r) => r.text);
      expect(rules.join('\n')).toContain(backend === 'iptables' ? '-o bond0+' : 'oifname "bond0*"');

      // The path controller routes the mapped /8 blocks through the active path.
      for (const block of ['242.0.0.0/8', '243.0.0.0/8', '244.0.0.0/8']) await ns.run(['ip', 'route', 'replace', block, 'dev', 'bond0-ip6tnl0']);
      expect(await agent.syncer.sync('timer')).toEqual({ ready: true, reason: 'in sync' });
      expect(await dependencyOk(agent, '244.0.0.0/16')).toBe(1);
      // Envoy's packets are translated on the way out of bond0-ip6tnl0: destination by OUTPUT, source by the
      // POSTROUTING rule that matches the device only through bond0+.
      await sendAsEnvoy(ns.run, '10.1.5.20', 2);
      await agent.syncer.sync('timer');
      expect(await seriesValue(agent.metrics.translatedPackets, { kind: 'pods', direction: 'forward' })).toBe(2);
      expect(await seriesValue(agent.metrics.translatedPackets, { kind: 'seedPods', direction: 'forward' })).toBe(2);

      // A path switch: same rules, still ready, nothing reapplied.
      for (const block of ['242.0.0.0/8', '243.0.0.0/8', '244.0.0.0/8']) await ns.run(['ip', 'route', 'replace', block, 'dev', 'bond0-ip6tnl1']);
      expect((await agent.syncer.sync('timer')).ready).toBe(true);
      expect((await readLive(backend, ns.run)).rules.map((r) => r.text)).toEqual(rules);
      expect(await seriesValue(agent.metrics.driftRepairs)).toBe(0);

      // Someone else's more specific route takes part of a block away; the reason names it.
      await ns.run(['ip', 'route', 'add', '243.0.0.0/24', 'dev', 'eth0']);
      const shadowed = await agent.syncer.sync('timer');
      expect(shadowed).toEqual({
        ready: false,
        reason: 'route missing (owned by vpn-path-controller): 243.0.0.0/20 (services) not routed through bond0+: part of it taken by 243.0.0.0/24 dev eth0',
      });
      expect(await dependencyOk(agent, '243.0.0.0/20')).toBe(0);
      expect(await dependencyOk(agent, '244.0.0.0/16')).toBe(1);
    });

    it('HA shoot: matches bond0+, adds no route, and is ready once the tunnel controller routes a kube-apiserver back', async () => {
      const agent = testAgent('shoot', backend, ns.run, OVERLAPPING_HA);
      expect(await agent.syncer.sync('start')).toEqual({
        ready: false,
        reason: 'route missing (owned by tunnel-controller): 241.1.0.0/16 (seedPods) not with a route back through bond0+: no route into it',
      });
      expect(await ownedRouteLines(ns.run)).toEqual([]);
      expect(await dependencyOk(agent, '241.1.0.0/16')).toBe(0);
      await addTunnel(ns.run, 'bond0ip6tnl0a0b');
      await ns.run(['ip', 'route', 'replace', '241.1.0.10/32', 'dev', 'bond0ip6tnl0a0b']);
      expect(await agent.syncer.sync('timer')).toEqual({ ready: true, reason: 'in sync' });
      expect(await dependencyOk(agent, '241.1.0.0/16')).toBe(1);
      expect(await ownedRouteLines(ns.run)).toEqual([]);
    });
  });
}
