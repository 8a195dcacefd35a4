// `overlap status`, `overlap plan --cluster/--all` and the CLI's help and kubeconfig handling, against
// FakeApiServer — an in-process TEST DOUBLE of the Kubernetes API (with pod proxy), not a cluster.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer, cluster } from '@overlap/test-support';
import { COMMANDS } from '../src/cli/usage.ts';
import { runOverlap as overlap } from './support/run-overlap.ts';
import { putShoot } from './support/seed-fixture.ts';

const api = new FakeApiServer();
const dir = mkdtempSync(join(tmpdir(), 'ovl-status-'));
const kubeconfig = join(dir, 'kubeconfig');

const [OK, APART, GAP, BROKEN, PENDING] = ['shoot--p--ok', 'shoot--p--apart', 'shoot--p--gap', 'shoot--p--broken', 'shoot--p--pending'];

beforeAll(async () => {
  await api.start();
  api.writeKubeconfig(kubeconfig, { contexts: ['other'] });
  putShoot(api, {
    cluster: cluster({ name: OK, pods: '10.1.0.0/16' }),
    injected: true,
    pods: [
      { name: 'kube-apiserver-a', agentReady: true },
      { name: 'kube-apiserver-b', agentReady: true },
    ],
  });
  putShoot(api, { cluster: cluster({ name: APART, pods: '100.96.0.0/11' }), pods: [{ name: 'kube-apiserver-a', agentReady: false }] });
  putShoot(api, {
    cluster: cluster({ name: GAP, pods: '10.1.0.0/16' }),
    injected: true,
    without: ['Secret/overlap-vpn-ca-bundle'],
    pods: [{ name: 'kube-apiserver-a', agentReady: false }],
  });
  putShoot(api, { cluster: cluster({ name: BROKEN, pods: '10.1.0.0/16', status: { nodes: ['242.0.0.0/16'] } }) });
  putShoot(api, { cluster: cluster({ name: PENDING, pods: '10.1.0.0/16' }) });
  // The agents' /readyz, as the API server's pod proxy relays it.
  api.podProxy = (namespace, _pod, port, path) => {
    if (port !== '9150' || path !== 'readyz') return { status: 404, body: 'not found\n' };
    return namespace === GAP ? { status: 503, body: 'tunnel device bond0 is not there yet; its routes wait for it\n' } : { status: 200, body: 'in sync\n' };
  };
});

afterAll(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('overlap status', () => {
  it('one aligned line per shoot, the first problem of each, and exit 1 when one is not as planned', async () => {
    const run = await overlap('status', '--kubeconfig', kubeconfig);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE +HA +OVERLAP +DECISION +INJECTED +OBJECTS +AGENTS +STATUS$/);
    const row = (namespace: string) => lines.find((line) => line.startsWith(`${namespace} `))!.split(/ {3,}/);
    expect(row(OK)).toEqual([OK, 'yes', 'yes', 'inject', 'yes', '8/8', '2/2', 'ok']);
    expect(row(APART)).toEqual([APART, 'yes', 'no', 'leave', 'no', '-', '-', 'ok']);
    expect(row(GAP).slice(0, 7)).toEqual([GAP, 'yes', 'yes', 'inject', 'yes', '7/8', '0/1']);
    expect(row(GAP)[7]).toBe('missing Secret/overlap-vpn-ca-bundle (+1 more)');
    expect(row(PENDING)[7]).toContain('kube-apiserver does not carry the injection');
    expect(row(BROKEN).slice(0, 4)).toEqual([BROKEN, '-', '-', 'skipped']);
    expect(row(BROKEN)[7]).toContain('spec.shoot.status.networking.nodes');
    // Columns line up: every STATUS cell starts where the header's does.
    const at = lines[0]!.indexOf('STATUS');
    for (const line of lines.slice(1, 6)) expect(line.slice(at - 3, at)).toBe('   ');
    expect(run.stdout).toContain('5 shoots, 2 as planned, 3 not');
  });

  it('--namespace: each object, each pod with its agent’s own /readyz reason; exit 1 for the shoot with problems', async () => {
    const run = await overlap('status', '--kubeconfig', kubeconfig, '-n', GAP);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Secret\/overlap-vpn-ca-bundle +MISSING/);
    expect(run.stdout).toMatch(/ConfigMap\/kube-apiserver-envoy-config-\w+ +present/);
    expect(run.stdout).toMatch(/Secret\/extension-overlap-shoot-webhooks-\* +present/);
    expect(run.stdout).toContain('kube-apiserver-a  not-ready  not-ready: tunnel device bond0 is not there yet; its routes wait for it');
    expect(run.stdout).toContain('  - pod kube-apiserver-a: seed-vpn-agent not ready: tunnel device bond0 is not there yet');
    const ok = await overlap('status', '--kubeconfig', kubeconfig, '--namespace', OK);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('  none: as planned');
    expect(ok.stdout).toContain('kube-apiserver-b  ready      ready: in sync');
  });

  it('--output json: every shoot with its decision, objects, agents and problems', async () => {
    const run = await overlap('status', '--kubeconfig', kubeconfig, '-o', 'json');
    const parsed = JSON.parse(run.stdout) as {
      asPlanned: boolean;
      shoots: Array<{ namespace: string; skipped?: { field: string; value: string }; problems: string[] }>;
    };
    expect(parsed.asPlanned).toBe(false);
    expect(parsed.shoots.map((s) => s.namespace)).toEqual([APART, BROKEN, GAP, OK, PENDING]);
    expect(parsed.shoots[1]!.skipped).toEqual({ field: 'spec.shoot.status.networking.nodes[0]', value: '242.0.0.0/16' });
  });

  it('without pods/proxy permission the agents are judged by their container status, and that is said', async () => {
    api.forbidden.add('GET /api/v1/namespaces/shoot--p--ok/pods/kube-apiserver-a');
    try {
      const run = await overlap('status', '--kubeconfig', kubeconfig, '-n', OK);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('kube-apiserver-a  ready      unavailable: not allowed to proxy to pods (needs get on pods/proxy)');
    } finally {
      api.forbidden.clear();
    }
  });

  it('an unknown namespace, a forbidden list and an unreachable server: one line and exit 2', async () => {
    expect(await overlap('status', '--kubeconfig', kubeconfig, '-n', 'shoot--p--none')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'overlap status: --namespace: "shoot--p--none" has no Cluster on this seed\n',
    });
    api.forbidden.add('GET /apis/extensions.gardener.cloud');
    try {
      const run = await overlap('status', '--kubeconfig', kubeconfig);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `overlap status: ${api.url}: forbidden to list Clusters: User "test" cannot get resource at /apis/extensions.gardener.cloud/v1alpha1/clusters\n`,
      );
    } finally {
      api.forbidden.clear();
    }
    const down = join(dir, 'down');
    api.writeKubeconfig(down, { server: 'http://127.0.0.1:45999' });
    const run = await overlap('status', '--kubeconfig', down);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "overlap status: http://127.0.0.1:45999: unreachable (ECONNREFUSED); is the cluster of the kubeconfig's context up, at this address?\n",
    );
  });

  it('kubeconfig and context follow kubectl: a missing file, an unknown context; --context picks one', async () => {
    const missing = await overlap('status', '--kubeconfig', join(dir, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^overlap status: --kubeconfig: ".*nope" cannot be loaded: .*ENOENT.*\n$/);
    expect(await overlap('status', '--kubeconfig', kubeconfig, '--context', 'prod')).toMatchObject({
      code: 2,
      stderr: 'overlap status: --context: "prod" is not a context of the kubeconfig (double, other)\n',
    });
    expect((await overlap('status', '--kubeconfig', kubeconfig, '--context', 'other', '-n', OK)).code).toBe(0);
  });
});

describe('overlap plan against a live seed', () => {
  it('--cluster reads the Cluster and the live kube-apiserver Deployment', async () => {
    const run = await overlap('plan', '--cluster', PENDING, '--kubeconfig', kubeconfig);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`kube-apiserver Deployment patch (injected; against ${api.url} ${PENDING}/kube-apiserver)`);
    expect(run.stdout).toContain('    + container seed-vpn-agent');
    // An already injected kube-apiserver stays as it is.
    const done = await overlap('plan', '--cluster', OK, '--kubeconfig', kubeconfig, '-o', 'json');
    expect(JSON.parse(done.stdout).summary.kubeApiserver.containersAdded).toEqual([]);
    expect(await overlap('plan', '--cluster', 'shoot--p--none', '--kubeconfig', kubeconfig)).toMatchObject({
      code: 2,
      stderr: `overlap plan: --cluster: "shoot--p--none" is not a Cluster on ${api.url}\n`,
    });
  });

  it('--all: one impact line per Cluster', async () => {
    const run = await overlap('plan', '--all', '--kubeconfig', kubeconfig);
    expect(run.code).toBe(0);
    const line = (namespace: string) =>
      run.stdout
        .split('\n')
        .find((l) => l.startsWith(`${namespace} `))!
        .split(/ {3,}/);
    expect(line(PENDING)).toEqual([
      PENDING,
      'inject',
      'kube-apiserver +envoy-proxy +seed-vpn-agent, --egress-selector-config-file=/etc/kubernetes/egress/egress-selector-configuration.yaml, vpn-shoot +shoot-vpn-agent, 13 objects',
    ]);
    expect(line(OK)).toEqual([OK, 'inject', 'kube-apiserver unchanged, vpn-shoot +shoot-vpn-agent, 13 objects']);
    expect(line(APART)[1]).toBe('leave');
    expect(line(BROKEN)[1]).toBe('skipped');
    expect(run.stdout).toContain('5 Clusters: 3 would get the injection');
  });
});

describe('help', () => {
  it.each([['--help'], ['-h'], ['help']])('overlap %s: the overview, exit 0', async (flag) => {
    const run = await overlap(flag);
    expect(run.code).toBe(0);
    for (const command of Object.keys(COMMANDS)) expect(run.stdout).toContain(`  ${command} `);
  });

  it.each(Object.keys(COMMANDS))('%s: --help, -h and overlap help COMMAND print its usage, exit 0, nothing else done', async (command) => {
    for (const args of [
      [command, '--help'],
      [command, '-h'],
      ['help', command],
      [command, '--kubeconfig', '/nonexistent', '-h'],
    ]) {
      const run = await overlap(...args);
      expect(run).toEqual({ code: 0, stdout: COMMANDS[command]!.usage, stderr: '' });
    }
  });

  it('unknown options, commands and help topics stay one line and exit 2', async () => {
    expect(await overlap('status', '--frobnicate')).toEqual({ code: 2, stdout: '', stderr: "overlap status: Unknown option '--frobnicate'\n" });
    expect((await overlap('help', 'frobnicate')).stderr).toBe(
      'overlap help: help: "frobnicate" is not a command of overlap (status, plan, diagnose, uninstall, dev-cert, shoot-pki)\n',
    );
    expect((await overlap('frobnicate')).code).toBe(2);
  });
});
