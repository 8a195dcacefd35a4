// How long `overlap status` takes on a seed with 1000 Clusters: a third of them HA with an overlap and injected
// (3 kube-apiserver pods each, whose agents' /readyz is read through the pod proxy), the rest HA without overlap.
// The seed is FakeApiServer, the repository's in-process TEST DOUBLE of the Kubernetes API (it shares this
// process and its cores with the CLI). The goal: an answer within 5 s, as `kubectl get` on a seed that size. The
// floor, measured in the same run, is the same HTTP requests (every list and every pod proxy call) with nothing
// parsed into client objects and nothing judged: what any client pays to ask this server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeApiServer, cluster } from '@overlap/test-support';
import { main } from '../src/cli/main.ts';
import { putShoot } from '../test/support/seed-fixture.ts';

const SHOOTS = 1000;
const ROUNDS = 5;
const GOAL_MS = 5000;

const api = new FakeApiServer();
await api.start();
const dir = mkdtempSync(join(tmpdir(), 'ovl-bench-status-'));
const kubeconfig = join(dir, 'kubeconfig');
api.writeKubeconfig(kubeconfig);
let injected = 0;
for (let i = 0; i < SHOOTS; i += 1) {
  const overlapping = i % 3 === 0;
  const name = `shoot--bench--s${String(i).padStart(4, '0')}`;
  putShoot(api, {
    cluster: cluster({ name, pods: overlapping ? '10.1.0.0/16' : '100.96.0.0/11' }),
    injected: overlapping,
    pods: overlapping ? ['a', 'b', 'c'].map((suffix) => ({ name: `kube-apiserver-${suffix}`, agentReady: true })) : [],
  });
  if (overlapping) injected += 1;
}
api.podProxy = () => ({ status: 200, body: 'in sync\n' });

const sink = { write: () => true } as unknown as NodeJS.WritableStream;
async function statusOnce(): Promise<number> {
  const started = performance.now();
  const code = await main(['status', '--kubeconfig', kubeconfig], sink, sink);
  if (code !== 0) throw new Error(`overlap status exited ${code}`);
  return performance.now() - started;
}

/** The same requests as raw HTTP: 5 lists, then one proxy call per injected pod, 16 at a time. */
async function floorOnce(): Promise<number> {
  const started = performance.now();
  const lists = [
    '/apis/extensions.gardener.cloud/v1alpha1/clusters',
    '/apis/apps/v1/deployments',
    '/api/v1/configmaps',
    '/api/v1/secrets',
    '/apis/resources.gardener.cloud/v1alpha1/managedresources',
    '/api/v1/pods',
  ];
  await Promise.all(lists.map(async (path) => (await fetch(`${api.url}${path}`)).text()));
  const proxies: string[] = [];
  for (let i = 0; i < SHOOTS; i += 3) {
    for (const suffix of ['a', 'b', 'c'])
      proxies.push(`/api/v1/namespaces/shoot--bench--s${String(i).padStart(4, '0')}/pods/kube-apiserver-${suffix}:9150/proxy/readyz`);
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < proxies.length) await (await fetch(`${api.url}${proxies[next++]}`)).text();
    }),
  );
  return performance.now() - started;
}

const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
await statusOnce(); // warm-up: module loading and JIT
await floorOnce();
const status: number[] = [];
const floor: number[] = [];
for (let i = 0; i < ROUNDS; i += 1) {
  status.push(await statusOnce());
  floor.push(await floorOnce());
}
await api.stop();
rmSync(dir, { recursive: true, force: true });

const figure = median(status);
process.stdout.write(
  [
    `\`overlap status\` on ${SHOOTS} Clusters (${injected} injected, ${injected * 3} agents asked through the pod proxy), median of ${ROUNDS} runs, milliseconds:`,
    '',
    '| figure | goal | floor (the same requests, raw) | meets goal |',
    '|---|---|---|---|',
    `| ${figure.toFixed(0)} | ${GOAL_MS} | ${median(floor).toFixed(0)} | ${figure <= GOAL_MS ? 'yes' : 'no'} |`,
    '',
  ].join('\n'),
);
