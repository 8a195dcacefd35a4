// The lines an operator reads when the seed controller cannot reach its API server: the real controller process
// (src/controller-main.ts on Node), pointed at a loopback port nobody listens on. Times, ports and paths normalized.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@overlap/test-support';
import { generateDevCertificates } from '../src/cli/dev-cert.ts';
import { KubeApiError } from '../src/kube/request.ts';
import { apiErrorCause } from '../src/telemetry/api-error.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovl-controller-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the controller until `until` has matched `count` lines, then stops it; returns its log lines. */
async function controllerLines(env: Record<string, string>, until: RegExp, count: number): Promise<string[]> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '../src/controller-main.ts')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.split('\n').filter((line) => until.test(line)).length >= count) child.kill('SIGTERM');
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  await new Promise((resolve) => child.on('close', resolve));
  return output.trim().split('\n');
}

const normalize = (line: string, port: number): string =>
  line
    .replace(/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/, '"time":"<ISO 8601>"')
    .replaceAll(String(port), '<port>')
    .replaceAll(dir, '<dir>')
    .replace(/"version":"[^"]+"/, '"version":"<version>"');

describe('an unreachable API server', () => {
  it('one start-up line with the configuration, then the server and the cause of every failed list (the system error, e.g. ECONNREFUSED)', async () => {
    const port = await freePort();
    const certs = await generateDevCertificates({ service: 'overlap-seed-controller', namespace: 'overlap-system', days: 1 });
    writeFileSync(join(dir, 'tls.crt'), certs.tlsCert);
    writeFileSync(join(dir, 'tls.key'), certs.tlsKey);
    writeFileSync(
      join(dir, 'kubeconfig'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'seed', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'controller', user: {} }],
        contexts: [{ name: 'seed', context: { cluster: 'seed', user: 'controller' } }],
        'current-context': 'seed',
      }),
    );
    const lines = await controllerLines(
      {
        OVERLAP_KUBECONFIG: join(dir, 'kubeconfig'),
        OVERLAP_TLS_CERT_FILE: join(dir, 'tls.crt'),
        OVERLAP_TLS_KEY_FILE: join(dir, 'tls.key'),
        OVERLAP_WEBHOOK_ADDRESS: '127.0.0.1:0',
        OVERLAP_METRICS_ADDRESS: '127.0.0.1:0',
        POD_NAME: 'overlap-seed-controller-0',
        POD_NAMESPACE: 'overlap-system',
      },
      /list\/watch failed/,
      1,
    );
    const starting = lines.filter((line) => line.includes('"msg":"starting"'));
    expect(starting).toHaveLength(1);
    expect(normalize(starting[0]!, port)).toMatchInlineSnapshot(
      `"{"level":"info","time":"<ISO 8601>","component":"overlap-seed-controller","name":"overlap-seed-controller","version":"<version>","server":"https://127.0.0.1:<port>","webhookAddress":"127.0.0.1:0","metricsAddress":"127.0.0.1:0","selection":"automatic (namespaces the controller labels)","shootMonitoring":"gardener","images":{"envoy":"europe-docker.pkg.dev/gardener-project/releases/3rd/envoyproxy/envoy:distroless-v1.39.0","seedAgent":"overlap/seed-vpn-agent:0.1.0","shootAgent":"overlap/shoot-vpn-agent:0.1.0"},"lease":"overlap-system/overlap-seed-controller","identity":"overlap-seed-controller-0","resyncSeconds":300,"shootWebhookUrl":"https://overlap-seed-controller.overlap-system.svc","tlsCertFile":"<dir>/tls.crt","msg":"starting"}"`,
    );
    const failed = lines.find((line) => line.includes('"msg":"Cluster list/watch failed; retrying"'));
    expect(normalize(failed!, port)).toMatchInlineSnapshot(
      `"{"level":"warn","time":"<ISO 8601>","component":"overlap-seed-controller","name":"overlap-seed-controller","server":"https://127.0.0.1:<port>","cause":"connect ECONNREFUSED 127.0.0.1:<port>","msg":"Cluster list/watch failed; retrying"}"`,
    );
  });
});

describe('apiErrorCause', () => {
  it("gives the HTTP status and the server's message, or the network error with its code and causes", () => {
    const forbidden = new KubeApiError('GET', '/apis/x', 403, JSON.stringify({ kind: 'Status', message: 'clusters is forbidden' }));
    expect(apiErrorCause(forbidden)).toBe('HTTP 403: clusters is forbidden');
    expect(apiErrorCause(new KubeApiError('GET', '/x', 502, 'bad gateway\n'))).toBe('HTTP 502: bad gateway');
    expect(apiErrorCause(new KubeApiError('GET', '/x', 500, ''))).toBe('HTTP 500');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(apiErrorCause(refused)).toBe('connect ECONNREFUSED 127.0.0.1:1');
    const idle = Object.assign(new Error('no answer for 60 s'), { code: 'ETIMEDOUT' });
    expect(apiErrorCause(new Error('list Clusters', { cause: idle }))).toBe('list Clusters: ETIMEDOUT: no answer for 60 s');
    expect(apiErrorCause('plain')).toBe('plain');
  });
});
