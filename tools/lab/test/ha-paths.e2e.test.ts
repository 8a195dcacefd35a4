import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, NEEDS_ROOT, isRoot } from '@overlap/test-support';
import {
  ENVOY_GID,
  type Lab,
  agentUrl,
  addSecondKubeApiserverAddress,
  announceSecondKubeApiserver,
  attempt,
  buildAgents,
  captureOnEach,
  devicesThatCarried,
  down,
  inNetns,
  listRoutes,
  request,
  requestsAcrossPathFailure,
  run,
  seedRouteDevice,
  shadowingRoutes,
  shootRouteDevice,
  throwawayLab,
  tunnelAddress,
  up,
} from '../src/index.ts';
import { ownedRules } from './support/lab-fixture.ts';

const POD_ANSWER = '200 shoot pod answered on 10.1.5.20:8080 to 10.1.7.7';

// Gardener's HA data path: two paths owned by the path controller, the shoot's routes by the tunnel controller.
describe.skipIf(!isRoot).each(['nftables', 'iptables'] as const)(
  `the HA lab: two paths, routes owned by the controllers, backend %s (${NEEDS_ROOT})`,
  (backend) => {
    const options = throwawayLab('e2e', { backend });
    let lab: Lab;
    const [path0, path1] = ['bond0-ip6tnl0', 'bond0-ip6tnl1'];

    beforeAll(async () => {
      await buildAgents();
      lab = await up(options);
    });
    afterAll(async () => {
      await down(options);
    });

    const pod = () => lab.spec.targets.find((t) => t.kind === 'pods')!;
    const agentPids = () => ['seed-vpn-agent', 'shoot-vpn-agent'].map((name) => lab.state.daemons[name]?.pid);
    const readyz = async (role: 'seed' | 'shoot') => {
      const ns = role === 'seed' ? lab.spec.namespaces.seed : lab.spec.namespaces.shoot;
      const probe = await run(inNetns(ns, ['curl', '-sS', '--max-time', '2', '-w', '\n%{http_code}', agentUrl(lab.spec, role, '/readyz')]));
      const lines = probe.trimEnd().split('\n');
      return { status: Number(lines.pop()), reason: lines.join('\n') };
    };

    it('carries requests through the proxy on path 0; the capture names the device', async () => {
      expect(await seedRouteDevice(lab, '244.0.5.20')).toBe(path0);
      expect(await shootRouteDevice(lab, '241.1.0.10')).toBe('bond0ip6tnl00c0');
      const { result, summaries } = await captureOnEach(lab.spec.namespaces.seed, lab.spec.tunnelDevices.seed, () =>
        Promise.all(lab.spec.targets.map((t) => request(lab, t, 'proxy'))),
      );
      expect(result.every((a) => a.ok)).toBe(true);
      for (const target of lab.spec.targets) expect(devicesThatCarried(summaries, tunnelAddress(lab.spec, target))).toEqual([path0]);
    });

    it('switches to path 1 when path 0 fails under a request loop: requests succeed again within 5 s, no agent restart, no rule change', async () => {
      const pids = agentPids();
      const rules = { seed: await ownedRules(lab.spec.namespaces.seed), shoot: await ownedRules(lab.spec.namespaces.shoot) };
      const failover = await requestsAcrossPathFailure(lab);
      expect(failover.answers.filter((a) => a.startMs < 0).some((a) => a.answer.ok)).toBe(true);
      expect(failover.recoveryMs).toBeDefined();
      expect(failover.recoveryMs!).toBeLessThan(5_000);
      expect(await seedRouteDevice(lab, '244.0.5.20')).toBe(path1);
      expect(await shootRouteDevice(lab, '241.1.0.10')).toBe('bond0ip6tnl00c1');
      const { result, summaries } = await captureOnEach(lab.spec.namespaces.seed, lab.spec.tunnelDevices.seed, () => request(lab, pod(), 'proxy'));
      expect(`${result.status} ${result.text}`).toBe(POD_ANSWER);
      expect(devicesThatCarried(summaries, '244.0.5.20')).toEqual([path1]);
      expect(agentPids()).toEqual(pids);
      expect({ seed: await ownedRules(lab.spec.namespaces.seed), shoot: await ownedRules(lab.spec.namespaces.shoot) }).toEqual(rules);
    });

    it('a second kube-apiserver pod IP, once announced, appears on the shoot side and is reachable', async () => {
      const second = lab.spec.addresses.secondKubeApiserver;
      const fromSecond = inNetns(lab.spec.namespaces.seed, [
        'setpriv',
        `--regid=${ENVOY_GID}`,
        '--clear-groups',
        'curl',
        '-sS',
        '--max-time',
        '3',
        '--interface',
        second,
        '-w',
        '\n%{http_code}',
        `http://${pod().address}:${pod().port}/`,
      ]);
      await addSecondKubeApiserverAddress(lab);
      // Before the announcement vpn-shoot has no route back to 241.1.0.11: the answer leaves by its default route.
      expect(await shootRouteDevice(lab, '241.1.0.11')).toBeUndefined();
      expect((await attempt(fromSecond)).ok).toBe(false);
      lab = await announceSecondKubeApiserver(lab);
      const active = await seedRouteDevice(lab, '244.0.5.20');
      const shootDevice = lab.spec.paths.find((p) => p.seedDevice === active)?.shootDevice;
      expect(await shootRouteDevice(lab, '241.1.0.11')).toBe(shootDevice);
      expect(
        (await run(fromSecond))
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== ''),
      ).toEqual(['shoot pod answered on 10.1.5.20:8080 to 10.1.7.7', '200']);
    });

    it('no agent route shadows a route of the path controller or the tunnel controller', async () => {
      const seedRoutes = await listRoutes(lab.spec.namespaces.seed);
      const shootRoutes = await listRoutes(lab.spec.namespaces.shoot);
      expect(
        seedRoutes
          .filter((r) => lab.spec.tunnelDevices.seed.includes(r.device))
          .map((r) => r.destination.text)
          .sort(),
      ).toEqual(['242.0.0.0/8', '243.0.0.0/8', '244.0.0.0/8']);
      expect(
        shootRoutes
          .filter((r) => lab.spec.tunnelDevices.shoot.includes(r.device))
          .map((r) => r.destination.text)
          .sort(),
      ).toEqual(['241.1.0.10/32', '241.1.0.11/32']);
      expect(shadowingRoutes(seedRoutes, lab.spec.tunnelDevices.seed)).toEqual([]);
      expect(shadowingRoutes(shootRoutes, lab.spec.tunnelDevices.shoot)).toEqual([]);
    });

    const notReadyAfter = async (role: 'seed' | 'shoot', removed: ReadonlyArray<readonly string[]>) => {
      const ns = role === 'seed' ? lab.spec.namespaces.seed : lab.spec.namespaces.shoot;
      expect((await readyz(role)).status).toBe(200);
      for (const route of removed) await run(inNetns(ns, ['ip', 'route', 'del', ...route]));
      try {
        return await waitFor(
          `${role} /readyz to report the missing route`,
          async () => {
            const answer = await readyz(role);
            return answer.status === 503 ? answer.reason : undefined;
          },
          3 * lab.spec.options.syncPeriodSeconds * 1000 + 5_000,
          200,
        );
      } finally {
        // The owners change a route only when a path switches or an announcement changes (as vpn2's do): put it back.
        for (const route of removed) await run(inNetns(ns, ['ip', 'route', 'replace', ...route]));
        await waitFor(`${role} /readyz to be ready again`, async () => ((await readyz(role)).status === 200 ? true : undefined), 30_000, 200);
      }
    };

    it('a route the seed agent depends on removed → /readyz names the mapped block and the owner; back → ready', async () => {
      const active = (await seedRouteDevice(lab, '243.0.0.10'))!;
      const reason = await notReadyAfter('seed', [['243.0.0.0/8', 'dev', active]]);
      expect(reason).toContain('243.0.0.0/16 (services) not routed through bond0+');
      expect(reason).toContain('vpn-path-controller');
    });

    it("the routes back to the kube-apiserver pods removed → the shoot agent's /readyz names the seed pods block; back → ready", async () => {
      const back = (await listRoutes(lab.spec.namespaces.shoot)).filter((r) => lab.spec.tunnelDevices.shoot.includes(r.device));
      expect(back.length).toBeGreaterThan(0);
      const reason = await notReadyAfter(
        'shoot',
        back.map((r) => [r.destination.text, 'dev', r.device]),
      );
      expect(reason).toContain('241.1.0.0/16');
    });
  },
);
