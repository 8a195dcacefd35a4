import type { Answer, CarriedAnswer, Proof } from './proof.ts';
import { ENVOY_GID, type LabSpec, SHOOT_NAMESPACE } from './spec.ts';

const heading = (title: string): string => `\n== ${title} ==`;

/** Left-aligned columns, two spaces apart. */
export function table(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

const endpoint = (a: Answer): string => `${a.target.label} ${a.target.address}:${a.target.port}`;
/** The tunnel device that carried a request, the proof's answer to "which path?". */
const carrier = (a: CarriedAnswer): string => (a.devices.length === 0 ? 'via (no tunnel device saw it)' : `via ${a.devices.join(' + ')}`);
const outcome = (a: Answer): string => (a.ok ? `HTTP ${a.status}: ${a.text}` : a.status === undefined ? `no answer: ${a.text}` : `HTTP ${a.status}: ${a.text}`);

function networkLines(spec: LabSpec): string[] {
  const list = (cidrs: LabSpec['networks']['pods']) => cidrs.map((c) => c.text).join(', ');
  const n = spec.networks;
  return [
    `seed pod network:       ${n.seedPods?.text ?? '(none)'} (kube-apiserver pod at ${spec.addresses.kubeApiserver})`,
    `shoot pod networks:     ${list(n.pods)}`,
    `shoot service networks: ${list(n.services)}`,
    `shoot node networks:    ${list(n.nodes)}`,
    `HA control plane:       ${spec.options.ha ? `yes: paths ${spec.paths.map((p) => `${p.seedDevice} → ${p.shootDevice}`).join(', ')}, routed by the path controller` : 'no: one point-to-point tun0, routed by the agents'}`,
    `decision:               ${spec.decision.reason}`,
    `translation:            ${spec.translates.seed ? 'double NAT on both sides of the tunnel' : 'none, the tunnel carries the real addresses'}`,
  ];
}

function mappingLines(spec: LabSpec): string[] {
  if (spec.mappings.length === 0) return ['(no mappings: nothing is translated)'];
  return table([['kind', 'original', 'mapped (inside the tunnel)'], ...spec.mappings.map((m) => [m.kind, m.original.text, m.mapped.text])]);
}

function captureLines(proof: Proof): string[] {
  const { capture, unmapped } = proof;
  if (capture.packets === 0) return ['no packets crossed the tunnel'];
  const perDevice = [...proof.captures].map(([device, s]) => `${device}: ${s.packets} packets`).join(', ');
  const verdict = proof.lab.spec.translates.seed
    ? unmapped.length === 0
      ? 'every address is inside 241–244.0.0.0/8: only mapped traffic crossed'
      : `NOT MAPPED: ${unmapped.join(', ')} crossed the tunnel`
    : 'real addresses, as expected without translation';
  return [
    `${capture.packets} packets (${perDevice}); ${verdict}`,
    ...table(
      capture.flows.map((f) => [f.client, '⇄', f.port === undefined ? f.server : `${f.server}:${f.port}`, `${f.outbound} packets out, ${f.inbound} back`]),
    ),
  ];
}

function counterLines(proof: Proof): string[] {
  if (proof.counters.length === 0) return ['(no per-mapping counters: the agents translate nothing)'];
  return [
    ...table([
      ['role', 'kind', 'original → mapped', 'direction', 'packets'],
      ...proof.counters.map((c) => [c.role, c.kind, `${c.original} → ${c.mapped}`, c.direction, String(c.packets)]),
    ]),
    '(a NAT rule sees the first packet of each connection, conntrack translates the rest: these count connections)',
  ];
}

/** The proof as a newcomer reads it: a few headed sections, one line per fact. */
export function formatProof(proof: Proof, verdict: boolean): string {
  const { spec } = proof.lab;
  const viaProxy = spec.translates.seed;
  const lines = [
    heading('Networks'),
    ...networkLines(spec),
    heading('Mapping table'),
    ...mappingLines(spec),
    heading(
      viaProxy
        ? `Through the proxy, as kube-apiserver's egress selector: mutual TLS to stunnel, HTTP CONNECT to tinyproxy (Envoy's place, gid ${ENVOY_GID})`
        : 'Direct, as kube-apiserver connects when there is no overlap (no proxy injected)',
    ),
    ...table(proof.answers.map((a) => [endpoint(a), carrier(a), '→', outcome(a)])),
  ];
  if (proof.bypass) {
    const seedPods = spec.networks.seedPods?.text ?? '';
    lines.push(
      heading('The same request without the proxy'),
      ...table([[endpoint(proof.bypass), '→', outcome(proof.bypass)]]),
      `(${proof.bypass.target.address} is inside the seed's own pod network ${seedPods}, so it never enters the tunnel)`,
    );
  }
  if (proof.unauthenticated) {
    lines.push(
      heading('The same request through the proxy without the client certificate'),
      ...table([[endpoint(proof.unauthenticated), '→', outcome(proof.unauthenticated)]]),
      `(Envoy's place requires a client certificate signed by the CA the controller issued for ${SHOOT_NAMESPACE})`,
    );
  }
  lines.push(
    heading(`On the tunnel: tcpdump -i ${spec.tunnelDevices.seed.join(', -i ')} in the kube-apiserver pod during those requests`),
    ...captureLines(proof),
    heading('Per-mapping NAT counters, queried from Prometheus'),
    ...table(proof.targets.map((t) => [`scrape target ${t.job}`, t.pod === undefined ? t.url : `${t.pod} via ${t.url}`, t.health])),
    ...counterLines(proof),
    heading('Result'),
    !verdict
      ? 'PROOF FAILED: see the lines above'
      : viaProxy
        ? 'PROOF HOLDS: the control plane reaches the overlapping shoot through the double NAT'
        : 'PROOF HOLDS: without an overlap the control plane reaches the shoot untranslated',
  );
  return `${lines.join('\n').trimStart()}\n`;
}
