// The webhook server on its own thread, so the benchmark's client does not share its event loop.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { apartCluster, overlappingCluster } from '@overlap/test-support';
import { DEFAULT_INJECTION_SETTINGS } from '../../src/inject/settings.ts';
import { planShoot } from '../../src/shoot/shoot-plan.ts';
import { ControllerMetrics } from '../../src/telemetry/metrics.ts';
import type { PlanEntry } from '../../src/webhook/admission.ts';
import { startWebhookServer } from '../../src/webhook/server.ts';
import { objectsOf } from '../../test/support/owned-objects.ts';

const { certFile, keyFile } = workerData as { certFile: string; keyFile: string };
const plans = new Map<string, PlanEntry>();
for (const cluster of [overlappingCluster(), apartCluster()]) {
  plans.set(cluster.metadata!.name!, { state: 'planned', plan: planShoot(cluster, DEFAULT_INJECTION_SETTINGS) });
}
const server = await startWebhookServer({
  host: '127.0.0.1',
  port: 0,
  certFile,
  keyFile,
  lookup: (namespace) => plans.get(namespace) ?? { state: 'unknown' },
  objects: objectsOf(plans.values()),
  metrics: new ControllerMetrics('bench', false),
  logger: pino({ level: 'silent' }),
  isReady: () => true,
});

// The floor: the same TLS, the same body read and parsed, an answer that allows without looking at anything.
const floor = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string } };
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } }));
  });
});
floor.listen(0, '127.0.0.1');
await once(floor, 'listening');

parentPort!.postMessage({ port: server.port, floorPort: (floor.address() as AddressInfo).port });
parentPort!.once('message', () => {
  floor.close();
  void server.close().then(() => process.exit(0));
});
