// The controller's own Kubernetes client over real HTTPS, against FakeApiServer, an in-process TEST DOUBLE of the
// Kubernetes API (not a cluster) serving a dev certificate and accepting one bearer token: the kubeconfig read as the
// controller reads it, every verb, watch and relist, a rotated token, and the CLI's way in (client-node's loader,
// exec plugins included) to the same client. Also the controller process refusing a kubeconfig it cannot honour.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer, eventually } from '@overlap/test-support';
import { ListWatch } from '../src/controller/list-watch.ts';
import { ObjectCache } from '../src/controller/object-cache.ts';
import { call, connect } from '../src/kube/access.ts';
import { KubeClient, clientOptions } from '../src/kube/client.ts';
import { controllerSettings } from '../src/kube/connection.ts';
import { KubeApiError, type WatchEvent, resourcePath } from '../src/kube/request.ts';
import { apiErrorCause } from '../src/telemetry/api-error.ts';
import { type WebhookCertificates, webhookCertificates } from './support/webhook-certificates.ts';

const api = new FakeApiServer();
let certs: WebhookCertificates;
let kubeconfig: string;
let tokenFile: string;
/** The client's clock, moved on to make it read the token file again. */
let now = 0;
let client: KubeClient;
const CONFIG_MAPS = { group: '', version: 'v1', plural: 'configmaps' };
const NS = 'shoot--p--a';
const configMap = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS, labels },
  data: { a: '1' },
});
type ConfigMap = ReturnType<typeof configMap> & { metadata: { resourceVersion?: string } };

beforeAll(async () => {
  certs = await webhookCertificates('ovl-kube-client-');
  await api.start({ tls: { cert: readFileSync(certs.certFile, 'utf8'), key: readFileSync(certs.keyFile, 'utf8') } });
  api.token = 'first';
  tokenFile = join(certs.dir, 'token');
  writeFileSync(tokenFile, 'first\n');
  kubeconfig = join(certs.dir, 'kubeconfig');
  // Relative file names, as a kubeconfig next to its files has them.
  api.writeKubeconfig(kubeconfig, { certificateAuthority: 'ca.crt', user: { tokenFile: 'token' } });
  client = new KubeClient(
    clientOptions(
      controllerSettings(kubeconfig, {}, (path) => readFileSync(path, 'utf8')),
      undefined,
      () => now,
    ),
  );
});
afterAll(async () => {
  client.close();
  await api.stop();
  certs.remove();
});

describe('the controller’s client over HTTPS', () => {
  it('creates, reads, replaces, patches (merge and JSON patch) and deletes', async () => {
    const path = resourcePath(CONFIG_MAPS, NS);
    const created = await client.create<ConfigMap>(path, configMap('one'));
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
    const one = `${path}/one`;
    await client.replace(one, { ...created, data: { a: '2' } });
    await client.patch(one, 'merge', { metadata: { labels: { x: 'y' } } });
    await client.patch(one, 'json', [{ op: 'add', path: '/data/b', value: '3' }]);
    expect(await client.get<ConfigMap>(one)).toMatchObject({ metadata: { labels: { x: 'y' } }, data: { a: '2', b: '3' } });
    await client.delete(one);
    const missing = await client.get(one).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(KubeApiError);
    expect([(missing as KubeApiError).code, (missing as Error).message]).toEqual([
      404,
      `GET ${one}: HTTP 404: ${JSON.parse((missing as KubeApiError).body).message}`,
    ]);
  });

  it('an answer outside 2xx keeps the wording the controller and the CLI already give', async () => {
    const path = resourcePath(CONFIG_MAPS, NS);
    await client.create(path, configMap('twice'));
    const conflict = await client.create(path, configMap('twice')).catch((error: unknown) => error);
    expect(apiErrorCause(conflict)).toMatch(/^HTTP 409: .+/);
    api.forbidden.add(`GET ${path}`);
    try {
      await expect(call(client, 'list ConfigMaps', () => client.get(path))).rejects.toThrow(`${api.url}: forbidden to list ConfigMaps: User "test" cannot get`);
    } finally {
      api.forbidden.clear();
    }
  });

  it('reads the token file again once it is a minute old, so a rotated service-account token keeps working', async () => {
    api.token = 'second';
    writeFileSync(tokenFile, 'second\n');
    await expect(call(client, 'list ConfigMaps', () => client.get(resourcePath(CONFIG_MAPS, NS)))).rejects.toThrow(
      `${api.url}: unauthorized to list ConfigMaps: the kubeconfig's credentials were not accepted`,
    );
    now += 60_000;
    expect((await client.get<{ items: unknown[] }>(resourcePath(CONFIG_MAPS, NS))).items.length).toBeGreaterThan(0);
  });

  it('verifies the server against the kubeconfig’s CA: without it, a TLS error in one line', async () => {
    const unverified = new KubeClient(clientOptions({ server: api.url, token: { data: 'second' }, insecureSkipTlsVerify: false }));
    try {
      const error = await unverified.get('/api/v1/namespaces').catch((e: unknown) => e);
      expect(apiErrorCause(error)).toMatch(/certificate/);
    } finally {
      unverified.close();
    }
  });

  it('watches from a resourceVersion: events as they happen, then 410 Gone as an ERROR event when the server ends it', async () => {
    const path = resourcePath(CONFIG_MAPS);
    const list = await client.get<{ metadata: { resourceVersion: string } }>(path);
    const events: Array<WatchEvent<ConfigMap & { code?: number }>> = [];
    let opened = false;
    const watching = client.watch<ConfigMap & { code?: number }>(
      path,
      { resourceVersion: list.metadata.resourceVersion },
      (event) => events.push(event),
      new AbortController().signal,
      () => (opened = true),
    );
    await eventually(() => expect(api.watchCount()).toBe(1), 'watching');
    expect(opened).toBe(true);
    await client.create(resourcePath(CONFIG_MAPS, NS), configMap('watched'));
    await eventually(() => expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED watched']), 'seen');
    api.closeWatches({ expired: true });
    await watching;
    expect(events.at(-1)).toMatchObject({ type: 'ERROR', object: { code: 410 } });
  });

  it('a watch cut off by its signal resolves; one the server refuses rejects with the status', async () => {
    const abort = new AbortController();
    const watching = client.watch(resourcePath(CONFIG_MAPS), {}, () => undefined, abort.signal);
    await eventually(() => expect(api.watchCount()).toBe(1), 'watching');
    abort.abort();
    await watching;
    api.forbidden.add('GET /api/v1/secrets');
    try {
      await expect(
        client.watch(resourcePath({ group: '', version: 'v1', plural: 'secrets' }), {}, () => undefined, new AbortController().signal),
      ).rejects.toMatchObject({ code: 403 });
    } finally {
      api.forbidden.clear();
    }
  });
});

describe('list/watch into a cache (the informers of the owned kinds)', () => {
  it('lists in pages with the label selector, follows changes, and after 410 relists, dropping what went meanwhile', async () => {
    const path = resourcePath(CONFIG_MAPS, 'shoot--p--b');
    for (const name of ['k1', 'k2', 'k3'])
      await client.create(path, { ...configMap(name, { mine: 'yes' }), metadata: { name, namespace: 'shoot--p--b', labels: { mine: 'yes' } } });
    await client.create(path, { ...configMap('other'), metadata: { name: 'other', namespace: 'shoot--p--b' } });
    const cache = new ObjectCache<ConfigMap>();
    const changes: string[] = [];
    for (const change of ['add', 'update', 'delete'] as const) cache.on(change, (object) => changes.push(`${change} ${object.metadata?.name}`));
    const stream = new ListWatch<ConfigMap>(client, cache, pino({ level: 'silent' }), {
      what: 'ConfigMap',
      path: resourcePath(CONFIG_MAPS),
      labelSelector: 'mine=yes',
      pageSize: 2,
      retry: { initialMs: 20, maxMs: 100 },
    });
    const pagesBefore = api.pagesServed;
    try {
      await stream.start();
      expect(api.pagesServed - pagesBefore).toBe(2);
      expect(cache.list('shoot--p--b').map((c) => c.metadata?.name)).toEqual(['k1', 'k2', 'k3']);
      await eventually(() => expect(api.watchCount()).toBe(1), 'watching');
      await client.patch(`${path}/k1`, 'merge', { data: { a: 'changed' } });
      await eventually(() => expect(cache.get('k1', 'shoot--p--b')?.data).toEqual({ a: 'changed' }), 'update seen');
      api.remove(`${path}/k2`, { silently: true });
      api.closeWatches({ expired: true });
      await eventually(() => expect(cache.get('k2', 'shoot--p--b')).toBeUndefined(), 'k2 dropped by the relist');
      // The patch, then the relist: what it lists again is updated, what it lacks deleted once it has ended.
      expect(changes).toEqual(['add k1', 'add k2', 'add k3', 'update k1', 'update k1', 'update k3', 'delete k2']);
    } finally {
      stream.stop();
    }
  });
});

describe('the CLI’s way in: client-node’s loader, then the same client', () => {
  it('a kubeconfig whose user runs an exec plugin (gardenlogin, OIDC) works for the commands', async () => {
    const plugin = join(certs.dir, 'plugin.mjs');
    writeFileSync(
      plugin,
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(api.token)} } }));\n`,
    );
    const path = join(certs.dir, 'exec-kubeconfig');
    api.writeKubeconfig(path, {
      certificateAuthority: certs.caFile,
      user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], interactiveMode: 'Never' } },
    });
    const { api: cli } = await connect({ kubeconfig: path });
    try {
      expect((await cli.get<{ items: unknown[] }>(resourcePath(CONFIG_MAPS, NS))).items.length).toBeGreaterThan(0);
    } finally {
      cli.close();
    }
    // A plugin that fails (not logged in): one line naming the server.
    writeFileSync(plugin, "process.stderr.write('not logged in'); process.exit(1);\n");
    await expect(connect({ kubeconfig: path })).rejects.toThrow(`${api.url}: the kubeconfig's credentials cannot be obtained: `);
    // The controller runs no plugins: it refuses such a kubeconfig at start, in one line, with exit code 2.
    const child = spawn(process.execPath, [join(import.meta.dirname, '../src/controller-main.ts'), `--kubeconfig=${path}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect([code, stderr.split('\n').length]).toEqual([2, 2]);
    expect(stderr).toMatch(
      /^overlap-seed-controller: --kubeconfig: ".*exec-kubeconfig" user controller: exec ".*" needs a credential plugin, which the controller does not run/,
    );
  });
});
