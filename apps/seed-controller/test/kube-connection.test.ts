// The pure parts of the controller's own Kubernetes client: kubeconfig and in-cluster settings, the files they name
// (the token read again once a minute old), request paths, API errors and the split of a watch stream.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { microTime } from '../src/controller/leader-election.ts';
import { clientOptions } from '../src/kube/client.ts';
import { SERVICE_ACCOUNT_DIR, controllerSettings, inClusterSettings, kubeconfigSettings } from '../src/kube/connection.ts';
import { KubeApiError, WatchLines, requestPath, resourcePath, statusMessage } from '../src/kube/request.ts';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** A kubeconfig whose current context `ctx` joins cluster `c` and user `u`. */
function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    ...(user === undefined ? {} : { users: [{ name: 'u', user }] }),
    contexts: [{ name: 'ctx', context: { cluster: 'c', ...(user === undefined ? {} : { user: 'u' }) } }],
    'current-context': 'ctx',
    ...extra,
  });
}

describe('kubeconfig → connection settings', () => {
  it('takes inline data (base64-decoded), a static token and the TLS settings of the current context', () => {
    const text = kubeconfig(
      { server: 'https://api.seed.example:443/', 'certificate-authority-data': b64('CA'), 'tls-server-name': 'api' },
      { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY'), token: 'abc' },
    );
    expect(kubeconfigSettings(text, '/home/op/.kube/config')).toEqual({
      server: 'https://api.seed.example:443',
      ca: { data: 'CA' },
      cert: { data: 'CERT' },
      key: { data: 'KEY' },
      token: { data: 'abc' },
      tlsServerName: 'api',
      insecureSkipTlsVerify: false,
    });
  });

  it('keeps files as files, relative ones next to the kubeconfig, so that a rotated token is read again', () => {
    const text = kubeconfig(
      { server: 'https://10.0.0.1', 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true },
      { 'client-certificate': '/abs/tls.crt', 'client-key': 'keys/tls.key', tokenFile: 'token' },
    );
    expect(kubeconfigSettings(text, '/etc/overlap/kubeconfig')).toEqual({
      server: 'https://10.0.0.1',
      ca: { file: '/etc/overlap/ca.crt' },
      cert: { file: '/abs/tls.crt' },
      key: { file: '/etc/overlap/keys/tls.key' },
      token: { file: '/etc/overlap/token' },
      insecureSkipTlsVerify: true,
    });
  });

  it('basic auth and a context chosen by name; a context without a user has no credentials', () => {
    const text = kubeconfig({ server: 'http://127.0.0.1:8080' }, { username: 'admin', password: 'secret' });
    expect(kubeconfigSettings(text, 'k', 'ctx').basicAuth).toEqual({ username: 'admin', password: 'secret' });
    expect(kubeconfigSettings(kubeconfig({ server: 'http://127.0.0.1:8080' }, undefined), 'k')).toEqual({
      server: 'http://127.0.0.1:8080',
      insecureSkipTlsVerify: false,
    });
  });

  it.each([
    [
      'an exec plugin',
      kubeconfig({ server: 'https://a' }, { exec: { command: 'gardenlogin', apiVersion: 'client.authentication.k8s.io/v1' } }),
      /^--kubeconfig: "\/k" user u: exec "\{.*gardenlogin.*" needs a credential plugin, which the controller does not run; use a token, token file or client certificate$/,
    ],
    [
      'an auth provider',
      kubeconfig({ server: 'https://a' }, { 'auth-provider': { name: 'oidc' } }),
      /user u: auth-provider "\{\\"name\\":\\"oidc\\"\}" needs a credential plugin/,
    ],
    [
      'a proxy',
      kubeconfig({ server: 'https://a', 'proxy-url': 'socks5://p:1080' }, {}),
      /cluster c: proxy-url "socks5:\/\/p:1080" is not supported by the controller$/,
    ],
    ['no current context', kubeconfig({ server: 'https://a' }, {}, { 'current-context': '' }), /current-context "" is not set$/],
    ['an unknown context', kubeconfig({ server: 'https://a' }, {}, { 'current-context': 'prod' }), /current-context "prod" is not a context of the file$/],
    ['no server', kubeconfig({}, {}), /cluster c: server "" is not set$/],
    ['a server without a scheme', kubeconfig({ server: 'api:443' }, {}), /cluster c: server "api:443" is not an http\(s\) URL$/],
    [
      'a certificate without its key',
      kubeconfig({ server: 'https://a' }, { 'client-certificate': 'c.crt' }),
      /client-certificate\/client-key "" must be given together$/,
    ],
    ['not YAML', 'clusters: [', /content ".*" is not YAML$/],
  ])('%s: one InputError naming the kubeconfig and the field', (_, text, message) => {
    expect(() => kubeconfigSettings(text, '/k')).toThrow(message);
  });
});

describe('which settings the controller uses', () => {
  const files: Record<string, string> = { '/flag': kubeconfig({ server: 'https://flag' }, {}), '/env': kubeconfig({ server: 'https://env' }, {}) };
  const read = (path: string): string => {
    if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return files[path]!;
  };
  const pod = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };

  it('--kubeconfig, else the first file of $KUBECONFIG, else the pod’s service account', () => {
    expect(controllerSettings('/flag', { KUBECONFIG: '/env', ...pod }, read).server).toBe('https://flag');
    expect(controllerSettings(undefined, { KUBECONFIG: ':/env:/other', ...pod }, read).server).toBe('https://env');
    expect(controllerSettings(undefined, pod, read)).toEqual(inClusterSettings(pod));
  });

  it('in-cluster: the service host (an IPv6 one in brackets), the service account’s CA and token files', () => {
    expect(inClusterSettings(pod)).toEqual({
      server: 'https://[fd00::1]:443',
      ca: { file: `${SERVICE_ACCOUNT_DIR}/ca.crt` },
      token: { file: `${SERVICE_ACCOUNT_DIR}/token` },
      insecureSkipTlsVerify: false,
    });
    expect(inClusterSettings({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '6443' }).server).toBe('https://10.0.0.1:6443');
  });

  it('outside a pod without a kubeconfig, or with one that cannot be read: one line naming --kubeconfig', () => {
    expect(() => controllerSettings(undefined, {}, read)).toThrow(
      '--kubeconfig: "" is not set and this is not a pod (no KUBERNETES_SERVICE_HOST/PORT): name a kubeconfig file',
    );
    expect(() => controllerSettings('/nope', {}, read)).toThrow('--kubeconfig: "/nope" cannot be read (ENOENT)');
  });
});

describe('settings → what every request carries', () => {
  it('reads CA, certificate and key once, and the token file again once it is a minute old', () => {
    let now = 0;
    let token = 'first\n';
    const reads: string[] = [];
    const read = (path: string): string => {
      reads.push(path);
      return path === '/t' ? token : `pem of ${path}`;
    };
    const options = clientOptions(
      { server: 'https://a', ca: { file: '/ca' }, cert: { file: '/crt' }, key: { data: 'KEY' }, token: { file: '/t' }, insecureSkipTlsVerify: false },
      read,
      () => now,
    );
    expect(options.tls).toEqual({ ca: 'pem of /ca', cert: 'pem of /crt', key: 'KEY', rejectUnauthorized: true, servername: undefined });
    expect(options.headers()).toEqual({ authorization: 'Bearer first' });
    token = 'rotated';
    now = 59_999;
    expect(options.headers()).toEqual({ authorization: 'Bearer first' });
    now = 60_000;
    expect(options.headers()).toEqual({ authorization: 'Bearer rotated' });
    expect(reads).toEqual(['/ca', '/crt', '/t', '/t']);
  });

  it('basic auth, no credentials, skipped verification; a file that cannot be read names its field', () => {
    const basic = clientOptions({ server: 'https://a', basicAuth: { username: 'u', password: 'p' }, insecureSkipTlsVerify: true });
    expect([basic.headers(), basic.tls.rejectUnauthorized]).toEqual([{ authorization: `Basic ${b64('u:p')}` }, false]);
    expect(clientOptions({ server: 'https://a', insecureSkipTlsVerify: false }).headers()).toEqual({});
    expect(() => clientOptions({ server: 'https://a', ca: { file: '/nonexistent/ca.crt' }, insecureSkipTlsVerify: false })).toThrow(
      'certificate-authority: "/nonexistent/ca.crt" cannot be read (ENOENT)',
    );
  });
});

describe('requests and answers', () => {
  it('paths of core and group resources, in a namespace, cluster-wide or one object; queries without undefined values', () => {
    expect(resourcePath({ group: '', version: 'v1', plural: 'secrets' }, 'shoot--p--a', 'x')).toBe('/api/v1/namespaces/shoot--p--a/secrets/x');
    expect(resourcePath({ group: 'extensions.gardener.cloud', version: 'v1alpha1', plural: 'clusters' })).toBe(
      '/apis/extensions.gardener.cloud/v1alpha1/clusters',
    );
    expect(resourcePath({ group: '', version: 'v1', plural: 'namespaces' }, '', 'garden')).toBe('/api/v1/namespaces/garden');
    expect(requestPath('/api/v1/secrets', { labelSelector: 'a=b,c in (d)', limit: 50, continue: undefined, allowWatchBookmarks: true })).toBe(
      '/api/v1/secrets?labelSelector=a%3Db%2Cc+in+%28d%29&limit=50&allowWatchBookmarks=true',
    );
    expect(requestPath('/api/v1/secrets', {})).toBe('/api/v1/secrets');
  });

  it('an HTTP error carries the status and the body, and says the Status message', () => {
    const status = JSON.stringify({ kind: 'Status', code: 409, message: 'leases "x" already exists' });
    const error = new KubeApiError('POST', '/apis/coordination.k8s.io/v1/namespaces/garden/leases?x=1', 409, status);
    expect([error.code, error.body, error.message]).toEqual([
      409,
      status,
      'POST /apis/coordination.k8s.io/v1/namespaces/garden/leases: HTTP 409: leases "x" already exists',
    ]);
    expect(new KubeApiError('GET', '/p', 503, 'upstream down').message).toBe('GET /p: HTTP 503');
    expect([statusMessage('{"message":""}'), statusMessage('null'), statusMessage('<html>')]).toEqual([undefined, undefined, undefined]);
  });

  it('a Lease time is RFC 3339 with microseconds, as client-go writes MicroTime', () => {
    expect(microTime(new Date('2026-11-29T11:30:53.123Z'))).toBe('2026-11-29T11:30:53.123000Z');
  });
});

describe('watch stream → events', () => {
  it('yields each complete line as one event, however the stream is cut (inside a character too)', () => {
    const event = fc.record({
      type: fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'),
      object: fc.record({ metadata: fc.record({ name: fc.string({ unit: 'grapheme', maxLength: 12 }), resourceVersion: fc.nat().map(String) }) }),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (events, cuts) => {
        const stream = Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
        const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
        const lines = new WatchLines();
        const seen = [];
        let from = 0;
        for (const point of [...points, stream.length]) {
          seen.push(...lines.push(stream.subarray(from, point)));
          from = point;
        }
        expect(seen).toEqual(events);
      }),
    );
  });

  it('skips blank lines and keeps an unfinished line for the next chunk', () => {
    const lines = new WatchLines();
    expect(lines.push(Buffer.from('\n{"type":"ADDED","object":{}}\n{"type":'))).toEqual([{ type: 'ADDED', object: {} }]);
    expect(lines.push(Buffer.from('"DELETED","object":{}}\r\n'))).toEqual([{ type: 'DELETED', object: {} }]);
  });
});
