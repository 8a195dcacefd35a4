import { type X509Certificate, createPrivateKey } from 'node:crypto';
import { PROXY_HOST } from '../inject/names.ts';
import { type KeyPair, type LeafRequest, type Validity, issueCa, issueLeaf, splitPem } from './issue.ts';

/** The small PKI of one shoot: Envoy's serving certificate and kube-apiserver's client certificate, one CA. */
export interface ShootPki {
  /** The CA that signs the leaves. */
  readonly ca: KeyPair;
  /** Its successor, already trusted (in the bundle) before it signs anything. */
  readonly nextCa: KeyPair | undefined;
  /** Every CA a peer must trust now: the signer, its successor, and any former CA that still signs a leaf. */
  readonly bundle: string;
  readonly server: KeyPair;
  readonly client: KeyPair;
}

/** What the shoot namespace holds now; any part may be missing or damaged, and is then issued anew. */
export type PkiState = { readonly [K in keyof ShootPki]?: ShootPki[K] | undefined };

export interface PkiLifetimes {
  readonly caDays: number;
  readonly leafDays: number;
}

/** Gardener's own VPN CA lives 10 years; leaves 90 days keep a leaked key short-lived. */
export const PKI_LIFETIMES: PkiLifetimes = { caDays: 3650, leafDays: 90 };
/** A leaf is re-issued after this share of its lifetime; the CA's successor is published then too. */
const RENEW_AT = 0.8;
/** The successor CA takes over signing here, leaving the old CA's last 10 % for the leaves to be replaced. */
const CA_SWITCH_AT = 0.9;
/** Tolerated clock skew between the controller and the pods: certificates are valid from a little earlier. */
const BACKDATE_MS = 5 * 60_000;
/** How long after issuing leaves a former CA stays trusted anyway: the kube-apiserver rollout they cause. */
export const SETTLE_MS = 60 * 60_000;
const DAY_MS = 86_400_000;

export const SERVER_CN = PROXY_HOST;
export const CLIENT_CN = `${PROXY_HOST}-client`;

const serverRequest = (validity: Validity): LeafRequest => ({ commonName: SERVER_CN, dnsNames: [SERVER_CN], usage: 'serverAuth', validity });
const clientRequest = (validity: Validity): LeafRequest => ({ commonName: CLIENT_CN, usage: 'clientAuth', validity });

function parse(pem: string | undefined): X509Certificate | undefined {
  try {
    return pem ? splitPem(pem)[0] : undefined;
  } catch {
    return undefined;
  }
}

function holdsKey(cert: X509Certificate, key: string): boolean {
  try {
    return cert.checkPrivateKey(createPrivateKey(key));
  } catch {
    return false;
  }
}

/** How much of the certificate's lifetime has passed at `now` (0 at notBefore, 1 at notAfter). */
function lifetimeUsed(cert: X509Certificate, now: Date): number {
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  return (now.getTime() - from) / (to - from);
}

function usableCa(pair: KeyPair | undefined, now: Date): pair is KeyPair {
  const cert = parse(pair?.cert);
  return cert?.ca === true && holdsKey(cert, pair!.key) && lifetimeUsed(cert, now) >= 0 && lifetimeUsed(cert, now) < 1;
}

/** Kept only if intact, signed by the signing CA, for the right name and usage, and not yet due. */
function usableLeaf(pair: KeyPair | undefined, ca: KeyPair, wanted: LeafRequest, now: Date): pair is KeyPair {
  const cert = parse(pair?.cert);
  if (!cert || !holdsKey(cert, pair!.key)) return false;
  const signer = parse(ca.cert)!;
  const names = (cert.subjectAltName ?? '').split(', ').filter(Boolean).sort();
  const wantedNames = (wanted.dnsNames ?? []).map((name) => `DNS:${name}`).sort();
  return (
    cert.checkIssued(signer) &&
    cert.verify(signer.publicKey) &&
    cert.subject === `CN=${wanted.commonName}` &&
    JSON.stringify(names) === JSON.stringify(wantedNames) &&
    (cert.keyUsage ?? []).includes(wanted.usage === 'serverAuth' ? '1.3.6.1.5.5.7.3.1' : '1.3.6.1.5.5.7.3.2') &&
    lifetimeUsed(cert, now) >= 0 &&
    lifetimeUsed(cert, now) < RENEW_AT
  );
}

function validity(now: Date, days: number, cap?: Date): Validity {
  const notAfter = new Date(Math.min(now.getTime() + days * DAY_MS, cap?.getTime() ?? Number.POSITIVE_INFINITY));
  return { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter };
}

const newCa = (namespace: string, now: Date, lifetimes: PkiLifetimes): Promise<KeyPair> =>
  // The issue time in the name keeps a CA and its successor apart for anyone reading the bundle.
  issueCa(`overlap-vpn-ca ${namespace} ${now.toISOString()}`, validity(now, lifetimes.caDays));

/**
 * The PKI a shoot namespace should hold at `now`, given what it holds: intact parts that are not due are kept,
 * everything else is issued. Renewal never leaves a gap: a leaf is replaced at 80 % of its lifetime; a CA's
 * successor joins the bundle at 80 % of the CA's lifetime, signs from 90 % on, and the former CA stays in the
 * bundle as long as a leaf it signed is still held.
 */
export async function renewPki(namespace: string, state: PkiState, now: Date, lifetimes = PKI_LIFETIMES): Promise<ShootPki> {
  let ca = state.ca;
  let nextCa = usableCa(state.nextCa, now) ? state.nextCa : undefined;
  if (!usableCa(ca, now)) {
    // The signing key is lost or broken: start over (its leaves are re-issued below).
    ca = nextCa ?? (await newCa(namespace, now, lifetimes));
    nextCa = undefined;
  }
  const used = lifetimeUsed(parse(ca.cert)!, now);
  if (!nextCa && used >= RENEW_AT) nextCa = await newCa(namespace, now, lifetimes);
  if (nextCa && used >= CA_SWITCH_AT) {
    ca = nextCa;
    nextCa = undefined;
  }

  const caNotAfter = new Date(parse(ca.cert)!.validTo);
  const leafValidity = validity(now, lifetimes.leafDays, caNotAfter);
  const server = usableLeaf(state.server, ca, serverRequest(leafValidity), now) ? state.server : await issueLeaf(ca, serverRequest(leafValidity));
  const client = usableLeaf(state.client, ca, clientRequest(leafValidity), now) ? state.client : await issueLeaf(ca, clientRequest(leafValidity));

  // Former CAs the peers still need: those that signed a leaf the pods may still hold (the state's leaves), and
  // all of them while a leaf is younger than the time a rollout takes (a pod may have read the Secrets mid-change).
  const former = [state.ca?.cert, ...splitPemText(state.bundle)].filter((pem): pem is string => pem !== undefined);
  const held = [state.server?.cert, state.client?.cert].map(parse).filter((cert): cert is X509Certificate => cert !== undefined);
  const settling = [server, client].some((leaf) => now.getTime() - new Date(parse(leaf.cert)!.validFrom).getTime() < BACKDATE_MS + SETTLE_MS);
  const stillNeeded = former.filter((pem) => {
    const candidate = parse(pem);
    if (candidate === undefined || lifetimeUsed(candidate, now) >= 1) return false;
    return settling || held.some((leaf) => leaf.checkIssued(candidate) && leaf.verify(candidate.publicKey));
  });
  const bundle = unique([ca.cert, ...(nextCa ? [nextCa.cert] : []), ...stillNeeded]).join('');
  return { ca, nextCa, bundle, server, client };
}

/** The PEM blocks of a bundle as text, each ending in a newline. */
function splitPemText(bundle: string | undefined): string[] {
  return (bundle?.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((block) => `${block}\n`);
}

function unique(pems: readonly string[]): string[] {
  const seen = new Set<string>();
  return pems.filter((pem) => {
    const fingerprint = parse(pem)?.fingerprint256 ?? pem;
    if (seen.has(fingerprint)) return false;
    seen.add(fingerprint);
    return true;
  });
}
