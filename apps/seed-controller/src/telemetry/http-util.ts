import type { IncomingMessage } from 'node:http';

/** A body over the limit: answered 413, not read to its end. */
export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a message's body up to `limit` bytes: a webhook request's (kube-apiserver caps AdmissionReview objects well
 * below 3 MiB), or an API server's answer to the small client (no limit: a page of Clusters is large). A
 * declared Content-Length over the limit is refused before anything is read. Events rather than `for await`: the
 * async iterator costs promises and ticks on every request of the webhook.
 */
export function readBody(request: IncomingMessage, limit = 3 * 1024 * 1024): Promise<Buffer> {
  if (Number(request.headers['content-length'] ?? 0) > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error): void => {
      request.off('data', onData).off('end', onEnd).off('error', finish).off('close', onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(new BodyTooLargeError(limit));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish();
    const onClose = (): void => finish(new Error('the request was closed before its end'));
    request.on('data', onData).on('end', onEnd).on('error', finish).on('close', onClose);
  });
}
