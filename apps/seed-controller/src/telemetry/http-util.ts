import type { IncomingMessage } from 'node:http';

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
