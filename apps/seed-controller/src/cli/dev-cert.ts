import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface DevCertificates {
  readonly caCert: string;
  readonly caKey: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** base64 of the CA certificate: the `caBundle` of the MutatingWebhookConfiguration. */
  readonly caBundle: string;
}

/** Keys come from Node's OpenSSL (fast); node-forge only assembles and signs the certificates. */
function newKeyPair(): { pem: string; forgeKeys: { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.PublicKey } } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgePrivate = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { pem, forgeKeys: { privateKey: forgePrivate, publicKey: forge.pki.setRsaPublicKey(forgePrivate.n, forgePrivate.e) } };
}

function certificate(options: {
  subject: string;
  issuer: string;
  publicKey: forge.pki.PublicKey;
  signingKey: forge.pki.rsa.PrivateKey;
  days: number;
  extensions: object[];
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = options.publicKey;
  // Positive serial: a leading 0 nibble keeps the DER integer from reading as negative.
  cert.serialNumber = `0${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + options.days * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: options.subject }]);
  cert.setIssuer([{ name: 'commonName', value: options.issuer }]);
  cert.setExtensions(options.extensions);
  cert.sign(options.signingKey, forge.md.sha256.create());
  return cert;
}

/**
 * For development and the lab only: a throw-away CA and a serving certificate for the webhook Service
 * (`<service>.<namespace>.svc`), so the API server can verify the webhook with the printed caBundle.
 */
export function generateDevCertificates(options: {
  service: string;
  namespace: string;
  days: number;
}): DevCertificates {
  const caName = `${options.service}-ca`;
  const ca = newKeyPair();
  const caCert = certificate({
    subject: caName,
    issuer: caName,
    publicKey: ca.forgeKeys.publicKey,
    signingKey: ca.forgeKeys.privateKey,
    days: options.days,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
  });
  const host = `${options.service}.${options.namespace}.svc`;
  const dnsNames = [options.service, `${options.service}.${options.namespace}`, host, `${host}.cluster.local`, 'localhost'];
  const serving = newKeyPair();
  const servingCert = certificate({
    subject: host,
    issuer: caName,
    publicKey: serving.forgeKeys.publicKey,
    signingKey: ca.forgeKeys.privateKey,
    days: options.days,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...dnsNames.map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }] },
    ],
  });
  const caPem = forge.pki.certificateToPem(caCert);
  return {
    caCert: caPem,
    caKey: ca.pem,
    tlsCert: forge.pki.certificateToPem(servingCert),
    tlsKey: serving.pem,
    caBundle: Buffer.from(caPem).toString('base64'),
  };
}
