import { KubeApiError, statusMessage } from '../kube/request.ts';

/**
 * What went wrong talking to the API server, in words an operator can act on: the HTTP status and the server's
 * message, or the network error with Node's code (ECONNREFUSED, a TLS or DNS error) and its causes.
 */
export function apiErrorCause(error: unknown): string {
  if (error instanceof KubeApiError) {
    const message = statusMessage(error.body) ?? error.body.trim();
    return `HTTP ${error.code}${message ? `: ${message}` : ''}`;
  }
  const parts: string[] = [];
  for (let cause: unknown = error, depth = 0; cause !== undefined && cause !== null && depth < 4; cause = (cause as { cause?: unknown }).cause, depth += 1) {
    const text = cause instanceof Error ? cause.message : String(cause);
    const code = (cause as { code?: unknown }).code;
    parts.push(typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text);
  }
  return parts.join(': ') || 'unknown error';
}
