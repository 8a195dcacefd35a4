// `probe`: one CONNECT through a real mutual-TLS proxy on loopback that plays Envoy (200 once it reached the
// target, 503 when it could not), with certificates made by openssl for this test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, connect as tcpConnect, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TLSSocket, createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProbeTls, probeThroughProxy } from '../src/probe.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovl-probe-'));
const file = (name: string) => join(dir, name);
const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
/** `openssl req` arguments for a new P-256 key, unencrypted, written to `<name>.key`. */
const newKey = (name: string): string[] => ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', file(`${name}.key`)];

/** A CA, the proxy's serving certificate, the client's, and a self-signed one the proxy does not trust. */
function makeCertificates(): { ca: string; server: { cert: string; key: string }; client: ProbeTls; stranger: ProbeTls } {
  for (const name of ['ca', 'stranger']) {
    openssl(['req', '-x509', ...newKey(name), '-out', file(`${name}.crt`), '-days', '1', '-subj', `/CN=${name}`]);
  }
  for (const [name, cn, ext] of [
    ['server', 'kube-apiserver-http-proxy', 'subjectAltName=DNS:kube-apiserver-http-proxy'],
    ['client', 'kube-apiserver-http-proxy-client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl(['req', ...newKey(name), '-out', file(`${name}.csr`), '-subj', `/CN=${cn}`]);
    writeFileSync(file(`${name}.ext`), `${ext}\n`);
    openssl([
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file(`${name}.crt`),
      '-days',
      '1',
      '-extfile',
      file(`${name}.ext`),
    ]);
  }
  const read = (name: string) => readFileSync(file(name), 'utf8');
  return {
    ca: read('ca.crt'),
    server: { cert: read('server.crt'), key: read('server.key') },
    client: { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') },
    stranger: { ca: read('ca.crt'), cert: read('stranger.crt'), key: read('stranger.key') },
  };
}

let proxy: Server;
let target: Server;
let proxyPort = 0;
let targetPort = 0;
let certs: ReturnType<typeof makeCertificates>;

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

beforeAll(async () => {
  certs = makeCertificates();
  target = createTcpServer((socket: Socket) => socket.end());
  targetPort = await listen(target);
  // Envoy's part: require the client certificate, answer CONNECT after dialling the target.
  proxy = createTlsServer({ ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: true }, (socket: TLSSocket) => {
    socket.once('data', (chunk: Buffer) => {
      const [, host, port] = /^CONNECT ([^:]+):(\d+) HTTP\/1\.1\r\n/.exec(chunk.toString('latin1')) ?? [];
      const upstream = tcpConnect({ host: host!, port: Number(port) });
      upstream.on('connect', () => socket.end('HTTP/1.1 200 OK\r\n\r\n'));
      upstream.on('error', () => socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n'));
    });
  });
  proxyPort = await listen(proxy);
});

afterAll(() => {
  proxy?.close();
  target?.close();
  rmSync(dir, { recursive: true, force: true });
});

const probe = (to: string, tls: ProbeTls = certs.client) =>
  probeThroughProxy({ proxy: { host: '127.0.0.1', port: proxyPort }, serverName: 'kube-apiserver-http-proxy', target: to, tls, timeoutMs: 5000 });

describe('probe through the proxy', () => {
  it('a reachable target: 200, ok', async () => {
    expect(await probe(`127.0.0.1:${targetPort}`)).toMatchObject({ ok: true, answer: 'HTTP/1.1 200 OK', target: `127.0.0.1:${targetPort}` });
  });

  it('an unreachable target: the proxy’s 503, not ok', async () => {
    const gone = createTcpServer();
    const port = await listen(gone);
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    expect(await probe(`127.0.0.1:${port}`)).toMatchObject({ ok: false, answer: 'HTTP/1.1 503 Service Unavailable' });
  });

  it('a client certificate the proxy does not trust: refused, not ok', async () => {
    const result = await probe(`127.0.0.1:${targetPort}`, certs.stranger);
    expect(result.ok).toBe(false);
    expect(result.answer).not.toContain('200');
  });
});
