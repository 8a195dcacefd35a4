import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ListenAddress } from './env-values.ts';
import type { SyncStatus } from './sync.ts';

// Not `import … from 'node:http'`: an ES import builds the module's whole namespace, whose lazy WebSocket,
// CloseEvent and MessageEvent load undici, and with it tls and http2: ~11 MiB of RSS in every agent for nothing.
const { createServer } = process.getBuiltinModule('node:http');

export interface HealthServer {
  /** The port actually bound (differs from the configured one only for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `/metrics` for Prometheus, `/healthz` while the process serves requests at all, `/readyz` only while the last
 * sync succeeded and the live rules equal the desired ones (the body says why not).
 */
export async function startHealthServer(address: ListenAddress, registry: Registry, readiness: () => SyncStatus): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, 'method not allowed\n');
    switch (path) {
      case '/metrics':
        registry.metrics().then(
          (text) => reply(200, text, registry.contentType),
          (error: unknown) => reply(500, `${String(error)}\n`),
        );
        return;
      case '/healthz':
        return reply(200, 'ok\n');
      case '/readyz': {
        const { ready, reason } = readiness();
        return reply(ready ? 200 : 503, `${reason}\n`);
      }
      default:
        return reply(404, 'not found\n');
    }
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
