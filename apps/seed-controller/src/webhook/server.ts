import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Logger, type Readiness, answerProbe, send } from '@overlap/runtime';
import type { ControllerMetrics } from '../telemetry/metrics.ts';
import { BodyTooLargeError, readBody } from '../telemetry/http-util.ts';
import { SHOOT_WEBHOOK_PATH } from '../vpn-shoot/names.ts';
import { DEFAULT_SHOOT_AGENT_SETTINGS, type ShootAgentSettings } from '../vpn-shoot/shoot-agent.ts';
import { MalformedReviewError, type ObjectLookup, type PlanLookup, RetryLaterError, admit } from './admission.ts';
import { admitVpnShoot } from './vpn-shoot-admission.ts';

export const WEBHOOK_PATH = '/mutate-kube-apiserver';

/** `/readyz` of a replica whose caches have (not) synced: before that every shoot looks unknown. */
export const cachesReadiness = (synced: boolean): Readiness =>
  synced ? { ready: true, reason: 'ok' } : { ready: false, reason: 'not ready: the informer caches have not synced' };

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
  /** The sidecar the shoot webhook adds to vpn-shoot (default: DEFAULT_SHOOT_AGENT_SETTINGS). */
  readonly shootAgent?: ShootAgentSettings;
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

/**
 * How long an idle keep-alive connection stays open: longer than kube-apiserver keeps one (client-go's transport
 * takes Go's default IdleConnTimeout, 90 s), so that the client always closes first. Node's default is 5 s, and
 * kube-apiserver does not retry an admission POST whose idle connection the server closed as it was sent
 * (kubernetes/kubernetes#127335): that admission would fail.
 */
const WEBHOOK_IDLE_TIMEOUT_MS = 120_000;

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { logger, metrics } = options;
  let pair = await loadPair(options.certFile, options.keyFile);
  const server: Server = createServer(pair, (request, response) => {
    const path = new URL(request.url ?? '/', 'https://webhook').pathname;
    if (answerProbe(path, response, () => cachesReadiness(options.isReady()))) return;
    const shoot = shootOfPath(path);
    if (shoot !== undefined && request.method === 'POST') {
      serveVpnShoot(request, response, shoot, options);
      return;
    }
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
      .catch((error: Error) =>
        answerFailure(request, response, error, logger, 'the webhook', (outcome) => {
          metrics.recordAdmission(outcome, undefined, Number(process.hrtime.bigint() - started) / 1e9);
        }),
      );
  });
  server.keepAliveTimeout = WEBHOOK_IDLE_TIMEOUT_MS;
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

const SHOOT_PATH = new RegExp(`^${SHOOT_WEBHOOK_PATH}/([a-z0-9][a-z0-9-]{0,62})$`);

/** `/mutate-vpn-shoot/<shoot namespace>` → the namespace; undefined for any other path. */
function shootOfPath(path: string): string | undefined {
  return SHOOT_PATH.exec(path)?.[1];
}

/**
 * The shoot webhook: called by a shoot's kube-apiserver for its vpn-shoot. It needs no Cluster (the networks come
 * from vpn-shoot's own env), so it answers before the caches have synced too.
 */
function serveVpnShoot(request: IncomingMessage, response: ServerResponse, shoot: string, options: WebhookServerOptions): void {
  const { logger, metrics } = options;
  const started = process.hrtime.bigint();
  readBody(request)
    .then((body) => {
      const result = admitVpnShoot(JSON.parse(body.toString('utf8')), options.shootAgent ?? DEFAULT_SHOOT_AGENT_SETTINGS);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.recordVpnShootAdmission(result.outcome, seconds);
      const level = result.outcome === 'refused' ? 'warn' : result.changesStored && result.outcome !== 'unchanged' ? 'info' : 'debug';
      logger[level]({ shoot, outcome: result.outcome, seconds }, result.detail);
      send(response, 200, JSON.stringify(result.review), 'application/json');
    })
    .catch((error: Error) =>
      answerFailure(request, response, error, logger.child({ shoot }), 'the shoot webhook', (outcome) => {
        metrics.recordVpnShootAdmission(outcome, Number(process.hrtime.bigint() - started) / 1e9);
      }),
    );
}

/**
 * The answer to a request that could not be admitted, the same on both paths. A client that went away (or was too
 * slow and timed out) is not an admission error and fires no alert; the request stream itself is destroyed after a
 * complete read too, so the socket tells the two apart.
 */
function answerFailure(
  request: IncomingMessage,
  response: ServerResponse,
  error: Error,
  logger: Logger,
  what: string,
  record: (outcome: 'error' | 'client_aborted') => void,
): void {
  if (request.socket.destroyed && !(error instanceof BodyTooLargeError)) {
    record('client_aborted');
    logger.debug({ err: error.message }, 'the client went away before the answer');
    return;
  }
  record('error');
  logger.warn({ err: error }, `rejected a request to ${what}`);
  if (error instanceof BodyTooLargeError) {
    send(response, 413, `${error.message}\n`);
    // The rest of the body is not read; the connection goes, without a reset while the client still sends.
    request.resume();
    return;
  }
  const status = error instanceof RetryLaterError ? 503 : error instanceof MalformedReviewError || error instanceof SyntaxError ? 400 : 500;
  send(response, status, `${error.message}\n`);
}
