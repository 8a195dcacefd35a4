import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ShootPki, renewPki } from './shoot-pki.ts';

/** Where each file lands under the output directory: the paths the injected containers mount them at. */
export const PKI_FILES = {
  /** Envoy's /srv/secrets/envoy-proxy: the bundle as ca.crt (to verify clients), its chain and key. */
  envoyCa: 'envoy/ca.crt',
  envoyCert: 'envoy/tls.crt',
  envoyKey: 'envoy/tls.key',
  /** kube-apiserver's client certificate towards Envoy (/etc/srv/kubernetes/envoy). */
  clientCert: 'client/tls.crt',
  clientKey: 'client/tls.key',
  /** The egress selector's caBundle (/srv/kubernetes/ca-vpn). */
  bundle: 'ca-vpn/bundle.crt',
} as const;

/**
 * Issues a fresh PKI for one shoot, exactly as the controller does, and writes it out in the layout the pods see
 * (for a lab or a test that runs Envoy, or a stand-in for it, with real certificates). The CA key is not written.
 */
export async function writeShootPki(dir: string, namespace: string, now = new Date()): Promise<ShootPki> {
  const pki = await renewPki(namespace, {}, now);
  const files: Record<keyof typeof PKI_FILES, string> = {
    envoyCa: pki.bundle,
    envoyCert: pki.server.cert,
    envoyKey: pki.server.key,
    clientCert: pki.client.cert,
    clientKey: pki.client.key,
    bundle: pki.bundle,
  };
  for (const [file, content] of Object.entries(files) as Array<[keyof typeof PKI_FILES, string]>) {
    const path = join(dir, PKI_FILES[file]);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content, { mode: file.endsWith('Key') ? 0o600 : 0o644 });
  }
  return pki;
}
