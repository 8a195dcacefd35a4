import { join } from 'node:path';
import { PKI_FILES, writeShootPki } from '@overlap/seed-controller';
import type { LabSpec } from './spec.ts';

/**
 * kube-apiserver reaches Envoy as `https://kube-apiserver-http-proxy:9443` (the egress selector's URL; a host
 * alias maps the name to 127.0.0.1 in the pod). Envoy's serving certificate is issued for exactly this name, so the
 * lab's requests use it too and the client checks the name as kube-apiserver does.
 */
export const PROXY_HOST = 'kube-apiserver-http-proxy';

/**
 * The files of the lab's shoot PKI, in the layout the injected containers mount them: Envoy's client CA bundle,
 * serving chain and key (`envoy*`), kube-apiserver's client certificate and key, and the egress selector's caBundle.
 */
export type LabPki = Record<keyof typeof PKI_FILES, string>;

export const pkiFiles = (dir: string): LabPki => Object.fromEntries(Object.entries(PKI_FILES).map(([name, file]) => [name, join(dir, file)])) as LabPki;

export const labPkiDir = (spec: LabSpec, name = 'pki'): string => join(spec.options.runDir, name);
export const labPki = (spec: LabSpec): LabPki => pkiFiles(labPkiDir(spec));

/**
 * Issues a shoot's PKI with the controller's own code (what it keeps in the shoot namespace's Secrets) into the
 * run directory. `name` other than the default gives an unrelated PKI, as another shoot's would be.
 */
export async function issueLabPki(spec: LabSpec, namespace: string, name = 'pki'): Promise<LabPki> {
  await writeShootPki(labPkiDir(spec, name), namespace);
  return pkiFiles(labPkiDir(spec, name));
}
