// The controller's footprint with many shoots, against FakeApiServer, an in-process TEST DOUBLE of the Kubernetes
// API (not a cluster) holding N Cluster objects of realistic size (~120 KiB each: the embedded Shoot, Seed and a
// public cloud's CloudProfile, realisticCluster of @overlap/test-support). (1) The bundled controller process
// (dist/controller.js, built first, started as the image starts it) until every shoot is reconciled (a third
// injected through the webhook over HTTPS): its RSS, sampled from /proc every 100 ms, peak and settled, beside the
// goal and the RSS of a bare `node` measured in the same run. (2) The same controller in this process, heap retained
// after a full garbage collection. Prints Markdown tables.
//   node apps/seed-controller/bench/controller-memory.ts [sizes…]   (default 0 1000 5000)
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  FakeApiServer,
  realisticDeployment,
  realisticCluster,
  CLUSTERS,
  freePort,
  type Sample,
  metricValue,
  parseMetrics,
  waitFor,
} from '@overlap/test-support';
import { admitThroughWebhook, controllerArgv, prepareController } from './lib/controller-process.ts';
import { imageNodeFlags } from '@overlap/setup';
import type { RunningController } from '../src/controller/controller.ts';
import { Harness } from '../test/support/controller-harness.ts';

const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [0, 1000, 5000];
/** Issue 12's goals for the settled RSS, MiB. */
const GOALS: Record<number, number> = { 0: 100, 1000: 160, 5000: 250 };
/** Independent runs per size; one run with 5000 large Clusters takes minutes here (the test double serves them all), so one. */
const RUNS = (count: number): number => (count >= 5000 ? 1 : count >= 1000 ? 3 : 5);
const APP = join(import.meta.dirname, '..');
/** How long a run may take: the test double and the webhook share this process with thousands of large Clusters. */
const boundMs = (count: number): number => 180_000 + 100 * count;
/** As the image starts the controller (its Dockerfile's ENTRYPOINT). */
const NODE_FLAGS = imageNodeFlags(join(APP, 'Dockerfile'));

/** Shoot i: HA with an overlap, HA without, or non-HA with an overlap, in turn; every shoot its own /16s. */
function populate(api: FakeApiServer, count: number): number {
  let injected = 0;
  for (let i = 0; i < count; i += 1) {
    const name = `shoot--bench--s${i}`;
    const variant = i % 3;
    const second = 16 + (i % 200);
    api.put(
      CLUSTERS,
      realisticCluster(
        {
          name,
          seedPods: '10.0.0.0/12',
          pods: variant === 1 ? `100.${64 + (i % 60)}.0.0/16` : `10.${i % 16}.0.0/16`,
          services: `172.${(second % 16) + 16}.0.0/16`,
          nodes: `192.168.${i % 256}.0/24`,
          ha: variant !== 2,
        },
        i,
      ) as never,
      { shared: true },
    );
    if (variant === 0) {
      const deployment = realisticDeployment(name);
      api.put(`/apis/apps/v1/namespaces/${name}/deployments`, deployment as never);
      injected += 1;
    }
  }
  return injected;
}

async function scrape(port: number): Promise<Sample[]> {
  return parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
}

/** Waits for `check`, a failed check (the server not listening yet) counting as not yet. */
const until = <T>(what: string, check: () => Promise<T | undefined>, bound = boundMs(0)): Promise<T> =>
  waitFor(what, () => check().catch(() => undefined), bound, 100);

/** RSS of a process in MiB, from /proc (what the kubelet's memory accounting is closest to). */
function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

interface Run {
  peak: number;
  settled: number;
  heapUsed: number;
  ready: number;
  reconciled: number;
}

async function measure(count: number, dir: string, ca: string): Promise<Run> {
  const api = new FakeApiServer();
  await api.start();
  const injected = populate(api, count);
  const kubeconfig = join(dir, `kubeconfig-${count}`);
  api.writeKubeconfig(kubeconfig);
  const [webhookPort, metricsPort] = [await freePort(), await freePort()];
  admitThroughWebhook(api, webhookPort, ca);

  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    controllerArgv({ app: APP, nodeFlags: NODE_FLAGS, kubeconfig, tlsDir: dir, webhookPort, metricsPort, logLevel: 'warn' }),
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(child.pid!));
    } catch {
      // not started yet or gone
    }
  }, 100);
  try {
    await until('ready', async () => ((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok ? true : undefined));
    const ready = performance.now() - started;
    const metrics = await until(
      'all shoots reconciled',
      async () => {
        const samples = await scrape(metricsPort);
        const done = metricValue(samples, 'overlap_controller_reconciles_total', { result: 'success' }) >= count;
        const injections = samples.filter((sample) => sample.name === 'overlap_webhook_injections_total').length;
        return done && injections >= injected ? samples : undefined;
      },
      boundMs(count),
    );
    const reconciled = performance.now() - started;
    // Settled: a few seconds after the start-up burst, as it stays between resyncs.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const settled = rssMiB(child.pid!);
    peak = Math.max(peak, settled);
    return { peak, settled, heapUsed: metricValue(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20, ready: ready / 1000, reconciled: reconciled / 1000 };
  } finally {
    clearInterval(sampler);
    child.kill('SIGTERM');
    await once(child, 'exit');
    await api.stop();
  }
}

/** A bare `node` idling, as the floor: what any Node process costs before the controller loads anything. */
async function bareNodeMiB(): Promise<number> {
  const child = spawn(process.execPath, [...NODE_FLAGS, '-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    return rssMiB(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
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

const { dir, caCert } = await prepareController(APP);
const sorted = (values: number[]): number[] => values.toSorted((a, b) => a - b);
const median = (values: number[]): number => sorted(values)[Math.floor(values.length / 2)]!;
const f = (value: number): string => value.toFixed(1);
console.log(`The controller process (node ${[...NODE_FLAGS, 'dist/controller.js'].join(' ')}) against the Kubernetes API test double,`);
console.log(
  'Clusters of ~120 KiB each, listed in pages; kube-apiserver Deployments of ~30 KiB; a third of the shoots injected through the webhook. RSS in MiB from',
);
console.log('/proc: settled = 3 s after every shoot is reconciled, peak = highest 100 ms sample from start; min / median of the runs.\n');
console.log(
  '| Clusters | runs | settled RSS min / median | goal | met | peak RSS min / median | heap used (median) | floor: bare node RSS min / median | ready after s | all reconciled after s |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
try {
  for (const count of SIZES) {
    const runs: Run[] = [];
    const floors: number[] = [];
    for (let i = 0; i < RUNS(count); i += 1) {
      floors.push(await bareNodeMiB());
      runs.push(await measure(count, dir, caCert));
    }
    const settled = runs.map((r) => r.settled);
    const goal = GOALS[count];
    const met = goal === undefined ? '—' : median(settled) <= goal ? 'met' : 'not met';
    console.log(
      `| ${count} | ${runs.length} | ${f(Math.min(...settled))} / ${f(median(settled))} | ${goal === undefined ? '—' : `≤ ${goal}`} | ${met} | ` +
        `${f(Math.min(...runs.map((r) => r.peak)))} / ${f(median(runs.map((r) => r.peak)))} | ${f(median(runs.map((r) => r.heapUsed)))} | ` +
        `${f(Math.min(...floors))} / ${f(median(floors))} | ${median(runs.map((r) => r.ready)).toFixed(2)} | ${median(runs.map((r) => r.reconciled)).toFixed(2)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const kept = await retained(1000);
console.log('\nHeap the controller retains (in-process: live heap after a full GC while running, minus after stopping it):\n');
console.log('| Clusters | retained MiB | KiB per Cluster |');
console.log('|---|---|---|');
console.log(kept);
