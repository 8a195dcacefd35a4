// The built bundle as vpn-shoot would run it: iptables backend, rules kept on exit, removed by `main.js cleanup`.
import { NEEDS_ROOT, type Namespace, createNamespace, httpGetIn, isRoot, poll, spawnAgent, waitForHttpOk, addTunnel } from '@overlap/test-support';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const app = join(import.meta.dirname, '..');
const bundle = join(app, 'dist/main.js');

const ENV = {
  IS_HA: 'false',
  SEED_POD_NETWORK: '10.1.0.0/16',
  SHOOT_POD_NETWORKS: '10.1.0.0/16',
  SHOOT_SERVICE_NETWORKS: '10.2.0.0/20',
  SHOOT_NODE_NETWORKS: '10.250.0.0/24',
  OVERLAP_BACKEND: 'iptables',
  OVERLAP_METRICS_ADDRESS: '127.0.0.1:9151',
  OVERLAP_CLEANUP_ON_EXIT: 'false',
};

beforeAll(() => {
  const build = spawnSync(process.execPath, ['build.ts'], { cwd: app, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
});

describe('shoot-vpn-agent bundle', () => {
  it('refuses a seed-side environment (IS_SHOOT_CLIENT=false) with exit code 2', () => {
    const run = spawnSync(process.execPath, [bundle], { env: { ...ENV, IS_SHOOT_CLIENT: 'false' }, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('shoot-vpn-agent: invalid configuration: IS_SHOOT_CLIENT: "false" contradicts the shoot agent it is given to\n');
  });

  describe.skipIf(!isRoot)(`in a network namespace (${isRoot ? 'root' : NEEDS_ROOT})`, () => {
    let ns: Namespace;
    beforeAll(async () => {
      ns = await createNamespace('agent');
      await addTunnel(ns.run, 'tun0');
    });
    afterAll(async () => {
      await ns?.delete();
    });

    const ownedChains = async (): Promise<string[]> => (await ns.run(['iptables-save'])).stdout.split('\n').filter((l) => /^:OVERLAP-/.test(l));

    it('keeps its rules on SIGTERM when told to, and `cleanup` removes them and the routes', async () => {
      const agent = spawnAgent(bundle, [], ENV, ns.name);
      try {
        const ready = await waitForHttpOk(ns.run, 'http://127.0.0.1:9151/readyz');
        expect(ready.status, agent.output()).toBe(200);
        expect((await ns.run(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe('1');
      } finally {
        expect(await agent.stop('SIGTERM')).toBe(0);
      }
      // nat PREROUTING and POSTROUTING, filter FORWARD, mangle POSTROUTING (the shoot side needs no OUTPUT chain).
      expect(await ownedChains()).toHaveLength(4);
      expect((await ns.run(['ip', 'route', 'show', 'proto', '79'])).stdout).toContain('241.1.0.0/16 dev tun0');

      const cleanup = spawnAgent(bundle, ['cleanup'], { OVERLAP_BACKEND: 'auto' }, ns.name);
      expect(await cleanup.exited, cleanup.output()).toBe(0);
      expect(await ownedChains()).toEqual([]);
      expect((await ns.run(['ip', 'route', 'show', 'proto', '79'])).stdout).toBe('');
    });

    const metric = async (name: string): Promise<string | undefined> =>
      (await httpGetIn(ns.run, 'http://127.0.0.1:9151/metrics')).body.split('\n').find((l) => l.startsWith(`${name}{`));

    it('runs and translates the IPv4 part of a dual-stack AWS shoot whose IPv6 pods and nodes are one range (exited 2 before)', async () => {
      const agent = spawnAgent(
        bundle,
        [],
        {
          ...ENV,
          OVERLAP_CLEANUP_ON_EXIT: 'true',
          IP_FAMILIES: 'IPv4,IPv6',
          SHOOT_POD_NETWORKS: '10.1.0.0/16,2a05:d014:1:2300::/56',
          SHOOT_SERVICE_NETWORKS: '10.2.0.0/20,fd00:2::/108',
          SHOOT_NODE_NETWORKS: '10.250.0.0/24,2a05:d014:1:2300::/56',
        },
        ns.name,
      );
      try {
        const ready = await waitForHttpOk(ns.run, 'http://127.0.0.1:9151/readyz');
        expect(ready.status, agent.output()).toBe(200);
        expect(await metric('overlap_nat_untranslatable')).toMatch(/ 0$/);
        expect((await ns.run(['iptables-save', '-t', 'nat'])).stdout).toContain('overlap pods 10.1.0.0/16 244.0.0.0/16 reverse');
      } finally {
        expect(await agent.stop('SIGTERM')).toBe(0);
      }
    });

    it('keeps serving and says why when the networks cannot be translated (an IPv6 overlap with the seed)', async () => {
      const agent = spawnAgent(
        bundle,
        [],
        { ...ENV, OVERLAP_CLEANUP_ON_EXIT: 'true', SEED_POD_NETWORK: 'fd00:10::/48', SHOOT_POD_NETWORKS: 'fd00:10:0:1::/64' },
        ns.name,
      );
      try {
        let reply = { status: 0, body: '' };
        await poll(async () => {
          reply = await httpGetIn(ns.run, 'http://127.0.0.1:9151/readyz');
          return reply.body.includes('cannot translate') ? reply : undefined;
        });
        expect(reply.status, agent.output()).toBe(503);
        expect(reply.body).toBe(
          'cannot translate, so nothing is installed: SHOOT_POD_NETWORKS: "fd00:10:0:1::/64" overlaps the seed pod network fd00:10::/48; only IPv4 overlaps can be translated\n',
        );
        expect(await metric('overlap_nat_untranslatable')).toMatch(/ 1$/);
        expect(await metric('overlap_nat_expected')).toMatch(/ 1$/);
        expect(agent.output()).toContain('"level":"warn"');
        expect(await ownedChains()).toEqual([]);
      } finally {
        expect(await agent.stop('SIGTERM')).toBe(0);
      }
    });
  });
});
