// The controller's footprint with many shoots, against FakeApiServer, an in-process TEST DOUBLE of the Kubernetes
// API (not a cluster) holding N Cluster objects. (1) The bundled controller process (dist/controller.js, built
// first) until every shoot is reconciled (a third injected through the webhook over HTTPS): memory as its own
// metrics report it, and how long it took. (2) The same controller in this process, heap retained after a full
// garbage collection. Prints Markdown tables.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateDevCertificates } from '../src/cli/dev-cert.ts';
import { WEBHOOK_PATH } from '../src/webhook/server.ts';
import { deploymentReview } from '../test/support/admission-review.ts';
import { FakeApiServer } from '../test/support/fake-apiserver.ts';
import { cluster, sampleDeployment } from '../test/support/fixtures.ts';
import type { RunningController } from '../src/controller/controller.ts';
import { CLUSTERS, Harness } from '../test/support/controller-harness.ts';
import { httpsRequest } from '../test/support/https-client.ts';

const SIZES = [0, 1000];
const APP = join(import.meta.dirname, '..');
const BOUND_MS = 180_000;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** Shoot i: HA with an overlap, HA without, or non-HA with an overlap, in turn; every shoot its own /16s. */
function populate(api: FakeApiServer, count: number): number {
  let injected = 0;
  for (let i = 0; i < count; i += 1) {
    const name = `shoot--bench--s${i}`;
    const variant = i % 3;
    const second = 16 + (i % 200);
    api.put(
      CLUSTERS,
      cluster({
        name,
        seedPods: '10.0.0.0/12',
        pods: variant === 1 ? `100.${64 + (i % 60)}.0.0/16` : `10.${i % 16}.0.0/16`,
        services: `172.${(second % 16) + 16}.0.0/16`,
        nodes: `192.168.${i % 256}.0/24`,
        ha: variant !== 2,
      }) as never,
    );
    if (variant === 0) {
      const deployment = sampleDeployment();
      deployment.metadata!.namespace = name;
      api.put(`/apis/apps/v1/namespaces/${name}/deployments`, deployment as never);
      injected += 1;
    }
  }
  return injected;
}

async function scrape(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function measure(count: number, dir: string, ca: string): Promise<string> {
  const api = new FakeApiServer();
  await api.start();
  const injected = populate(api, count);
  const kubeconfig = join(dir, `kubeconfig-${count}`);
  writeFileSync(kubeconfig, api.kubeConfig().exportConfig());
  const [webhookPort, metricsPort] = [await freePort(), await freePort()];
  api.admission = async (operation, object, oldObject) => {
    const response = await httpsRequest(`https://localhost:${webhookPort}${WEBHOOK_PATH}`, {
      ca,
      method: 'POST',
      body: deploymentReview(object, operation, oldObject),
    });
    const patch = (JSON.parse(response.body).response as { patch?: string }).patch;
    return patch ? JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) : undefined;
  };

  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(APP, 'dist/controller.js'),
      `--kubeconfig=${kubeconfig}`,
      `--webhook-address=127.0.0.1:${webhookPort}`,
      `--metrics-address=127.0.0.1:${metricsPort}`,
      `--tls-cert-file=${join(dir, 'tls.crt')}`,
      `--tls-key-file=${join(dir, 'tls.key')}`,
      '--leader-election-namespace=garden',
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    await until('ready', async () => ((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok ? true : undefined));
    const ready = performance.now() - started;
    const metrics = await until('all shoots reconciled', async () => {
      const values = await scrape(metricsPort);
      const done = (values.get('overlap_controller_reconciles_total{result="success"}') ?? 0) >= count;
      const injections = [...values].filter(([k]) => k.startsWith('overlap_webhook_injections_total')).length;
      return done && injections >= injected ? values : undefined;
    });
    const reconciled = performance.now() - started;
    const mib = (name: string): string => ((metrics.get(name) ?? 0) / 2 ** 20).toFixed(1);
    return `| ${count} | ${injected} | ${mib('process_resident_memory_bytes')} | ${mib('nodejs_heap_size_used_bytes')} | ${(ready / 1000).toFixed(2)} | ${(reconciled / 1000).toFixed(2)} |`;
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await api.stop();
  }
}

/**
 * Heap the controller keeps for `count` shoots: live heap after a full collection with it running and settled,
 * minus the same once it is stopped and dropped (the test double's own data is in both and cancels out).
 */
async function retained(count: number): Promise<string> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const harness = new Harness();
  await harness.start();
  populate(harness.api, count);
  let controller: RunningController | undefined = await harness.startController('bench');
  harness.useWebhookOf(controller);
  const running = controller;
  await until('reconciled in-process', async () => (running.leading() && running.plans.namespaces().length === count ? true : undefined));
  await controller.settled();
  gc();
  const withController = process.memoryUsage().heapUsed;
  await controller.stop();
  harness.controllers.length = 0;
  harness.api.admission = undefined;
  controller = undefined;
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
  const without = process.memoryUsage().heapUsed;
  await harness.close();
  const kept = withController - without;
  return `| ${count} | ${(kept / 2 ** 20).toFixed(1)} | ${(kept / count / 1024).toFixed(1)} |`;
}

const build = spawnSync(process.execPath, ['build.ts'], { cwd: APP, stdio: 'inherit' });
if (build.status !== 0) throw new Error('building dist/controller.js failed');
const dir = mkdtempSync(join(tmpdir(), 'ovl-bench-'));
const certs = await generateDevCertificates({ service: 'overlap-seed-controller', namespace: 'garden', days: 1 });
writeFileSync(join(dir, 'tls.crt'), certs.tlsCert);
writeFileSync(join(dir, 'tls.key'), certs.tlsKey);
const rows: string[] = [];
try {
  for (const count of SIZES) rows.push(await measure(count, dir, certs.caCert));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const kept = await retained(1000);
console.log('The controller process (dist/controller.js) against the Kubernetes API test double, once every shoot is');
console.log('reconciled; memory from its own metrics (heap used includes garbage not yet collected):\n');
console.log('| Clusters | injected via webhook | RSS MiB | heap used MiB | ready after s | all reconciled after s |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log('\nHeap the controller retains (in-process: live heap after a full GC while running, minus after stopping it):\n');
console.log('| Clusters | retained MiB | KiB per Cluster |');
console.log('|---|---|---|');
console.log(kept);
