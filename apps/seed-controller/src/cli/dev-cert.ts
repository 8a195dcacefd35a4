import { issueCa, issueLeaf } from '../pki/issue.ts';

export interface DevCertificates {
  readonly caCert: string;
  readonly caKey: string;
  /** The serving certificate followed by the CA. */
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** base64 of the CA certificate: the `caBundle` of the MutatingWebhookConfiguration. */
  readonly caBundle: string;
}

/**
 * For development and the lab only: a throw-away CA and a serving certificate for the webhook Service
 * (`<service>.<namespace>.svc`), so the API server can verify the webhook with the printed caBundle. Issued by the
 * same code as the shoots' certificates.
 */
export async function generateDevCertificates(options: { service: string; namespace: string; days: number }): Promise<DevCertificates> {
  const validity = { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + options.days * 86_400_000) };
  const ca = await issueCa(`${options.service}-ca`, validity);
  const host = `${options.service}.${options.namespace}.svc`;
  const serving = await issueLeaf(ca, {
    commonName: host,
    dnsNames: [options.service, `${options.service}.${options.namespace}`, host, `${host}.cluster.local`, 'localhost'],
    ipAddresses: ['127.0.0.1'],
    usage: 'serverAuth',
    validity,
  });
  return { caCert: ca.cert, caKey: ca.key, tlsCert: serving.cert, tlsKey: serving.key, caBundle: Buffer.from(ca.cert).toString('base64') };
}
