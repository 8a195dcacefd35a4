// The pure parts of talking to an API server: request paths, the error an answer becomes, and the split of a watch
// stream into its events. No I/O here; client.ts does it.

/** Query parameters as the API takes them; undefined ones are left out. */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** `path?query`, with the query's values URL-encoded and its undefined ones left out. */
export function requestPath(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

/** What each patch kind is sent as (kubectl's --type json|merge|strategic). */
export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
} as const;
export type PatchType = keyof typeof PATCH_CONTENT_TYPES;

/**
 * An API server's answer outside 2xx: `code` is the HTTP status and `body` the text it sent (a Status object as a
 * rule), the shape the controller's and CLI's error wording reads (telemetry/api-error.ts, kube/access.ts).
 */
export class KubeApiError extends Error {
  readonly code: number;
  readonly body: string;

  constructor(method: string, path: string, code: number, body: string) {
    const message = statusMessage(body);
    super(`${method} ${path.split('?')[0]}: HTTP ${code}${message ? `: ${message}` : ''}`);
    this.name = 'KubeApiError';
    this.code = code;
    this.body = body;
  }
}

/** HTTP status of an API server's refusal, if that is what `error` is. */
export const httpStatus = (error: unknown): number | undefined => (error instanceof KubeApiError ? error.code : undefined);

/** The call's result, or undefined when the API server refuses it with `status` (404: not there; 409: there already). */
export async function unlessStatus<T>(call: Promise<T>, status: number): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (httpStatus(error) === status) return undefined;
    throw error;
  }
}

/** A list as the API answers it: the objects of one page, and where the list stands. */
export interface ObjectList<T> {
  readonly items: T[];
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
}

/** The `message` of the Status object an API server sends with an error, if the body is one. */
export function statusMessage(body: string): string | undefined {
  try {
    const message = (JSON.parse(body) as { message?: unknown } | null)?.message;
    return typeof message === 'string' && message !== '' ? message : undefined;
  } catch {
    return undefined;
  }
}

/** One event of a watch stream; an ERROR event carries a Status (410 Gone: the resourceVersion is too old). */
export interface WatchEvent<T> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

/**
 * Splits a watch stream (one JSON event per line, in chunks cut anywhere) into events: push each chunk, get the
 * events its complete lines hold; the unfinished tail waits for the next chunk. Chunks are kept as Buffers until a
 * line is complete, so a multi-byte character cut between chunks decodes whole.
 */
export class WatchLines<T> {
  #pending: Buffer[] = [];

  push(chunk: Buffer): WatchEvent<T>[] {
    const events: WatchEvent<T>[] = [];
    let from = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, from)) {
      const line = this.#pending.length === 0 ? chunk.subarray(from, end) : Buffer.concat([...this.#pending, chunk.subarray(from, end)]);
      this.#pending = [];
      from = end + 1;
      const text = line.toString('utf8').trim();
      if (text !== '') events.push(JSON.parse(text) as WatchEvent<T>);
    }
    if (from < chunk.length) this.#pending.push(chunk.subarray(from));
    return events;
  }
}

/** One API resource: core (`group` empty) or a group's; the path builder below puts it together. */
export interface Resource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/** The REST path of a resource's collection (in `namespace`, or every one) or of one object of it. */
export function resourcePath(resource: Resource, namespace?: string, name?: string): string {
  const root = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  return `${root}${namespace ? `/namespaces/${namespace}` : ''}/${resource.plural}${name === undefined ? '' : `/${name}`}`;
}
