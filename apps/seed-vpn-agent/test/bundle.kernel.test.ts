// The built bundle as the lab and a pod run it: `node dist/main.js` inside a network namespace, all config by env.
import { NEEDS_ROOT, type Namespace, createNamespace, httpGetIn, isRoot, poll, spawnAgent, waitForHttpOk, addTunnel } from '@overlap/test-support';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const app = join(import.meta.dirname, '..');
const bundle = join(app, 'dist/main.js');

const ENV = {
  IS_HA: 'true',
  SEED_POD_NETWORK: '10.1.0.0/16',
  SHOOT_POD_NETWORKS: '10.1.0.0/16',
  SHOOT_SERVICE_NETWORKS: '10.2.0.0/20',
  SHOOT_NODE_NETWORKS: '10.250.0.0/24',
  OVERLAP_BACKEND: 'nftables',
  OVERLAP_METRICS_ADDRESS: '127.0.0.1:9150',
  OVERLAP_SYNC_PERIOD: '1',
};

/** /readyz after the first sync has answered (before it, the reason is that no sync has run yet). */
async function readyzOnceSynced(ns: Namespace): Promise<{ status: number; body: string }> {
  const reply = await poll(async () => {
    const reply = await httpGetIn(ns.run, 'http://127.0.0.1:9150/readyz');
    return reply.status !== 0 && !reply.body.includes('no sync has run yet') ? reply : undefined;
  });
  if (!reply) throw new Error('the agent never finished a sync');
  return reply;
}

beforeAll(() => {
  const build = spawnSync(process.execPath, ['build.ts'], { cwd: app, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
});

describe('seed-vpn-agent bundle', () => {
  it('refuses invalid configuration with one line naming the variable, exit code 2, before touching anything', () => {
    const run = spawnSync(process.execPath, [bundle], {
      env: { ...ENV, SHOOT_SERVICE_NETWORKS: '10.2.0.0/33' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('seed-vpn-agent: invalid configuration: SHOOT_SERVICE_NETWORKS: "10.2.0.0/33" is not a valid CIDR\n');
  });

  it('refuses unknown subcommands with exit code 2', () => {
    const run = spawnSync(process.execPath, [bundle, 'apply'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: main.js [run|cleanup|inspect|probe]');
  });

  it('--help, -h and help print the usage and exit 0; inspect --help its own', () => {
    for (const args of [['--help'], ['-h'], ['help'], ['run', '--help']]) {
      const run = spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8' });
      expect([run.status, run.stderr]).toEqual([0, '']);
      expect(run.stdout).toContain('inspect   show the mappings');
    }
    const inspectHelp = spawnSync(process.execPath, [bundle, 'inspect', '-h'], { encoding: 'utf8' });
    expect([inspectHelp.status, inspectHelp.stdout.split('\n')[0]]).toEqual([0, 'usage: main.js inspect [--output text|json]']);
    const bad = spawnSync(process.execPath, [bundle, 'inspect', '--frobnicate'], { encoding: 'utf8' });
    expect([bad.status, bad.stderr]).toEqual([2, "seed-vpn-agent inspect: Unknown option '--frobnicate'\n"]);
  });

  describe.skipIf(!isRoot)(`in a network namespace (${isRoot ? 'root' : NEEDS_ROOT})`, () => {
    let ns: Namespace;
    beforeAll(async () => {
      ns = await createNamespace('agent');
      // Gardener's HA kube-apiserver pod: IPv4 to the shoot leaves through bond0-ip6tnl<i>, which the agent matches as bond0+.
      await addTunnel(ns.run, 'bond0-ip6tnl0');
    });
    afterAll(async () => {
      await ns?.delete();
    });

    /** `kubectl exec … -- node main.js inspect`, here inside the namespace with the agent's environment. */
    const inspect = (...args: string[]) => {
      const run = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, bundle, 'inspect', ...args], {
        env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...ENV },
        encoding: 'utf8',
      });
      return { code: run.status, stdout: run.stdout, stderr: run.stderr };
    };

    it("inspect before the agent ran: every planned rule missing, a rule of someone else in our table foreign, the path controller's routes missing, exit 1", async () => {
      await ns.run(
        ['nft', '-f', '-'],
        'table ip overlap {\n chain nat-output {\n  type nat hook output priority -100;\n  ip daddr 198.51.100.0/24 counter accept\n }\n}\n',
      );
      const run = inspect('--output', 'json');
      await ns.run(['nft', 'delete', 'table', 'ip', 'overlap']);
      expect(run.code, run.stderr).toBe(1);
      const result = JSON.parse(run.stdout);
      expect(result.ok).toBe(false);
      expect(result.rules[0]).toMatchObject({ family: 'IPv4', desired: 5, live: 1, state: '5 missing, 1 foreign' });
      expect(result.rules[0].foreign).toEqual([expect.stringContaining('ip daddr 198.51.100.0/24')]);
      expect(result.routes.missing.join('\n')).toContain('route missing (owned by vpn-path-controller): 244.0.0.0/16 (pods) not routed through bond0+');
      expect(result.tunnelDevice).toEqual({ name: 'bond0+', state: 'up', matched: ['bond0-ip6tnl0'] });
    });

    it("converges, waits for the path controller's routes, adds none itself, and tears everything down on SIGTERM", async () => {
      const agent = spawnAgent(bundle, [], ENV, ns.name);
      try {
        const waiting = await readyzOnceSynced(ns);
        expect(waiting.status, agent.output()).toBe(503);
        expect(waiting.body).toContain('route missing (owned by vpn-path-controller): 244.0.0.0/16 (pods) not routed through bond0+');
        // What vpn2's path controller does with an overlap: the mapped /8 blocks via the active path.
        for (const block of ['242.0.0.0/8', '243.0.0.0/8', '244.0.0.0/8']) await ns.run(['ip', 'route', 'add', block, 'dev', 'bond0-ip6tnl0']);
        const ready = await waitForHttpOk(ns.run, 'http://127.0.0.1:9150/readyz');
        expect(ready, agent.output()).toEqual({ status: 200, body: 'in sync\n' });
        const metrics = await httpGetIn(ns.run, 'http://127.0.0.1:9150/metrics');
        expect(metrics.body).toContain('overlap_nat_active{role="seed",backend="nftables"} 1');
        expect(metrics.body).toContain('overlap_nat_expected{role="seed",backend="nftables"} 1');
        expect(metrics.body).toContain('overlap_nat_rules_desired{role="seed",backend="nftables"} 5');
        expect(metrics.body).toContain('overlap_agent_info{version="0.1.0",tunnel_device="bond0+",role="seed",backend="nftables"} 1');
        // inspect beside the running agent: in sync, the owner's routes in place, each mapping's counters.
        const inSync = inspect();
        expect(inSync.code, inSync.stdout + inSync.stderr).toBe(0);
        expect(inSync.stdout).toContain('seed-vpn-agent (nftables): OK, in line with the plan');
        expect(inSync.stdout).toContain('  IPv4: in sync (5 planned, 5 live)');
        expect(inSync.stdout).toContain('tunnel device bond0+: up (bond0-ip6tnl0)');
        expect(inSync.stdout).toMatch(/pods +10\.1\.0\.0\/16 +-> 244\.0\.0\.0\/16 +0 packets, 0 bytes/);
        const table = (await ns.run(['nft', 'list', 'table', 'ip', 'overlap'])).stdout;
        expect(table).toContain('meta skgid 31415');
        expect(table).toContain('oifname "bond0*"');
        expect((await ns.run(['ip', 'route', 'show', 'proto', '79'])).stdout).toBe('');
      } finally {
        expect(await agent.stop('SIGTERM')).toBe(0);
      }
      const tables = (await ns.run(['nft', 'list', 'tables'])).stdout;
      expect(tables).not.toContain('overlap');
      // The owner's routes stay: they were never the agent's.
      expect((await ns.run(['ip', 'route', 'show', '244.0.0.0/8'])).stdout).toContain('dev bond0-ip6tnl0');
      const logs = agent
        .output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string });
      expect(logs.map((l) => l.msg)).toContain('removed owned nftables rules');
    }, 20_000);

    it('a stuck iptables-restore: /readyz says so, SIGTERM still ends within the bound and names what stayed', async () => {
      // A stand-in that hangs once the marker exists, as iptables-restore does behind a held xtables lock.
      const dir = mkdtempSync(join(tmpdir(), 'overlap-standin-'));
      const marker = join(dir, 'hang');
      writeFileSync(join(dir, 'iptables-restore'), `#!/bin/sh\n[ -e ${marker} ] && exec sleep 1000\nexec /usr/sbin/iptables-restore "$@"\n`);
      chmodSync(join(dir, 'iptables-restore'), 0o755);
      const env = { ...ENV, OVERLAP_BACKEND: 'iptables', PATH: `${dir}:${process.env['PATH']}` };
      // The path controller's routes, so that the agent is ready before the apply gets stuck.
      for (const block of ['242.0.0.0/8', '243.0.0.0/8', '244.0.0.0/8']) await ns.run(['ip', 'route', 'replace', block, 'dev', 'bond0-ip6tnl0']);
      const agent = spawnAgent(bundle, [], env, ns.name);
      try {
        expect(await waitForHttpOk(ns.run, 'http://127.0.0.1:9150/readyz'), agent.output()).toMatchObject({ status: 200 });
        writeFileSync(marker, '');
        await ns.run(['iptables', '-t', 'nat', '-F', 'OVERLAP-OUTPUT']);
        let reply = { status: 200, body: '' };
        await poll(async () => {
          reply = await httpGetIn(ns.run, 'http://127.0.0.1:9150/readyz');
          return reply.status === 200 ? undefined : reply;
        });
        expect(reply.status).toBe(503);
        expect(reply.body).toMatch(/iptables-restore --noflush --counters -w 1 did not finish within 2 s and was killed/);
        const metrics = await httpGetIn(ns.run, 'http://127.0.0.1:9150/metrics');
        expect(metrics.body).toMatch(/overlap_sync_timeouts_total\{role="seed",backend="iptables"\} [1-9]/);
      } finally {
        // Teardown's own iptables-restore hangs too: killed at its deadline, exit 1, the rules named as left behind.
        expect(await agent.stop('SIGTERM')).toBe(1);
        rmSync(dir, { recursive: true, force: true });
      }
      const logs = agent
        .output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string; notRemoved?: string[] });
      const incomplete = logs.find((l) => l.msg.startsWith('teardown incomplete'));
      expect(incomplete?.notRemoved).toEqual([expect.stringMatching(/^iptables rules: .*iptables-restore .* did not finish within 4 s/)]);
      expect(logs.map((l) => l.msg)).toContain('removed owned routes');
      await ns.run(['iptables', '-t', 'nat', '-F', 'OVERLAP-OUTPUT']);
      for (const hook of ['PREROUTING', 'OUTPUT', 'POSTROUTING']) {
        await ns.run(['iptables', '-t', 'nat', '-D', hook, '-j', `OVERLAP-${hook}`]).catch(() => undefined);
        await ns.run(['iptables', '-t', 'nat', '-F', `OVERLAP-${hook}`]).catch(() => undefined);
        await ns.run(['iptables', '-t', 'nat', '-X', `OVERLAP-${hook}`]).catch(() => undefined);
      }
    }, 30_000);
  });
});
