import { waitFor } from '@overlap/test-support';
import { parseAddress, translate } from '@overlap/cidr';
import { type CaptureSummary, captureOnEach, devicesThatCarried, mergeCaptures, unmappedAddresses } from './capture.ts';
import { attempt, inNetns } from './exec.ts';
import type { Lab } from './launch.ts';
import { type LabPki, PROXY_HOST, labPki } from './pki.ts';
import { type Counter, type ScrapeTarget, bothAgentsScraped, natCounters } from './prometheus.ts';
import { type LabSpec, PORTS, type Target } from './spec.ts';

export interface Answer {
  readonly target: Target;
  readonly ok: boolean;
  /** HTTP status when an answer came, otherwise undefined. */
  readonly status: number | undefined;
  /** The body on success, curl's error message on failure. */
  readonly text: string;
}

/**
 * Which client certificate a request through the proxy presents: the issued one (as kube-apiserver does), none, or
 * another PKI's (another shoot's).
 */
export type ClientCertificate = 'issued' | 'none' | LabPki;

/**
 * curl's arguments for Envoy's place as the egress selector uses it: `https://kube-apiserver-http-proxy:9443`
 * (resolved to loopback, as the pod's host alias does), the server checked against the shoot's CA bundle.
 */
export function proxyArgs(spec: LabSpec, client: ClientCertificate = 'issued'): string[] {
  const pki = labPki(spec);
  const own = client === 'issued' ? pki : client === 'none' ? undefined : client;
  return [
    '--proxytunnel',
    '--proxy',
    `https://${PROXY_HOST}:${PORTS.proxy}`,
    '--resolve',
    `${PROXY_HOST}:${PORTS.proxy}:127.0.0.1`,
    '--proxy-cacert',
    pki.bundle,
    ...(own ? ['--proxy-cert', own.clientCert, '--proxy-key', own.clientKey] : []),
  ];
}

/**
 * An HTTP request from inside the kube-apiserver pod, either as kube-apiserver's egress selector sends it (HTTP
 * CONNECT over mutual TLS to the proxy, then HTTP through the tunnel it opened) or straight to the address.
 */
export async function request(lab: Lab, target: Target, via: 'proxy' | 'direct', timeoutSeconds = 5, client: ClientCertificate = 'issued'): Promise<Answer> {
  const proxy = via === 'proxy' ? proxyArgs(lab.spec, client) : [];
  const url = `http://${target.address}:${target.port}/`;
  const result = await attempt(inNetns(lab.spec.namespaces.seed, ['curl', '-sS', '--max-time', String(timeoutSeconds), ...proxy, '-w', '\n%{http_code}', url]));
  if (!result.ok) return { target, ok: false, status: undefined, text: result.stderr.trim() };
  const lines = result.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { target, ok: status === 200, status, text: lines.join('\n').trim() };
}

/** How the control plane reaches the shoot here: through the proxy when translating (Envoy is injected), else direct. */
export const controlPlanePath = (lab: Lab): 'proxy' | 'direct' => (lab.spec.translates.seed ? 'proxy' : 'direct');

/**
 * Waits until Prometheus holds counters that saw traffic to every target kind on the seed side: the proof's
 * requests happened before, so these values include them.
 */
async function countersAfterTraffic(lab: Lab): Promise<Counter[]> {
  const kinds = [...new Set(lab.spec.targets.map((t) => t.kind))];
  const period = lab.spec.options.scrapeIntervalSeconds + lab.spec.options.syncPeriodSeconds;
  return waitFor(
    'Prometheus to scrape the counters of the proof traffic',
    async () => {
      const counters = await natCounters(lab);
      const seen = (kind: string) => counters.some((c) => c.role === 'seed' && c.kind === kind && c.direction === 'forward' && c.packets > 0);
      return kinds.every(seen) ? counters : undefined;
    },
    4 * period * 1000 + 10_000,
    500,
  );
}

/** An answer and the tunnel devices its conversation crossed (captured on each of them). */
export interface CarriedAnswer extends Answer {
  readonly devices: readonly string[];
}

/** The address a target has inside the tunnel: mapped when the agents translate. */
export const tunnelAddress = (spec: LabSpec, target: Target): string =>
  spec.translates.seed ? translate(spec.mappings, parseAddress(target.address, 'target')).text : target.address;

export interface Proof {
  readonly lab: Lab;
  readonly answers: readonly CarriedAnswer[];
  /** Without translation there is nothing to bypass, so no such request is made. */
  readonly bypass: Answer | undefined;
  /** The proxy's request without a client certificate, which Envoy's place must refuse (none without a proxy). */
  readonly unauthenticated: Answer | undefined;
  /** Every tunnel device's capture together, and each on its own. */
  readonly capture: CaptureSummary;
  readonly captures: ReadonlyMap<string, CaptureSummary>;
  readonly unmapped: readonly string[];
  readonly counters: readonly Counter[];
  readonly targets: readonly ScrapeTarget[];
}

export async function gatherProof(lab: Lab): Promise<Proof> {
  const path = controlPlanePath(lab);
  const { result: plain, summaries } = await captureOnEach(lab.spec.namespaces.seed, lab.spec.tunnelDevices.seed, async () => {
    const list: Answer[] = [];
    for (const target of lab.spec.targets) list.push(await request(lab, target, path));
    return list;
  });
  const answers = plain.map((a): CarriedAnswer => ({ ...a, devices: devicesThatCarried(summaries, tunnelAddress(lab.spec, a.target)) }));
  const summary = mergeCaptures(summaries.values());
  const pod = lab.spec.targets[0];
  const bypass = path === 'proxy' && pod ? await request(lab, pod, 'direct', 4) : undefined;
  const unauthenticated = path === 'proxy' && pod ? await request(lab, pod, 'proxy', 4, 'none') : undefined;
  const targets = await bothAgentsScraped(lab);
  const counters = lab.spec.translates.seed ? await countersAfterTraffic(lab) : await natCounters(lab);
  return { lab, answers, bypass, unauthenticated, capture: summary, captures: summaries, unmapped: unmappedAddresses(summary), counters, targets };
}

/**
 * The proof holds when every request was answered, the bypass and the request without a client certificate failed,
 * and only mapped addresses crossed.
 */
export function proofHolds(proof: Proof): boolean {
  const translated = proof.lab.spec.translates.seed;
  return (
    proof.answers.every((a) => a.ok) &&
    (!translated ||
      (proof.bypass !== undefined &&
        !proof.bypass.ok &&
        proof.unauthenticated !== undefined &&
        !proof.unauthenticated.ok &&
        proof.unmapped.length === 0 &&
        proof.capture.packets > 0)) &&
    proof.targets.every((t) => t.health === 'up')
  );
}
