import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { MANAGED_BY, MANAGED_BY_LABEL, SHOOT_LABEL } from '../inject/names.ts';
import type { InjectionSettings } from '../inject/settings.ts';
import type { ShootPlan } from '../shoot/shoot-plan.ts';
import type { KeyPair } from './issue.ts';
import type { PkiState, ShootPki } from './shoot-pki.ts';

/** The CA's key pair (and its successor's): never mounted, only the controller reads it. */
export const CA_SECRET = 'overlap-vpn-ca';
/** Shown instead of Secret data by `overlap plan`: it never prints a key. */
const GENERATED = '<generated>';

const FILES = {
  ca: ['ca.crt', 'ca.key'],
  nextCa: ['next-ca.crt', 'next-ca.key'],
  tls: ['tls.crt', 'tls.key'],
} as const;

const encode = (text: string): string => Buffer.from(text).toString('base64');

function secret(namespace: string, name: string, type: string, data: Record<string, string>, placeholder: boolean): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [SHOOT_LABEL]: namespace } },
    type,
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, placeholder ? GENERATED : encode(value)])),
  };
}

const pairData = (names: readonly [string, string], pair: KeyPair | undefined): Record<string, string> =>
  pair ? { [names[0]]: pair.cert, [names[1]]: pair.key } : {};

/**
 * The shoot's PKI as Secrets: the CA (not mounted), the CA bundle both sides trust, Envoy's serving and
 * kube-apiserver's client certificate. Without `pki` (a dry run) every value is GENERATED.
 */
export function pkiSecrets(plan: ShootPlan, pki: ShootPki | undefined): V1Secret[] {
  if (!plan.injection) return [];
  const namespace = plan.facts.namespace;
  const names = plan.settings;
  const empty: KeyPair = { cert: '', key: '' };
  const dry = pki === undefined;
  const files = pki ?? { ca: empty, nextCa: undefined, bundle: '', server: empty, client: empty };
  return [
    secret(namespace, CA_SECRET, 'Opaque', { ...pairData(FILES.ca, files.ca), ...pairData(FILES.nextCa, files.nextCa) }, dry),
    secret(namespace, names.caBundleSecret, 'Opaque', { 'bundle.crt': files.bundle }, dry),
    secret(namespace, names.proxyServerSecret, 'kubernetes.io/tls', pairData(FILES.tls, files.server), dry),
    secret(namespace, names.proxyClientSecret, 'kubernetes.io/tls', pairData(FILES.tls, files.client), dry),
  ];
}

/** Reads back what pkiSecrets wrote, from whichever of those Secrets exist; unreadable parts are left out. */
export function pkiState(secrets: readonly KubernetesObject[], settings: InjectionSettings): PkiState {
  const data = (name: string): Record<string, string> => {
    const found = secrets.find((candidate) => candidate.metadata?.name === name) as V1Secret | undefined;
    return Object.fromEntries(Object.entries(found?.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  };
  const pair = (values: Record<string, string>, names: readonly [string, string]): KeyPair | undefined => {
    const [cert, key] = [values[names[0]], values[names[1]]];
    return cert && key ? { cert, key } : undefined;
  };
  const ca = data(CA_SECRET);
  const bundle = data(settings.caBundleSecret)['bundle.crt'];
  return {
    ...(pair(ca, FILES.ca) ? { ca: pair(ca, FILES.ca) } : {}),
    ...(pair(ca, FILES.nextCa) ? { nextCa: pair(ca, FILES.nextCa) } : {}),
    ...(bundle ? { bundle } : {}),
    ...(pair(data(settings.proxyServerSecret), FILES.tls) ? { server: pair(data(settings.proxyServerSecret), FILES.tls) } : {}),
    ...(pair(data(settings.proxyClientSecret), FILES.tls) ? { client: pair(data(settings.proxyClientSecret), FILES.tls) } : {}),
  };
}
