// The lines an operator reads when an agent is deployed wrongly: snapshots of the real process's output (the
// agent-core entry point started with node, as the bundles start it), timestamps and ports normalized.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Namespace, createNamespace, NEEDS_ROOT, isRoot } from '@overlap/test-support';
import { operatorHint } from '../src/hints.ts';
import { OVERLAPPING } from './kernel.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovl-agent-logs-'));
// Readable by the unprivileged user the permission test runs the agent as.
chmodSync(dir, 0o755);
const entry = join(dir, 'agent.mjs');
writeFileSync(
  entry,
  `import { runAgent } from ${JSON.stringify(join(import.meta.dirname, '../src/index.ts'))};\nprocess.exitCode = await runAgent(process.argv[2], [], process.env);\n`,
);
const namespaces: Namespace[] = [];
afterAll(async () => {
  for (const ns of namespaces) await ns.delete();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly lines: string[];
}

/** Starts the agent (optionally in a namespace, as another user), until it exits or a line matches `until`. */
function agent(role: string, env: Record<string, string>, options: { netns?: string; user?: number; until?: RegExp } = {}): Promise<Run> {
  const node = [process.execPath, entry, role];
  const asUser = options.user === undefined ? node : ['setpriv', `--reuid=${options.user}`, `--regid=${options.user}`, '--clear-groups', ...node];
  const argv = options.netns ? ['ip', 'netns', 'exec', options.netns, ...asUser] : asUser;
  const child = spawn(argv[0]!, argv.slice(1), { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (options.until?.test(output)) child.kill('SIGTERM');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const normalize = (line: string): string =>
    line
      .replace(/"time":"[^"]+"/, '"time":"<ISO 8601>"')
      .replace(/"version":"[^"]+"/, '"version":"<version>"')
      .replace(/ v\d+\.\d+\.\d+ /, ' v<version> ');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, lines: output.trim().split('\n').map(normalize) })));
}

describe('a configuration that can never translate: exit 2 with one line', () => {
  it('shoot networks without SEED_POD_NETWORK', async () => {
    const run = await agent('seed', { SHOOT_POD_NETWORKS: '10.1.0.0/16', SHOOT_SERVICE_NETWORKS: '10.2.0.0/20' });
    expect(run.code).toBe(2);
    expect(run.lines).toMatchInlineSnapshot(`
      [
        "seed-vpn-agent: invalid configuration: SEED_POD_NETWORK: "" is not set while SHOOT_POD_NETWORKS/SHOOT_SERVICE_NETWORKS/SHOOT_NODE_NETWORKS are: no overlap could ever be found; pass the seed's pod network as Gardener does to the VPN containers",
      ]
    `);
  });

  it('IS_HA=true without shoot networks', async () => {
    const run = await agent('shoot', { IS_HA: 'true', SEED_POD_NETWORK: '10.1.0.0/16' });
    expect(run.code).toBe(2);
    expect(run.lines).toMatchInlineSnapshot(`
      [
        "shoot-vpn-agent: invalid configuration: SHOOT_POD_NETWORKS: "" is empty, as are SHOOT_SERVICE_NETWORKS and SHOOT_NODE_NETWORKS, while IS_HA=true: nothing could ever be translated; pass the shoot networks the VPN containers get",
      ]
    `);
  });
});

describe.skipIf(!isRoot)(`deployment mistakes carry a hint (${isRoot ? 'as root' : NEEDS_ROOT})`, () => {
  it('not root: the sync fails with what the container needs, as a JSON line with string level and ISO time', async () => {
    const ns = await createNamespace('logs');
    namespaces.push(ns);
    const env = { ...OVERLAPPING, OVERLAP_BACKEND: 'iptables', OVERLAP_METRICS_ADDRESS: '127.0.0.1:0', OVERLAP_LOG_LEVEL: 'error' };
    const run = await agent('seed', env, { netns: ns.name, user: 65534, until: /sync failed/ });
    expect(run.lines[0]).toMatchInlineSnapshot(
      `"{"level":"error","time":"<ISO 8601>","component":"seed-vpn-agent","name":"seed-vpn-agent","trigger":"start","err":"iptables-save --counters exited with 4: iptables-save v<version> (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)","hint":"the agent needs uid 0 and the NET_ADMIN capability: securityContext runAsUser: 0, capabilities.add: [NET_ADMIN] (see deploy/shoot or the injected seed-vpn-agent)","msg":"sync failed; retrying next period"}"`,
    );
  });

  it('no tunnel device: the routes wait for it, and the hint says where the agent must run', async () => {
    const ns = await createNamespace('logs');
    namespaces.push(ns);
    const env = {
      ...OVERLAPPING,
      IS_HA: 'false',
      OVERLAP_TUNNEL_DEVICE: 'tun0',
      OVERLAP_BACKEND: 'iptables',
      OVERLAP_METRICS_ADDRESS: '127.0.0.1:0',
      OVERLAP_LOG_LEVEL: 'error',
    };
    const run = await agent('shoot', env, { netns: ns.name, until: /sync failed/ });
    expect(run.lines[0]).toMatchInlineSnapshot(
      `"{"level":"error","time":"<ISO 8601>","component":"shoot-vpn-agent","name":"shoot-vpn-agent","trigger":"start","err":"tunnel device tun0 is not there yet; its routes wait for it","hint":"the tunnel device tun0 does not exist here: the agent must run in the network namespace of the VPN client (a sidecar of kube-apiserver or vpn-shoot), and OVERLAP_TUNNEL_DEVICE must name its device (bond0 with HA VPN)","msg":"sync failed; retrying next period"}"`,
    );
  });
});

describe('operatorHint', () => {
  it('names root and NET_ADMIN for permission errors, the device for a missing tunnel, nothing otherwise', () => {
    expect(operatorHint('nft -f - exited with 1: Operation not permitted', 'bond0')).toMatch(/NET_ADMIN/);
    expect(operatorHint('tunnel device bond0 is not there yet; its routes wait for it', 'bond0')).toMatch(/^the tunnel device bond0 does not exist here/);
    expect(operatorHint('tunnel device bond0 is not there yet', 'tun0')).toBeUndefined();
    expect(operatorHint('iptables-restore exited with 2: line 3 failed', 'bond0')).toBeUndefined();
  });
});
