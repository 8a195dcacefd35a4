import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ListenAddress } from './values.ts';

// Not `import … from 'node:http'`: an ES import builds the module's whole namespace, whose lazy WebSocket,
// CloseEvent and MessageEvent load undici, and with it tls and http2: ~11 MiB of RSS in every agent for nothing.
const { createServer } = process.getBuiltinModule('node:http');

/** Whether the process can do its job now and, for `/readyz` and the logs, why (not). */
export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

export interface ProbeServerOptions {
  readonly address: ListenAddress;
  readonly registry: Registry;
  readonly readiness: () => Readiness;
}

export interface ProbeServer {
  /** The port actually bound (differs from the configured one only for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

export function send(response: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** `/healthz` while the process serves at all, `/readyz` with the reason; answered the same on every port. */
export function answerProbe(path: string, response: ServerResponse, readiness: () => Readiness): boolean {
  if (path === '/healthz') {
    send(response, 200, 'ok\n');
    return true;
  }
  if (path === '/readyz') {
    const { ready, reason } = readiness();
    send(response, ready ? 200 : 503, `${reason}\n`);
    return true;
  }
  return false;
}

/** Plain HTTP for Prometheus and the kubelet: `/metrics` from the registry, `/healthz`, `/readyz`. */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const { address, registry, readiness } = options;
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://probe').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'method not allowed\n');
    if (answerProbe(path, response, readiness)) return;
    if (path !== '/metrics') return send(response, 404, 'not found\n');
    registry.metrics().then(
      (text) => send(response, 200, text, registry.contentType),
      (error: unknown) => send(response, 500, `${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
