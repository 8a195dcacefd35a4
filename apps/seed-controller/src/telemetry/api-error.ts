/**
 * What went wrong talking to the API server, in words an operator can act on: the HTTP status and the server's
 * message, or the network error under Node's bare "fetch failed" (ECONNREFUSED, a TLS or DNS error), or the
 * deadline that cut the request off.
 */
export function apiErrorCause(error: unknown): string {
  // A request cut off by its AbortSignal fails with a DOMException whose numeric `code` is a legacy DOM constant
  // (23 for TimeoutError), not an HTTP status: its name and message say what happened.
  if (error instanceof DOMException) return `${error.name}: ${error.message}`;
  const status = (error as { code?: unknown }).code;
  if (typeof status === 'number') {
    const body = (error as { body?: unknown }).body;
    let message: unknown;
    try {
      message = typeof body === 'string' ? (JSON.parse(body) as { message?: unknown }).message : (body as { message?: unknown } | undefined)?.message;
    } catch {
      message = body;
    }
    return `HTTP ${status}${message ? `: ${String(message)}` : ''}`;
  }
  const parts: string[] = [];
  for (let cause: unknown = error, depth = 0; cause !== undefined && cause !== null && depth < 4; cause = (cause as { cause?: unknown }).cause, depth += 1) {
    const text = cause instanceof Error ? cause.message : String(cause);
    const code = (cause as { code?: unknown }).code;
    parts.push(typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text);
  }
  return parts.join(': ') || 'unknown error';
}
