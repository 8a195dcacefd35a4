import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reads a request body up to `limit` bytes; kube-apiserver caps AdmissionReview objects well below 3 MiB. */
export async function readBody(request: IncomingMessage, limit = 3 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error(`request body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function send(response: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** `/healthz` and `/readyz`, answered the same way on every port that serves them. */
export function answerProbe(path: string, response: ServerResponse, isReady: () => boolean): boolean {
  if (path === '/healthz') {
    send(response, 200, 'ok\n');
    return true;
  }
  if (path === '/readyz') {
    const ready = isReady();
    send(response, ready ? 200 : 503, ready ? 'ok\n' : 'not ready: the informer caches have not synced\n');
    return true;
  }
  return false;
}
