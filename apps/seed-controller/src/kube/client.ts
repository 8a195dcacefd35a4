import type { Agent, RequestOptions } from 'node:http';
import { readBody } from '../telemetry/http-util.ts';
import { type ConnectionSettings, type Source, readNamedFile } from './connection.ts';
import { KubeApiError, PATCH_CONTENT_TYPES, type PatchType, type Query, type WatchEvent, WatchLines, requestPath } from './request.ts';

// Not `import … from 'node:https'`: an ES import builds the module's whole namespace, whose lazy globals load undici
// (~11 MiB); see packages/runtime's probe server. The controller never uses fetch.
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');
const { readFileSync } = process.getBuiltinModule('node:fs');

/** TLS and headers for every request to one API server, whatever loaded them (the controller's or client-node's loader). */
export interface ClientOptions {
  readonly server: string;
  readonly tls: {
    readonly ca?: string | Buffer | undefined;
    readonly cert?: string | Buffer | undefined;
    readonly key?: string | Buffer | undefined;
    readonly rejectUnauthorized: boolean;
    readonly servername?: string | undefined;
  };
  /** Asked before each request: a bearer token read from a file is read again once it is a minute old. */
  readonly headers: () => Readonly<Record<string, string>>;
}

/** A projected service-account token is rotated within the hour; client-go re-reads it every minute too. */
const TOKEN_REREAD_MS = 60_000;
/** A request (not a watch) that gets no byte for this long failed: the reconcile queue must not wait forever. */
const REQUEST_IDLE_MS = 60_000;

/** Reads the files the settings name; the token file again whenever it is older than a minute. */
export function clientOptions(
  settings: ConnectionSettings,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  now = Date.now,
): ClientOptions {
  const value = (field: string, source: Source | undefined): string | undefined => {
    if (source === undefined) return undefined;
    return 'data' in source ? source.data : readNamedFile(field, source.file, read);
  };
  const token = settings.token;
  let cached: { value: string; at: number } | undefined;
  const bearer = (): string | undefined => {
    if (token === undefined) return undefined;
    if ('data' in token) return token.data;
    if (cached === undefined || now() - cached.at >= TOKEN_REREAD_MS) cached = { value: read(token.file).trim(), at: now() };
    return cached.value;
  };
  const basic = settings.basicAuth && `Basic ${Buffer.from(`${settings.basicAuth.username}:${settings.basicAuth.password}`).toString('base64')}`;
  return {
    server: settings.server,
    tls: {
      ca: value('certificate-authority', settings.ca),
      cert: value('client-certificate', settings.cert),
      key: value('client-key', settings.key),
      rejectUnauthorized: !settings.insecureSkipTlsVerify,
      servername: settings.tlsServerName,
    },
    headers: () => {
      const current = bearer();
      if (current !== undefined) return { authorization: `Bearer ${current}` };
      return basic ? { authorization: basic } : {};
    },
  };
}

type Body = unknown;
interface Sent {
  readonly method: string;
  readonly path: string;
  readonly body?: Body;
  readonly contentType?: string;
  readonly accept?: string;
}

/**
 * The few REST verbs the controller and the CLI use, on API paths, as JSON over one keep-alive connection pool.
 * Errors: KubeApiError for an HTTP answer outside 2xx (status and the server's message), Node's own error (its
 * `code`, e.g. ECONNREFUSED) for a connection that failed.
 */
export class KubeClient {
  readonly server: string;
  readonly #options: ClientOptions;
  readonly #agent: Agent;
  readonly #secure: boolean;
  readonly #base: URL;

  constructor(options: ClientOptions) {
    this.server = options.server;
    this.#options = options;
    this.#base = new URL(options.server);
    this.#secure = this.#base.protocol === 'https:';
    this.#agent = this.#secure ? new https.Agent({ keepAlive: true, ...options.tls }) : new http.Agent({ keepAlive: true });
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.#json({ method: 'GET', path: requestPath(path, query) });
  }

  create<T>(path: string, body: Body): Promise<T> {
    return this.#json({ method: 'POST', path, body });
  }

  replace<T>(path: string, body: Body): Promise<T> {
    return this.#json({ method: 'PUT', path, body });
  }

  patch<T>(path: string, type: PatchType, body: Body): Promise<T> {
    return this.#json({ method: 'PATCH', path, body, contentType: PATCH_CONTENT_TYPES[type] });
  }

  async delete(path: string): Promise<void> {
    await this.#send({ method: 'DELETE', path });
  }

  /** A plain-text answer (a pod proxy's). */
  async text(path: string): Promise<string> {
    return (await this.#send({ method: 'GET', path, accept: '*/*' })).toString('utf8');
  }

  /**
   * Watches `path` from `query.resourceVersion`: each event goes to `onEvent` as its line arrives. Resolves when the
   * server ends the watch (as it does after timeoutSeconds), rejects when it refuses it or the connection fails;
   * `signal` cuts it off (resolving). `onOpen` runs once the server has accepted the watch.
   */
  watch<T>(path: string, query: Query, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal, onOpen: () => void = () => undefined): Promise<void> {
    // client-go asks for 5–10 minutes, so that the replicas' watches do not all end at once.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const target = requestPath(path, { ...query, watch: true, timeoutSeconds });
    return new Promise((resolve, reject) => {
      if (signal.aborted) return resolve();
      const request = this.#request({ method: 'GET', path: target }, (timeoutSeconds + 60) * 1000);
      const abort = (): void => void request.destroy();
      signal.addEventListener('abort', abort, { once: true });
      const done = (error?: unknown): void => {
        signal.removeEventListener('abort', abort);
        if (error === undefined || signal.aborted) resolve();
        else reject(error);
      };
      request.on('error', done);
      request.on('response', (response) => {
        if (response.statusCode !== 200) {
          readBody(response, Number.POSITIVE_INFINITY).then(
            (body) => done(new KubeApiError('GET', target, response.statusCode ?? 0, body.toString('utf8'))),
            done,
          );
          return;
        }
        onOpen();
        const lines = new WatchLines<T>();
        response.on('data', (chunk: Buffer) => {
          try {
            for (const event of lines.push(chunk)) onEvent(event);
          } catch (error) {
            request.destroy(error as Error);
          }
        });
        response.on('end', () => done());
        response.on('error', done);
      });
      request.end();
    });
  }

  /** Lets the process exit: closes the idle keep-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  async #json<T>(sent: Sent): Promise<T> {
    return JSON.parse((await this.#send(sent)).toString('utf8')) as T;
  }

  #send(sent: Sent): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const request = this.#request(sent, REQUEST_IDLE_MS);
      request.on('error', reject);
      request.on('response', (response) => {
        readBody(response, Number.POSITIVE_INFINITY).then((body) => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(body);
          else reject(new KubeApiError(sent.method, sent.path, status, body.toString('utf8')));
        }, reject);
      });
      request.end(sent.body === undefined ? undefined : JSON.stringify(sent.body));
    });
  }

  #request(sent: Sent, idleMs: number): ReturnType<typeof http.request> {
    const url = new URL(sent.path, this.#base);
    const options: RequestOptions = {
      method: sent.method,
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: `${this.#base.pathname.replace(/\/$/, '')}${url.pathname}${url.search}`,
      agent: this.#agent,
      headers: {
        accept: sent.accept ?? 'application/json',
        ...(sent.body === undefined ? {} : { 'content-type': sent.contentType ?? 'application/json' }),
        ...this.#options.headers(),
      },
    };
    const request = (this.#secure ? https : http).request(options);
    request.setTimeout(idleMs, () => request.destroy(Object.assign(new Error(`no answer for ${idleMs / 1000} s`), { code: 'ETIMEDOUT' })));
    return request;
  }
}
