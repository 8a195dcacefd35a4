// @peculiar/x509 (used here to read key usages, which Node's X509Certificate does not show) needs it first.
import 'reflect-metadata';
import { type X509Certificate, createPrivateKey } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type TLSSocket, connect, createServer } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { splitPem } from '../src/pki/issue.ts';
import { CLIENT_CN, PKI_LIFETIMES, SERVER_CN, SETTLE_MS, type ShootPki, renewPki } from '../src/pki/shoot-pki.ts';

const DAY = 86_400_000;
/** Whole seconds, as X.509 keeps times. The TLS handshakes below check validity against the real clock. */
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const at = (days: number, from = T0): Date => new Date(from.getTime() + days * DAY);
const cert = (pem: string): X509Certificate => splitPem(pem)[0]!;
const keyUsages = (pem: string): number => new x509.X509Certificate(cert(pem).raw).getExtension(x509.KeyUsagesExtension)!.usages;

/**
 * A real TLS handshake on loopback: a server holding `server` (as Envoy, requiring a client certificate) and a
 * client holding `client` (as kube-apiserver through the egress selector), each trusting its own bundle.
 */
async function handshake(server: { pair: ShootPki['server']; bundle: string }, client: { pair: ShootPki['client']; bundle: string }): Promise<string> {
  const tlsServer = createServer({ cert: server.pair.cert, key: server.pair.key, ca: server.bundle, requestCert: true, rejectUnauthorized: true }, (socket) => {
    socket.end(`hello ${(socket as TLSSocket).getPeerCertificate().subject.CN}`);
  });
  tlsServer.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise<string>((resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port: (tlsServer.address() as AddressInfo).port,
        servername: SERVER_CN,
        ca: client.bundle,
        cert: client.pair.cert,
        key: client.pair.key,
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => (text ? resolve(text) : reject(new Error('closed without an answer'))));
      socket.on('error', reject);
    });
  } finally {
    tlsServer.close();
  }
}

describe('a shoot PKI issued from nothing', async () => {
  const pki = await renewPki('shoot--dev--a', {}, T0);
  const ca = cert(pki.ca.cert);

  it('has a CA that signs leaves only, valid for its lifetime from just before now', () => {
    expect(ca.ca).toBe(true);
    expect(ca.subject).toMatch(/^CN=overlap-vpn-ca shoot--dev--a /);
    expect(keyUsages(pki.ca.cert)).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(new Date(ca.validFrom).getTime()).toBeLessThanOrEqual(T0.getTime());
    expect(new Date(ca.validTo).getTime()).toBe(at(PKI_LIFETIMES.caDays).getTime());
    expect(ca.checkPrivateKey(createPrivateKey(pki.ca.key))).toBe(true);
    expect(pki.bundle).toBe(pki.ca.cert);
  });

  it("has Envoy's serving certificate: CN and DNS SAN kube-apiserver-http-proxy, serverAuth, the chain included", () => {
    const [leaf, chain] = splitPem(pki.server.cert);
    expect(leaf!.subject).toBe(`CN=${SERVER_CN}`);
    expect(leaf!.subjectAltName).toBe(`DNS:${SERVER_CN}`);
    expect(leaf!.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(keyUsages(pki.server.cert)).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(leaf!.ca).toBe(false);
    expect(chain!.fingerprint256).toBe(ca.fingerprint256);
    expect(leaf!.checkIssued(ca) && leaf!.verify(ca.publicKey)).toBe(true);
    expect((new Date(leaf!.validTo).getTime() - T0.getTime()) / DAY).toBeCloseTo(PKI_LIFETIMES.leafDays, 0);
    expect(leaf!.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
  });

  it("has kube-apiserver's client certificate: CN kube-apiserver-http-proxy-client, clientAuth, no SAN", () => {
    const leaf = cert(pki.client.cert);
    expect(leaf.subject).toBe(`CN=${CLIENT_CN}`);
    expect(leaf.subjectAltName).toBeUndefined();
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(leaf.verify(ca.publicKey)).toBe(true);
  });

  it('lets a client with the client certificate through a real mTLS handshake', async () => {
    await expect(handshake({ pair: pki.server, bundle: pki.bundle }, { pair: pki.client, bundle: pki.bundle })).resolves.toBe(`hello ${CLIENT_CN}`);
  });

  it("refuses a client certificate of another shoot's CA, and the client refuses that shoot's server", async () => {
    const other = await renewPki('shoot--dev--b', {}, T0);
    await expect(handshake({ pair: pki.server, bundle: pki.bundle }, { pair: other.client, bundle: pki.bundle })).rejects.toThrow();
    await expect(handshake({ pair: other.server, bundle: other.bundle }, { pair: pki.client, bundle: pki.bundle })).rejects.toThrow(
      /self-signed|unable to verify|certificate/,
    );
  });

  it('keeps what is intact and not due, and re-issues only a damaged part', async () => {
    expect(await renewPki('shoot--dev--a', pki, at(1))).toEqual(pki);
    const damaged = await renewPki('shoot--dev--a', { ...pki, server: { cert: pki.server.cert, key: pki.client.key } }, at(1));
    expect(damaged.ca).toEqual(pki.ca);
    expect(damaged.client).toEqual(pki.client);
    expect(damaged.server).not.toEqual(pki.server);
    expect(cert(damaged.server.cert).verify(ca.publicKey)).toBe(true);
  });
});

describe('renewal with an injected clock', () => {
  const lifetimes = { caDays: 100, leafDays: 10 };

  it('re-issues a leaf once 80 % of its lifetime has passed, not before', async () => {
    const first = await renewPki('shoot--dev--a', {}, T0, lifetimes);
    expect((await renewPki('shoot--dev--a', first, at(7.9), lifetimes)).server).toEqual(first.server);
    const renewed = await renewPki('shoot--dev--a', first, at(8.1), lifetimes);
    expect(renewed.server).not.toEqual(first.server);
    expect(renewed.client).not.toEqual(first.client);
    expect(renewed.ca).toEqual(first.ca);
  });

  it('rotates the CA without a gap: every pairing of the former and the next state verifies, through the roll', async () => {
    // Started so that the CA switch (day 90) falls half a day before the real now, for the real handshake there.
    const start = at(-90.5);
    let state = await renewPki('shoot--dev--a', {}, start, lifetimes);
    const cas = new Set([state.ca.cert]);
    let sawTwoCas = false;
    for (let day = 1; day <= 200; day += 1) {
      const next = await renewPki('shoot--dev--a', state, at(day, start), lifetimes);
      const trusted = (bundle: string) => splitPem(bundle);
      // During a roll a pod may hold the former leaves with the next bundle or the other way round.
      for (const [leaves, bundle] of [
        [[state.server, state.client], next.bundle],
        [[next.server, next.client], state.bundle],
        [[next.server, next.client], next.bundle],
      ] as const) {
        for (const leaf of leaves) {
          const issued = trusted(bundle).some((ca) => cert(leaf.cert).checkIssued(ca) && cert(leaf.cert).verify(ca.publicKey));
          expect(issued, `day ${day}`).toBe(true);
        }
      }
      if (next.ca.cert !== state.ca.cert) {
        // The switch: the former CA is still trusted beside the new one, and a real handshake across them works.
        expect(trusted(next.bundle)).toHaveLength(2);
        // The first switch is the one at the real now; later ones lie in the future of the real clock.
        if (!sawTwoCas)
          await expect(handshake({ pair: state.server, bundle: next.bundle }, { pair: next.client, bundle: state.bundle })).resolves.toBe(`hello ${CLIENT_CN}`);
        sawTwoCas = true;
      }
      cas.add(next.ca.cert);
      state = next;
    }
    expect(sawTwoCas).toBe(true);
    expect(cas.size).toBeGreaterThanOrEqual(2);
    // Once every leaf is signed by the new CA, the former one leaves the bundle again.
    expect(splitPem(state.bundle).length).toBeLessThanOrEqual(2);
  });

  it('publishes the successor CA at 80 % and switches to it at 90 % of the CA lifetime', async () => {
    const first = await renewPki('shoot--dev--a', {}, T0, lifetimes);
    const published = await renewPki('shoot--dev--a', first, at(81), lifetimes);
    expect(published.ca).toEqual(first.ca);
    expect(published.nextCa).toBeDefined();
    expect(splitPem(published.bundle).map((c) => c.fingerprint256)).toEqual([cert(first.ca.cert), cert(published.nextCa!.cert)].map((c) => c.fingerprint256));
    const switched = await renewPki('shoot--dev--a', published, at(91), lifetimes);
    expect(switched.ca).toEqual(published.nextCa);
    expect(switched.nextCa).toBeUndefined();
    expect(cert(switched.server.cert).verify(cert(switched.ca.cert).publicKey)).toBe(true);
    expect(splitPem(switched.bundle)).toHaveLength(2);
    // Still both while the rollout the new leaves cause may be under way (the leaves are backdated 5 minutes).
    expect(splitPem((await renewPki('shoot--dev--a', switched, new Date(at(91).getTime() + SETTLE_MS - 60_000), lifetimes)).bundle)).toHaveLength(2);
    const settled = await renewPki('shoot--dev--a', switched, at(92), lifetimes);
    expect(splitPem(settled.bundle).map((c) => c.fingerprint256)).toEqual([cert(switched.ca.cert).fingerprint256]);
  });
});
