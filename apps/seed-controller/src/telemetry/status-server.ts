import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { answerProbe, send } from './http-util.ts';

/** Plain HTTP for Prometheus and the kubelet: `/metrics`, `/healthz`, `/readyz`. */
export async function startStatusServer(options: {
  host: string;
  port: number;
  registry: Registry;
  isReady: () => boolean;
}): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://status').pathname;
    if (answerProbe(path, response, options.isReady)) return;
    if (path === '/metrics' && request.method === 'GET') {
      options.registry
        .metrics()
        .then((text) => send(response, 200, text, options.registry.contentType))
        .catch((error: Error) => send(response, 500, `${error.message}\n`));
      return;
    }
    send(response, 404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
