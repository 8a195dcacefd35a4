import type { IncomingMessage, ServerResponse } from 'node:http';

/** A body over the limit: answered 413, not read to its end. */
export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a request body up to `limit` bytes; kube-apiserver caps AdmissionReview objects well below 3 MiB. A
 * declared Content-Length over the limit is refused before anything is read.
 */
export async function readBody(request: IncomingMessage, limit = 3 * 1024 * 1024): Promise<Buffer> {
  if (Number(request.headers['content-length'] ?? 0) > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function send(response: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  if (response.destroyed) return;
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
