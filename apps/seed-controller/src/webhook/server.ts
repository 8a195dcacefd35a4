import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ControllerMetrics } from '../telemetry/metrics.ts';
import { answerProbe, readBody, send } from '../telemetry/http-util.ts';
import { MalformedReviewError, type ObjectLookup, type PlanLookup, admit } from './admission.ts';

export const WEBHOOK_PATH = '/mutate-kube-apiserver';

export interface WebhookServerOptions {
  readonly host: string;
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  readonly lookup: PlanLookup;
  /** The controller's caches of its own objects: nothing is injected before everything it mounts exists. */
  readonly objects: ObjectLookup;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  readonly isReady: () => boolean;
  /** How often the certificate files are re-read: a mounted Secret changes in place when it is rotated. */
  readonly reloadIntervalMs?: number;
}

export interface WebhookServer {
  readonly port: number;
  close(): Promise<void>;
}

async function loadPair(certFile: string, keyFile: string): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
  return { cert, key };
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { logger, metrics } = options;
  let pair = await loadPair(options.certFile, options.keyFile);
  const server: Server = createServer(pair, (request, response) => {
    const path = new URL(request.url ?? '/', 'https://webhook').pathname;
    if (answerProbe(path, response, options.isReady)) return;
    if (path !== WEBHOOK_PATH || request.method !== 'POST') {
      send(response, 404, 'not found\n');
      return;
    }
    const started = process.hrtime.bigint();
    // Before the caches are filled every shoot looks unknown, and admitting gardenlet's object unchanged would
    // drop an injection; an error makes the API server refuse (failurePolicy Fail) and gardenlet retry.
    if (!options.isReady()) {
      metrics.admissions.inc({ outcome: 'error' });
      send(response, 503, 'not ready: the caches have not synced\n');
      return;
    }
    readBody(request)
      .then((body) => {
        const result = admit(JSON.parse(body.toString('utf8')), options.lookup, options.objects);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.recordAdmission(result.outcome, result.namespace, seconds);
        const level = result.outcome === 'error' ? 'warn' : result.outcome === 'unchanged' ? 'debug' : 'info';
        logger[level]({ namespace: result.namespace, outcome: result.outcome, seconds }, result.detail);
        send(response, 200, JSON.stringify(result.review), 'application/json');
      })
      .catch((error: Error) => {
        metrics.recordAdmission('error', undefined, Number(process.hrtime.bigint() - started) / 1e9);
        logger.warn({ err: error }, 'rejected a request to the webhook');
        send(response, error instanceof MalformedReviewError || error instanceof SyntaxError ? 400 : 500, `${error.message}\n`);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });

  const reload = setInterval(() => {
    loadPair(options.certFile, options.keyFile)
      .then((next) => {
        if (next.cert.equals(pair.cert) && next.key.equals(pair.key)) return;
        server.setSecureContext(next);
        pair = next;
        logger.info({ certFile: options.certFile }, 'reloaded the webhook serving certificate');
      })
      .catch((error: Error) => logger.warn({ err: error }, 'cannot re-read the webhook serving certificate; keeping the old one'));
  }, options.reloadIntervalMs ?? 60_000);
  reload.unref();

  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(reload);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
