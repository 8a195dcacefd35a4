// tsyringe (inside @peculiar/x509) needs the Reflect metadata API before it loads; ES modules run in import order.
import 'reflect-metadata';
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** A certificate and its private key, both PEM; `cert` of a leaf holds the chain up to, not including, the CA. */
export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export interface KeyAlgorithm {
  readonly name: string;
  readonly generate: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams;
  readonly import: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  readonly signing: webcrypto.Algorithm | webcrypto.EcdsaParams;
}

/** Both are accepted by Envoy (BoringSSL) and kube-apiserver (Go crypto/tls); the bench picks by issue time. */
export const KEY_ALGORITHMS = {
  'ecdsa-p256': {
    name: 'ECDSA P-256',
    generate: { name: 'ECDSA', namedCurve: 'P-256' },
    import: { name: 'ECDSA', namedCurve: 'P-256' },
    signing: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams,
  },
  'rsa-2048': {
    name: 'RSA 2048',
    generate: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    signing: { name: 'RSASSA-PKCS1-v1_5' },
  },
} as const satisfies Record<string, KeyAlgorithm>;

/** ECDSA P-256: over ten times faster to issue than RSA 2048 (bench/pki-issue.ts), and smaller on every handshake. */
const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = KEY_ALGORITHMS['ecdsa-p256'];

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface LeafRequest {
  readonly commonName: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly usage: 'serverAuth' | 'clientAuth';
  readonly validity: Validity;
}

const pem = (der: ArrayBuffer, label: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;

/** A positive 127-bit serial: RFC 5280 wants it unique per CA and at most 20 octets. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

async function newKeys(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm.generate, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportKey(key: CryptoKey): Promise<string> {
  return pem(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A self-signed CA that signs leaves only (path length 0). */
export async function issueCa(commonName: string, validity: Validity, algorithm = DEFAULT_KEY_ALGORITHM): Promise<KeyPair> {
  const keys = await newKeys(algorithm);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [commonName] }],
    ...validity,
    keys: keys as never,
    signingAlgorithm: algorithm.signing,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { cert: `${cert.toString('pem')}\n`, key: await exportKey(keys.privateKey) };
}

/** The algorithm a PEM key was made with, so a CA signs with its own kind of key whatever the leaves use. */
function algorithmOf(keyPem: string): KeyAlgorithm {
  return createPrivateKey(keyPem).asymmetricKeyType === 'rsa' ? KEY_ALGORITHMS['rsa-2048'] : KEY_ALGORITHMS['ecdsa-p256'];
}

function subjectAltNames(request: LeafRequest): x509.Extension[] {
  const names = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  return names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [];
}

/** A leaf signed by `ca`; its `cert` is the leaf followed by the CA, so a peer holding only the bundle can verify. */
export async function issueLeaf(ca: KeyPair, request: LeafRequest, algorithm = DEFAULT_KEY_ALGORITHM): Promise<KeyPair> {
  const keys = await newKeys(algorithm);
  const caAlgorithm = algorithmOf(ca.key);
  const signingKey = createPrivateKey(ca.key).toCryptoKey(caAlgorithm.import, false, ['sign']) as CryptoKey;
  const issuer = new x509.X509Certificate(ca.cert);
  const usages = x509.KeyUsageFlags.digitalSignature | (algorithm === KEY_ALGORITHMS['rsa-2048'] ? x509.KeyUsageFlags.keyEncipherment : 0);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [request.commonName] }],
    issuer: issuer.subject,
    ...request.validity,
    publicKey: keys.publicKey as never,
    signingKey: signingKey as never,
    signingAlgorithm: caAlgorithm.signing,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage[request.usage]]),
      ...subjectAltNames(request),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.publicKey),
    ],
  });
  return { cert: `${cert.toString('pem')}\n${ca.cert}`, key: await exportKey(keys.privateKey) };
}

/** Every certificate of a PEM bundle, in order. */
export function splitPem(bundle: string): X509Certificate[] {
  return (bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block));
}
