// A TEST DOUBLE, not a cluster: an in-process HTTP server that speaks just enough of the Kubernetes API for the
// controller — list, watch (chunked JSON lines from a resourceVersion), get, create, replace, merge/JSON patch,
// delete, label selectors, optimistic concurrency — and calls a mutating webhook for Deployment writes, as
// kube-apiserver would. For the CLI it relays a pod proxy and runs pod exec over a WebSocket (the channel
// protocol v5.channel.k8s.io: stdin on channel 0, stdout 1, stderr 2, the Status on 3, 255 closes a stream),
// the test playing the container.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type Server as HttpsServer, createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { type WebSocket, WebSocketServer } from 'ws';
import { applyPatch } from 'rfc6902';
import { stringify } from 'yaml';

// biome-ignore lint/suspicious/noExplicitAny: objects of every kind pass through the fake API server as the client sent them
type Json = Record<string, any>;

const KINDS: Record<string, string> = {
  clusters: 'Cluster',
  configmaps: 'ConfigMap',
  secrets: 'Secret',
  namespaces: 'Namespace',
  pods: 'Pod',
  mutatingwebhookconfigurations: 'MutatingWebhookConfiguration',
  validatingadmissionpolicies: 'ValidatingAdmissionPolicy',
  validatingadmissionpolicybindings: 'ValidatingAdmissionPolicyBinding',
  clusterroles: 'ClusterRole',
  clusterrolebindings: 'ClusterRoleBinding',
  roles: 'Role',
  rolebindings: 'RoleBinding',
  deployments: 'Deployment',
  leases: 'Lease',
  events: 'Event',
  managedresources: 'ManagedResource',
  podmonitors: 'PodMonitor',
  scrapeconfigs: 'ScrapeConfig',
  prometheusrules: 'PrometheusRule',
  podtemplates: 'PodTemplate',
};

interface Target {
  readonly prefix: string;
  readonly plural: string;
  readonly namespace: string;
  readonly name: string | undefined;
  /** What follows the name: `proxy/readyz` for `pods/NAME:PORT/proxy/readyz`. */
  readonly subresource: string;
}

/** What a command run by `pods/NAME/exec` prints and exits with (the test plays the container). */
export type PodExec = (
  target: { namespace: string; pod: string; container: string },
  command: string[],
  stdin: string,
) => Promise<{ stdout: string; stderr?: string; exitCode: number }>;

/** What a pod answers through `pods/NAME:PORT/proxy/PATH` (the test plays the pod). */
export type PodProxy = (namespace: string, pod: string, port: string, path: string) => { status: number; body: string };

interface Watcher {
  readonly resource: string;
  readonly namespace: string;
  readonly selector: Selector;
  readonly response: ServerResponse;
}

type Selector = (object: Json) => boolean;
/** Returns the JSONPatch (RFC 6902) a mutating webhook answered, or none. */
export type Admission = (operation: 'CREATE' | 'UPDATE', object: Json, oldObject: Json | undefined) => Promise<unknown[] | undefined>;

class ApiError extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

function parseTarget(pathname: string): Target {
  const parts = pathname.split('/').filter(Boolean);
  const prefixLength = parts[0] === 'api' ? 2 : 3;
  const prefix = `/${parts.slice(0, prefixLength).join('/')}`;
  let rest = parts.slice(prefixLength);
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  const [plural, name, ...subresource] = rest;
  if (!plural || !KINDS[plural]) throw new ApiError(404, 'NotFound', `the server could not find the requested resource ${pathname}`);
  return { prefix, plural, namespace, name, subresource: subresource.join('/') };
}

function labelSelector(text: string | null): Selector {
  const terms = (text ?? '')
    .split(',')
    .filter(Boolean)
    .map((term) => term.split('='));
  return (object) => terms.every(([key, value]) => object.metadata?.labels?.[key!] === value);
}

/** RFC 7386. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Json = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export class FakeApiServer {
  readonly #objects = new Map<string, Json>();
  readonly #watchers = new Set<Watcher>();
  #resourceVersion = 1;
  #server: Server | HttpsServer | undefined;
  /** Loaded by start(), not on import: client-node takes ~0.5 s to load, which suites that only want a sample need not pay. */
  #client: typeof import('@kubernetes/client-node') | undefined;
  admission: Admission | undefined;
  /**
   * The webhook configuration's namespaceSelector (matchLabels), as kube-apiserver applies it: a Deployment in a
   * namespace whose labels do not match is stored without calling the webhook. None: every namespace.
   */
  admissionNamespaceLabels: Readonly<Record<string, string>> | undefined;
  /** Runs pod exec; none answers 400, as for a container that is not running. */
  podExec: PodExec | undefined;
  /** Answers the pod proxy; none answers 503 as an API server that cannot reach the pod. */
  podProxy: PodProxy | undefined;
  /** `METHOD path` prefixes answered 403 Forbidden, as RBAC would for a user without the verb. */
  readonly forbidden = new Set<string>();
  /** While true, every request is answered 503, as an API server that is down behind its load balancer. */
  unavailable = false;
  /** When set, a request without `Authorization: Bearer <token>` is answered 401, as for a token not (or no longer) valid. */
  token: string | undefined;
  readonly #requests: string[] = [];
  url = '';

  /** `tls`: serve HTTPS with this certificate (for localhost), as a real API server does; plain HTTP without. */
  async start(options: { tls?: { cert: string; key: string } } = {}): Promise<void> {
    this.#client = await import('@kubernetes/client-node');
    const handler = (request: IncomingMessage, response: ServerResponse): void => void this.#handle(request, response);
    this.#server = options.tls ? createHttpsServer(options.tls, handler) : createServer(handler);
    const sockets = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
    this.#server.on('upgrade', (request, socket, head) => {
      const url = new URL(request.url ?? '/', this.url);
      this.#requests.push(`${request.method} ${url.pathname}`);
      const refuse = (code: number, text: string): void => void socket.end(`HTTP/1.1 ${code} ${text}\r\ncontent-length: 0\r\n\r\n`);
      if ([...this.forbidden].some((prefix) => `${request.method} ${url.pathname}`.startsWith(prefix))) return refuse(403, 'Forbidden');
      const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
      if (!match || !this.#objects.has(this.#key('/api/v1', 'pods', match[1]!, match[2]!))) return refuse(404, 'Not Found');
      if (!this.podExec) return refuse(400, 'Bad Request');
      const run = this.podExec;
      sockets.handleUpgrade(request, socket, head, (ws) =>
        this.#exec(ws, run, { namespace: match[1]!, pod: match[2]!, container: url.searchParams.get('container') ?? '' }, url),
      );
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `${options.tls ? 'https://localhost' : 'http://127.0.0.1'}:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Every request so far, `METHOD path`, for assertions about what the controller did. */
  requests(): string[] {
    return [...this.#requests];
  }

  async stop(): Promise<void> {
    for (const watcher of this.#watchers) watcher.response.end();
    this.#watchers.clear();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /**
   * A kubeconfig file for this server, as an operator's would be; `server` points it elsewhere (an unreachable
   * address), `contexts` adds contexts of that name besides `double`; `certificateAuthority` (a file) verifies an
   * HTTPS server instead of skipping verification; `user` is the user's entry (credentials) as kubectl writes it.
   */
  writeKubeconfig(
    path: string,
    options: { server?: string; contexts?: readonly string[]; certificateAuthority?: string; user?: Record<string, unknown> } = {},
  ): void {
    const verify = options.certificateAuthority ? { 'certificate-authority': options.certificateAuthority } : { 'insecure-skip-tls-verify': true };
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'double', cluster: { server: options.server ?? this.url, ...verify } }],
        users: [{ name: 'controller', user: options.user ?? {} }],
        contexts: ['double', ...(options.contexts ?? [])].map((name) => ({ name, context: { cluster: 'double', user: 'controller' } })),
        'current-context': 'double',
      }),
    );
  }

  /** A client-node KubeConfig for this server (once started). */
  kubeConfig(): KubeConfig {
    if (!this.#client) throw new Error('the fake API server is not started');
    const config = new this.#client.KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'controller' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'controller' }],
      currentContext: 'fake',
    });
    return config;
  }

  /** Stores an object directly (as another client would), notifying watchers. */
  /**
   * Creates or replaces an object. `shared`: stores the object itself instead of a copy (the caller gives it up), so
   * that a benchmark can hold thousands of Clusters sharing one large embedded CloudProfile.
   */
  put(path: string, object: Json, options: { shared?: boolean } = {}): Json {
    const target = parseTarget(path);
    const key = this.#key(target.prefix, target.plural, target.namespace, object.metadata.name);
    const existing = this.#objects.get(key);
    return this.#store(target, key, options.shared ? object : structuredClone(object), existing ? 'MODIFIED' : 'ADDED');
  }

  get(path: string): Json | undefined {
    const target = parseTarget(path);
    const object = this.#objects.get(this.#key(target.prefix, target.plural, target.namespace, target.name!));
    return object ? structuredClone(object) : undefined;
  }

  list(path: string): Json[] {
    const target = parseTarget(path);
    return this.#list(target, () => true);
  }

  /** Deletes an object; `silently` skips the watch event, as if it happened while nobody was watching. */
  remove(path: string, options: { silently?: boolean } = {}): void {
    const target = parseTarget(path);
    const key = this.#key(target.prefix, target.plural, target.namespace, target.name!);
    const object = this.#objects.get(key);
    if (!object) return;
    this.#objects.delete(key);
    const resourceVersion = String(++this.#resourceVersion);
    if (!options.silently) this.#notify(target, 'DELETED', { ...object, metadata: { ...object.metadata, resourceVersion } });
  }

  /** Ends every open watch, as the API server does after its timeout; `expired` first sends 410 Gone. */
  closeWatches(options: { expired?: boolean } = {}): void {
    for (const watcher of this.#watchers) {
      if (options.expired) {
        const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' };
        watcher.response.write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      }
      watcher.response.end();
    }
    this.#watchers.clear();
  }

  /** How many watches are open (to wait for a client to come back). */
  watchCount(): number {
    return this.#watchers.size;
  }

  #key(prefix: string, plural: string, namespace: string, name: string): string {
    return `${prefix}/${plural}|${namespace}|${name}`;
  }

  #list(target: Target, selector: Selector): Json[] {
    return this.#matching(target, selector).map((object) => structuredClone(object));
  }

  #matching(target: Target, selector: Selector): Json[] {
    const prefix = `${target.prefix}/${target.plural}|${target.namespace}|`;
    const all = `${target.prefix}/${target.plural}|`;
    return [...this.#objects.entries()]
      .filter(([key]) => (target.namespace ? key.startsWith(prefix) : key.startsWith(all)))
      .map(([, object]) => object)
      .filter(selector);
  }

  /** `limit` and `continue` as the API server takes them; the continue token here is simply the next offset. */
  #page(target: Target, selector: Selector, params: URLSearchParams): { items: Json[]; continue?: string } {
    const matching = this.#matching(target, selector);
    const limit = Number(params.get('limit') ?? '0');
    if (!(limit > 0)) return { items: matching.map((object) => structuredClone(object)) };
    const from = Number(params.get('continue') ?? '0');
    const next = from + limit;
    this.pagesServed += 1;
    return {
      items: matching.slice(from, next).map((object) => structuredClone(object)),
      ...(next < matching.length ? { continue: String(next) } : {}),
    };
  }

  /** How many limited list pages were served (to see that a client paginates). */
  pagesServed = 0;

  #store(target: Target, key: string, object: Json, type: 'ADDED' | 'MODIFIED'): Json {
    const apiVersion = target.prefix === '/api/v1' ? 'v1' : target.prefix.slice('/apis/'.length);
    object.apiVersion = apiVersion;
    object.kind = KINDS[target.plural];
    object.metadata = {
      ...object.metadata,
      ...(target.namespace ? { namespace: target.namespace } : {}),
      uid: object.metadata.uid ?? randomUUID(),
      creationTimestamp: object.metadata.creationTimestamp ?? new Date().toISOString(),
      resourceVersion: String(++this.#resourceVersion),
    };
    this.#objects.set(key, object);
    this.#notify(target, type, object);
    return structuredClone(object);
  }

  #notify(target: Target, type: string, object: Json): void {
    const line = `${JSON.stringify({ type, object })}\n`;
    for (const watcher of this.#watchers) {
      const sameNamespace = watcher.namespace === '' || watcher.namespace === target.namespace;
      if (watcher.resource === `${target.prefix}/${target.plural}` && sameNamespace && watcher.selector(object)) {
        watcher.response.write(line);
      }
    }
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    this.#requests.push(`${request.method} ${url.pathname}${url.searchParams.get('watch') === 'true' ? '?watch' : ''}`);
    try {
      if (this.unavailable) throw new ApiError(503, 'ServiceUnavailable', 'the API server is unavailable');
      if (this.token !== undefined && request.headers.authorization !== `Bearer ${this.token}`) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      const asked = `${request.method} ${url.pathname}`;
      if ([...this.forbidden].some((prefix) => asked.startsWith(prefix))) {
        throw new ApiError(403, 'Forbidden', `User "test" cannot ${request.method?.toLowerCase()} resource at ${url.pathname}`);
      }
      const target = parseTarget(url.pathname);
      if (target.plural === 'pods' && target.subresource.startsWith('proxy')) return this.#proxy(target, response);
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      const result = await this.#dispatch(request.method ?? 'GET', target, url, body, request.headers['content-type'] ?? '', response);
      if (result === undefined) return; // a watch: the response stays open
      response.writeHead(result.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(result.body));
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalError', String(error));
      response.writeHead(apiError.code, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: apiError.message, reason: apiError.reason, code: apiError.code }),
      );
    }
  }

  #exec(ws: WebSocket, run: PodExec, target: { namespace: string; pod: string; container: string }, url: URL): void {
    const command = url.searchParams.getAll('command');
    const send = (channel: number, text: string): void => ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(text)]));
    const start = async (stdin: string): Promise<void> => {
      const result = await run(target, command, stdin);
      if (result.stdout) send(1, result.stdout);
      if (result.stderr) send(2, result.stderr);
      const status =
        result.exitCode === 0
          ? { metadata: {}, status: 'Success' }
          : {
              metadata: {},
              status: 'Failure',
              message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${result.exitCode}`,
              reason: 'NonZeroExitCode',
              details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] },
            };
      send(3, JSON.stringify(status));
      ws.close();
    };
    if (url.searchParams.get('stdin') !== 'true') {
      void start('');
      return;
    }
    const input: Buffer[] = [];
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0) input.push(data.subarray(1));
      else if (data[0] === 255 && data[1] === 0) void start(Buffer.concat(input).toString('utf8'));
    });
  }

  #proxy(target: Target, response: ServerResponse): void {
    const [pod = '', port = ''] = decodeURIComponent(target.name ?? '').split(':');
    if (!this.#objects.has(this.#key(target.prefix, 'pods', target.namespace, pod))) throw new ApiError(404, 'NotFound', `pods "${pod}" not found`);
    if (!this.podProxy) throw new ApiError(503, 'ServiceUnavailable', `error trying to reach service: dial tcp: connect: connection refused`);
    const answer = this.podProxy(target.namespace, pod, port, target.subresource.slice('proxy/'.length));
    response.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(answer.body);
  }

  async #dispatch(
    method: string,
    target: Target,
    url: URL,
    body: Json | undefined,
    contentType: string,
    response: ServerResponse,
  ): Promise<{ status: number; body: Json } | undefined> {
    const { prefix, plural, namespace, name } = target;
    if (method === 'GET' && name === undefined) {
      const selector = labelSelector(url.searchParams.get('labelSelector'));
      if (url.searchParams.get('watch') === 'true') {
        this.#watch(target, Number(url.searchParams.get('resourceVersion') ?? '0'), selector, response);
        return undefined;
      }
      const page = this.#page(target, selector, url.searchParams);
      return {
        status: 200,
        body: {
          apiVersion: prefix === '/api/v1' ? 'v1' : prefix.slice('/apis/'.length),
          kind: `${KINDS[plural]}List`,
          metadata: { resourceVersion: String(this.#resourceVersion), ...(page.continue ? { continue: page.continue } : {}) },
          items: page.items,
        },
      };
    }
    if (method === 'POST' && name === undefined) {
      const objectName = body!.metadata?.name ?? `${body!.metadata?.generateName ?? ''}${randomUUID().slice(0, 5)}`;
      const key = this.#key(prefix, plural, namespace, objectName);
      if (this.#objects.has(key)) throw new ApiError(409, 'AlreadyExists', `${plural} "${objectName}" already exists`);
      const object = await this.#admit(plural, 'CREATE', { ...body!, metadata: { ...body!.metadata, name: objectName } }, undefined);
      return { status: 201, body: this.#store(target, key, object, 'ADDED') };
    }
    const key = this.#key(prefix, plural, namespace, name!);
    const existing = this.#objects.get(key);
    if (!existing) throw new ApiError(404, 'NotFound', `${plural} "${name}" not found`);
    if (method === 'GET') return { status: 200, body: structuredClone(existing) };
    if (method === 'DELETE') {
      this.remove(`${prefix}/${namespace ? `namespaces/${namespace}/` : ''}${plural}/${name}`);
      return { status: 200, body: { kind: 'Status', apiVersion: 'v1', status: 'Success' } };
    }
    let next: Json;
    if (method === 'PUT') {
      if (body!.metadata?.resourceVersion && body!.metadata.resourceVersion !== existing.metadata.resourceVersion) {
        throw new ApiError(409, 'Conflict', `the object has been modified; please apply your changes to the latest version`);
      }
      next = structuredClone(body!);
    } else if (method === 'PATCH') {
      next = structuredClone(existing);
      if (contentType.startsWith('application/json-patch+json')) applyPatch(next, body as never);
      else next = mergePatch(next, body) as Json;
    } else {
      throw new ApiError(405, 'MethodNotAllowed', `${method} is not supported`);
    }
    if (existing.immutable && JSON.stringify(next.data) !== JSON.stringify(existing.data)) {
      throw new ApiError(422, 'Invalid', 'field is immutable when `immutable` is set');
    }
    const admitted = await this.#admit(plural, 'UPDATE', next, existing);
    return { status: 200, body: this.#store(target, key, admitted, 'MODIFIED') };
  }

  async #admit(plural: string, operation: 'CREATE' | 'UPDATE', object: Json, old: Json | undefined): Promise<Json> {
    if (plural !== 'deployments' || !this.admission) return object;
    if (this.admissionNamespaceLabels) {
      const labels = this.get(`/api/v1/namespaces/${object.metadata?.namespace}`)?.metadata?.labels ?? {};
      if (!Object.entries(this.admissionNamespaceLabels).every(([key, value]) => labels[key] === value)) return object;
    }
    const patch = await this.admission(operation, object, old);
    if (!patch) return object;
    const copy = structuredClone(object);
    const errors = applyPatch(copy, patch as never).filter((e) => e !== null);
    if (errors.length > 0) throw new ApiError(500, 'InternalError', `webhook patch does not apply: ${errors.join('; ')}`);
    return copy;
  }

  #watch(target: Target, since: number, selector: Selector, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    response.flushHeaders();
    // Objects changed after `since` are replayed as MODIFIED/ADDED; deletions in between are not kept (a test
    // double: the controller only starts watches right after a list).
    for (const object of this.#list(target, selector)) {
      if (Number(object.metadata.resourceVersion) > since) response.write(`${JSON.stringify({ type: 'MODIFIED', object })}\n`);
    }
    const watcher: Watcher = {
      resource: `${target.prefix}/${target.plural}`,
      namespace: target.namespace,
      selector,
      response,
    };
    this.#watchers.add(watcher);
    response.on('close', () => this.#watchers.delete(watcher));
  }
}
