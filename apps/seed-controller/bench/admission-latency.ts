// Admission latency of the webhook over real HTTPS (keep-alive, as kube-apiserver calls it) at steady request
// rates, for a Deployment that gets the injection and one that stays unchanged. The server runs on its own thread
// (as it has its own process in the seed); the client measures. Prints a Markdown table.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { generateDevCertificates } from '../src/cli/dev-cert.ts';
import { WEBHOOK_PATH } from '../src/webhook/server.ts';
import { deploymentReview } from '../test/support/admission-review.ts';
import { sampleDeployment } from '../test/support/fixtures.ts';
import { httpsRequest } from '../test/support/https-client.ts';

const RATES = [50, 200, 500];
const SECONDS = 4;

const dir = mkdtempSync(join(tmpdir(), 'ovl-bench-'));
const certs = await generateDevCertificates({ service: 'overlap-seed-controller', namespace: 'garden', days: 1 });
writeFileSync(join(dir, 'tls.crt'), certs.tlsCert);
writeFileSync(join(dir, 'tls.key'), certs.tlsKey);
const worker = new Worker(join(import.meta.dirname, 'lib/webhook-worker.ts'), {
  workerData: { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') },
});
const [port] = (await once(worker, 'message')) as [number];
const url = `https://localhost:${port}${WEBHOOK_PATH}`;
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function review(namespace: string) {
  const deployment = sampleDeployment();
  deployment.metadata!.namespace = namespace;
  return deploymentReview(deployment);
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Open loop: request i starts at i/rate seconds whether or not earlier ones have answered. */
async function run(rate: number, namespace: string): Promise<{ latencies: number[]; errors: number }> {
  const body = review(namespace);
  const total = rate * SECONDS;
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    pending.push(
      httpsRequest(url, { ca: certs.caCert, method: 'POST', body, agent }).then(
        (response) => {
          if (response.status === 200) latencies.push(performance.now() - sent);
          else errors += 1;
        },
        () => {
          errors += 1;
        },
      ),
    );
  }
  await Promise.all(pending);
  return { latencies: latencies.sort((a, b) => a - b), errors };
}

await run(50, 'shoot--dev--overlap'); // warm-up: TLS sessions, JIT
const rows: string[] = [];
for (const [label, namespace] of [
  ['injected', 'shoot--dev--overlap'],
  ['unchanged', 'shoot--dev--apart'],
] as const) {
  for (const rate of RATES) {
    const { latencies, errors } = await run(rate, namespace);
    const ms = (value: number): string => value.toFixed(2);
    rows.push(
      `| ${label} | ${rate} | ${latencies.length + errors} | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 99))} | ${ms(latencies.at(-1)!)} | ${errors} |`,
    );
  }
}
agent.destroy();
worker.postMessage('stop');
await once(worker, 'exit');
rmSync(dir, { recursive: true, force: true });

console.log(`Admission latency over HTTPS (keep-alive), measured by the client, ${SECONDS} s per rate, one AdmissionReview of a`);
console.log('Gardener-shaped kube-apiserver Deployment per request:\n');
console.log('| outcome | requests/s | requests | p50 ms | p99 ms | max ms | errors |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
