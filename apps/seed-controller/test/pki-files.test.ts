import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { PKI_FILES } from '../src/pki/files.ts';
import { CLIENT_CN, SERVER_CN } from '../src/pki/shoot-pki.ts';
import { textSink } from './support/run-overlap.ts';

const dir = mkdtempSync(join(tmpdir(), 'ovl-pki-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('overlap shoot-pki', () => {
  it('writes one shoot PKI in the layout the pods mount it, keys readable by the owner only', async () => {
    let stdout = '';
    const sink = textSink((t) => (stdout += t));
    expect(await main(['shoot-pki', '--out', dir, '--namespace', 'shoot--lab--x'], sink, sink)).toBe(0);
    expect(stdout).toContain('wrote the PKI of shoot--lab--x');
    const read = (file: keyof typeof PKI_FILES) => readFileSync(join(dir, PKI_FILES[file]), 'utf8');
    const bundle = new X509Certificate(read('bundle'));
    const server = new X509Certificate(read('envoyCert'));
    const client = new X509Certificate(read('clientCert'));
    expect(read('envoyCa')).toBe(read('bundle'));
    expect([server.subject, client.subject]).toEqual([`CN=${SERVER_CN}`, `CN=${CLIENT_CN}`]);
    expect(server.verify(bundle.publicKey) && client.verify(bundle.publicKey)).toBe(true);
    expect(server.checkPrivateKey(createPrivateKey(read('envoyKey')))).toBe(true);
    expect(client.checkPrivateKey(createPrivateKey(read('clientKey')))).toBe(true);
    expect(statSync(join(dir, PKI_FILES.clientKey)).mode & 0o777).toBe(0o600);
  });

  it('bad input: exit 2 and one line naming the flag', async () => {
    let stderr = '';
    const sink = textSink((t) => (stderr += t));
    expect(await main(['shoot-pki'], sink, sink)).toBe(2);
    expect(stderr).toBe('overlap shoot-pki: --out: "" is required: the directory for the certificates and keys\n');
  });
});
