// `overlap diagnose` against FakeApiServer — an in-process TEST DOUBLE of the Kubernetes API, not a cluster — whose
// pod exec runs over a real WebSocket (client-node's Exec on one end); the test plays the seed-vpn-agent container
// and answers `inspect` and `probe` as the agent would (the agent side itself is tested in a network namespace).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inspection, ProbeResult } from '@overlap/agent-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer, cluster } from '@overlap/test-support';
import { type DiagnoseFacts, diagnoseChecks } from '../src/diagnose/checks.ts';
import { runOverlap as overlap } from './support/run-overlap.ts';
import { putShoot } from './support/seed-fixture.ts';

const api = new FakeApiServer();
const dir = mkdtempSync(join(tmpdir(), 'ovl-diagnose-'));
const kubeconfig = join(dir, 'kubeconfig');
const [GOOD, BAD, APART] = ['shoot--p--good', 'shoot--p--bad', 'shoot--p--apart'];
const TLS = { ca: 'CA PEM\n', cert: 'CLIENT CERT PEM\n', key: 'CLIENT KEY PEM\n' };
const b64 = (text: string) => Buffer.from(text).toString('base64');

const healthy: Inspection = {
  role: 'seed',
  backend: 'nftables',
  natExpected: true,
  reason: 'the seed pod network overlaps',
  problem: undefined,
  mappings: [{ kind: 'pods', original: '10.1.0.0/16', mapped: '244.0.0.0/16', packets: '12', bytes: '720' }],
  rules: [{ family: 'IPv4', desired: 5, live: 5, state: 'in sync', missing: [], stale: [], foreign: [] }],
  tunnelDevice: { name: 'bond0+', state: 'up', matched: ['bond0-ip6tnl0', 'bond0-ip6tnl1'] },
  routes: { desired: [], missing: [] },
  ipForward: { enabled: false, needed: false },
  ok: true,
};
const broken: Inspection = {
  ...healthy,
  rules: [{ family: 'IPv4', desired: 5, live: 4, state: '1 missing', missing: ['nat output: overlap pods 10.1.0.0/16'], stale: [], foreign: [] }],
  tunnelDevice: { name: 'bond0+', state: 'missing', matched: [] },
  ok: false,
};
const execs: Array<{ pod: string; container: string; command: string[]; stdin: string }> = [];

beforeAll(async () => {
  await api.start();
  api.writeKubeconfig(kubeconfig);
  const pods = [
    { name: 'kube-apiserver-a', agentReady: true },
    { name: 'kube-apiserver-b', agentReady: true },
  ];
  for (const name of [GOOD, BAD]) {
    putShoot(api, { cluster: cluster({ name, pods: '10.1.0.0/16', services: '10.2.0.0/16' }), injected: true, pods });
    api.put(`/api/v1/namespaces/${name}/secrets`, { metadata: { name: 'overlap-vpn-ca-bundle' }, data: { 'bundle.crt': b64(TLS.ca) } });
    api.put(`/api/v1/namespaces/${name}/secrets`, {
      metadata: { name: 'overlap-kube-apiserver-http-proxy-client' },
      data: { 'tls.crt': b64(TLS.cert), 'tls.key': b64(TLS.key) },
    });
    // The kubelet says the agent container runs.
    for (const pod of pods) {
      const path = `/api/v1/namespaces/${name}/pods/${pod.name}`;
      const object = api.get(path)!;
      object.status.containerStatuses = object.status.containerStatuses.map((c: { name: string }) => ({ ...c, state: { running: {} } }));
      api.put(`/api/v1/namespaces/${name}/pods`, object);
    }
  }
  putShoot(api, { cluster: cluster({ name: APART, pods: '100.96.0.0/11' }) });
  api.podExec = async ({ namespace, pod, container }, command, stdin) => {
    execs.push({ pod: `${namespace}/${pod}`, container, command, stdin });
    if (command.includes('inspect')) {
      if (namespace === BAD && pod === 'kube-apiserver-b') return { stdout: '', stderr: 'node: not found\n', exitCode: 127 };
      const inspection = namespace === BAD ? broken : healthy;
      return { stdout: JSON.stringify(inspection), exitCode: inspection.ok ? 0 : 1 };
    }
    const target = command[command.indexOf('--connect') + 1]!;
    const result: ProbeResult =
      namespace === GOOD ? { ok: true, target, answer: 'HTTP/1.1 200 OK', ms: 4 } : { ok: false, target, answer: 'HTTP/1.1 503 Service Unavailable', ms: 3 };
    return { stdout: `${JSON.stringify(result)}\n`, exitCode: result.ok ? 0 : 1 };
  };
});

afterAll(async () => {
  await api.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('overlap diagnose', () => {
  it('a healthy shoot: every check passes, the probe is sent with kube-apiserver’s certificate to kube-dns; exit 0', async () => {
    execs.length = 0;
    const run = await overlap('diagnose', GOOD, '--kubeconfig', kubeconfig);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PASS {2}rules IPv4 \(kube-apiserver-a\) +in sync \(5 planned, 5 live, nftables\)$/m);
    expect(run.stdout).toMatch(/^PASS {2}tunnel device \(kube-apiserver-b\) +bond0\+ is up \(bond0-ip6tnl0, bond0-ip6tnl1\)$/m);
    expect(run.stdout).toMatch(/^PASS {2}request through Envoy \(kube-apiserver-a\) +CONNECT 10\.2\.0\.10:53: HTTP\/1\.1 200 OK \(4 ms\)$/m);
    expect(run.stdout).toContain(`${GOOD}: every check passed`);
    const inspects = execs.filter((e) => e.command.includes('inspect'));
    expect(inspects.map((e) => [e.pod, e.container, e.command.join(' ')]).sort()).toEqual([
      [`${GOOD}/kube-apiserver-a`, 'seed-vpn-agent', 'node /app/main.js inspect --output json'],
      [`${GOOD}/kube-apiserver-b`, 'seed-vpn-agent', 'node /app/main.js inspect --output json'],
    ]);
    const probe = execs.find((e) => e.command.includes('probe'))!;
    expect(probe.command.join(' ')).toBe('node /app/main.js probe --connect 10.2.0.10:53 --proxy 127.0.0.1:9443 --server-name kube-apiserver-http-proxy');
    expect(JSON.parse(probe.stdin)).toEqual(TLS);
  });

  it('a broken shoot: each failure with what to do, an agent that cannot be asked, the 503 of Envoy; exit 1', async () => {
    const run = await overlap('diagnose', BAD, '--kubeconfig', kubeconfig);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL {2}rules IPv4 \(kube-apiserver-a\) +1 missing: missing nat output: overlap pods 10\.1\.0\.0\/16$/m);
    expect(run.stdout).toMatch(
      /^FAIL {2}tunnel device \(kube-apiserver-a\) +bond0\+ matches no device\n +→ the VPN seed clients have not brought the tunnel up/m,
    );
    expect(run.stdout).toMatch(/^FAIL {2}agent inspect \(kube-apiserver-b\) +inspect exited 127: node: not found$/m);
    expect(run.stdout).toMatch(/^FAIL {2}request through Envoy \(kube-apiserver-a\) +CONNECT 10\.2\.0\.10:53: HTTP\/1\.1 503 Service Unavailable/m);
    expect(run.stdout).toContain(`${BAD}: 4 of 8 checks failed`);
    const json = JSON.parse((await overlap('diagnose', BAD, '--kubeconfig', kubeconfig, '-o', 'json')).stdout);
    expect(json.pass).toBe(false);
    expect(json.facts.agents[0].inspection).toEqual(broken);
  });

  it('a shoot overlap leaves alone: one passing decision, nothing executed', async () => {
    execs.length = 0;
    const run = await overlap('diagnose', APART, '--kubeconfig', kubeconfig);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PASS {2}decision \(shoot--p--apart\) +overlap leaves this shoot alone: HA VPN, but/m);
    expect(execs).toEqual([]);
  });

  it('no pods/exec permission, an unknown shoot, an unknown option, a missing argument: one line, exit 2', async () => {
    api.forbidden.add(`GET /api/v1/namespaces/${GOOD}/pods/kube-apiserver-a/exec`);
    try {
      expect(await overlap('diagnose', GOOD, '--kubeconfig', kubeconfig)).toEqual({
        code: 2,
        stdout: '',
        stderr: `overlap diagnose: forbidden to exec into ${GOOD}/kube-apiserver-a -c seed-vpn-agent (needs create on pods/exec)\n`,
      });
    } finally {
      api.forbidden.clear();
    }
    expect((await overlap('diagnose', 'shoot--p--none', '--kubeconfig', kubeconfig)).stderr).toBe(
      'overlap diagnose: SHOOT_NAMESPACE: "shoot--p--none" has no Cluster on this seed\n',
    );
    expect(await overlap('diagnose', GOOD, '--frobnicate')).toEqual({ code: 2, stdout: '', stderr: "overlap diagnose: Unknown option '--frobnicate'\n" });
    expect(await overlap('diagnose', '--kubeconfig', kubeconfig)).toMatchObject({
      code: 2,
      stderr: 'overlap diagnose: SHOOT_NAMESPACE: "" is required: overlap diagnose SHOOT_NAMESPACE\n',
    });
  });
});

describe('diagnose checks (pure)', () => {
  const base: DiagnoseFacts = {
    namespace: 'shoot--x',
    plan: { inject: true, reason: 'HA VPN and an overlap' },
    deployment: 'injected',
    agents: [{ pod: 'p', inspection: healthy, error: undefined }],
    probe: { pod: 'p', target: '10.2.0.10:53', result: { ok: true, target: '10.2.0.10:53', answer: 'HTTP/1.1 200 OK', ms: 1 }, error: undefined },
  };

  it('a skipped Cluster fails with the field; an injection that is missing fails before any agent check', () => {
    expect(diagnoseChecks({ ...base, plan: { skipped: 'spec.x: "y" is bad' } })).toMatchObject([
      { check: 'Cluster', result: 'fail', detail: 'spec.x: "y" is bad' },
    ]);
    const checks = diagnoseChecks({ ...base, deployment: 'not-injected' });
    expect(checks.map((c) => [c.check, c.result])).toEqual([
      ['decision', 'pass'],
      ['injection', 'fail'],
    ]);
  });

  it('the shoot side needs forwarding; foreign rules point at another writer; untranslatable networks fail', () => {
    const shootSide: Inspection = {
      ...healthy,
      ipForward: { enabled: false, needed: true },
      problem: 'SHOOT_POD_NETWORKS: "10.0.0.0/7" does not fit 244.0.0.0/8',
      rules: [{ family: 'IPv4', desired: 5, live: 6, state: '1 foreign', missing: [], stale: [], foreign: ['nat output: ip daddr 1.2.3.4 accept'] }],
    };
    const checks = diagnoseChecks({ ...base, agents: [{ pod: 'p', inspection: shootSide, error: undefined }] });
    const failed = checks.filter((c) => c.result === 'fail');
    expect(failed.map((c) => c.check)).toEqual(['networks translatable', 'rules IPv4', 'IP forwarding']);
    expect(failed[1]!.action).toContain('something else writes into the overlap chains');
    expect(failed.every((c) => c.action !== '')).toBe(true);
  });

  it('a probe that could not be sent is skipped, not failed', () => {
    const checks = diagnoseChecks({ ...base, probe: { skipped: 'no certificate' } });
    expect(checks.at(-1)).toMatchObject({ check: 'request through Envoy', result: 'skip' });
  });
});
