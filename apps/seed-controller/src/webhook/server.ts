import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ControllerMetrics } from '../telemetry/metrics.ts';
import { BodyTooLargeError, answerProbe, readBody, send } from '../telemetry/http-util.ts';
import { MalformedReviewError, type PlanLookup, RetryLaterError, admit } from './admission.ts';

export const WEBHOOK_PATH = '/mutate-kube-apiserver';

export interface WebhookServerOptions {
  readonly host: string;
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  readonly lookup: PlanLookup;
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
        const result = admit(JSON.parse(body.toString('utf8')), options.lookup);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.recordAdmission(result.outcome, result.namespace, seconds);
        const level = result.outcome === 'error' ? 'warn' : result.outcome === 'unchanged' ? 'debug' : 'info';
        logger[level]({ namespace: result.namespace, outcome: result.outcome, seconds }, result.detail);
        send(response, 200, JSON.stringify(result.review), 'application/json');
      })
      .catch((error: Error) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        // A client that went away (or was too slow and timed out) is not an admission error: no alert for it.
        // (The request stream itself is destroyed after a complete read too; the socket tells the two apart.)
        if (request.socket.destroyed && !(error instanceof BodyTooLargeError)) {
          metrics.recordAdmission('client_aborted', undefined, seconds);
          logger.debug({ err: error.message }, 'the client went away before the answer');
          return;
        }
        metrics.recordAdmission('error', undefined, seconds);
        logger.warn({ err: error }, 'rejected a request to the webhook');
        if (error instanceof BodyTooLargeError) {
          send(response, 413, `${error.message}\n`);
          // The rest of the body is not read; the connection goes, without a reset while the client still sends.
          request.resume();
          return;
        }
        const status = error instanceof RetryLaterError ? 503 : error instanceof MalformedReviewError || error instanceof SyntaxError ? 400 : 500;
        send(response, status, `${error.message}\n`);
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
