// The webhook server on its own thread, so the benchmark's client does not share its event loop.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { DEFAULT_INJECTION_SETTINGS } from '../../src/inject/settings.ts';
import { planShoot } from '../../src/shoot/shoot-plan.ts';
import { ControllerMetrics } from '../../src/telemetry/metrics.ts';
import type { PlanEntry } from '../../src/webhook/admission.ts';
import { startWebhookServer } from '../../src/webhook/server.ts';
import { apartCluster, overlappingCluster } from '../../test/support/fixtures.ts';
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
parentPort!.postMessage(server.port);
parentPort!.once('message', () => void server.close().then(() => process.exit(0)));
