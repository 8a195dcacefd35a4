import { describe, expect, it } from 'vitest';
import { INTERACTIVE_LAB, type Proof, formatProof, labSpec, proofHolds, summarizeCapture, table, unmappedAddresses } from '../src/index.ts';

const spec = labSpec(INTERACTIVE_LAB);
const lab = { spec, state: { options: INTERACTIVE_LAB, daemons: {} } };
const [pod, service, node] = spec.targets as [(typeof spec.targets)[0], (typeof spec.targets)[0], (typeof spec.targets)[0]];
const capture = summarizeCapture('x IP 241.1.0.10.40000 > 244.0.5.20.8080: Flags [S]\nx IP 244.0.5.20.8080 > 241.1.0.10.40000: Flags [S.]\n');

const proof = (change: Partial<Proof> = {}): Proof => ({
  lab,
  answers: [pod, service, node].map((target) => ({ target, ok: true, status: 200, text: `answer of ${target.label}`, devices: ['bond0-ip6tnl0'] })),
  bypass: { target: pod, ok: false, status: undefined, text: 'curl: (28) Connection timed out after 4001 milliseconds' },
  unauthenticated: { target: pod, ok: false, status: undefined, text: 'curl: (56) tlsv13 alert certificate required' },
  capture,
  captures: new Map([
    ['bond0-ip6tnl0', capture],
    ['bond0-ip6tnl1', summarizeCapture('')],
  ]),
  unmapped: unmappedAddresses(capture),
  counters: [{ role: 'seed', kind: 'pods', original: '10.1.0.0/16', mapped: '244.0.0.0/16', direction: 'forward', packets: 7 }],
  targets: [
    { job: 'seed-vpn-agent', url: '10.1.0.10:9150', health: 'up' },
    { job: 'shoot-vpn-agent', url: '192.168.250.2:9151', health: 'up' },
  ],
  ...change,
});

describe('formatProof', () => {
  it('prints the headed sections, one line per fact', () => {
    const text = formatProof(proof(), true);
    expect(text.match(/^== .* ==$/gm)).toEqual([
      '== Networks ==',
      '== Mapping table ==',
      "== Through the proxy, as kube-apiserver's egress selector: mutual TLS to stunnel, HTTP CONNECT to tinyproxy (Envoy's place, gid 31415) ==",
      '== The same request without the proxy ==',
      '== The same request through the proxy without the client certificate ==',
      '== On the tunnel: tcpdump -i bond0-ip6tnl0, -i bond0-ip6tnl1 in the kube-apiserver pod during those requests ==',
      '== Per-mapping NAT counters, queried from Prometheus ==',
      '== Result ==',
    ]);
    expect(text).toContain('pods      10.1.0.0/16    244.0.0.0/16');
    expect(text).toContain('shoot node 10.250.0.5:10250  via bond0-ip6tnl0  →  HTTP 200: answer of shoot node');
    expect(text).toContain('HA control plane:       yes: paths bond0-ip6tnl0 → bond0ip6tnl00c0, bond0-ip6tnl1 → bond0ip6tnl00c1');
    expect(text).toContain('2 packets (bond0-ip6tnl0: 2 packets, bond0-ip6tnl1: 0 packets)');
    expect(text).toContain('241.1.0.10  ⇄  244.0.5.20:8080  1 packets out, 1 back');
    expect(text).toContain('every address is inside 241–244.0.0.0/8');
    expect(text).toContain('seed  pods  10.1.0.0/16 → 244.0.0.0/16  forward    7');
    expect(text.trimEnd().endsWith('PROOF HOLDS: the control plane reaches the overlapping shoot through the double NAT')).toBe(true);
  });

  it('names what did not cross mapped', () => {
    const leaked = summarizeCapture('x IP 10.1.0.10.40000 > 10.1.5.20.8080: Flags [S]\n');
    const text = formatProof(proof({ capture: leaked, unmapped: unmappedAddresses(leaked) }), false);
    expect(text).toContain('NOT MAPPED: 10.1.0.10, 10.1.5.20 crossed the tunnel');
    expect(text).toContain('PROOF FAILED');
  });
});

describe('proofHolds', () => {
  it('holds for answered requests, a failed bypass, mapped-only traffic and both targets up', () => {
    expect(proofHolds(proof())).toBe(true);
  });
  it.each([
    ['a request failed', { answers: [{ target: pod, ok: false, status: 502, text: 'bad gateway', devices: [] }] }],
    ['the bypass worked', { bypass: { target: pod, ok: true, status: 200, text: 'seed pod' } }],
    ['the proxy took a request without a client certificate', { unauthenticated: { target: pod, ok: true, status: 200, text: 'shoot pod' } }],
    ['an unmapped address crossed', { unmapped: ['10.1.0.10'] }],
    ['nothing crossed', { capture: summarizeCapture('') }],
    ['a scrape target is down', { targets: [{ job: 'seed-vpn-agent', url: 'x', health: 'down' }] }],
  ] as Array<[string, Partial<Proof>]>)('fails when %s', (_, change) => {
    expect(proofHolds(proof(change))).toBe(false);
  });
});

describe('table', () => {
  it('pads every column but the last', () => {
    expect(
      table([
        ['a', 'bb', 'c'],
        ['ccc', 'd', 'e'],
      ]),
    ).toEqual(['a    bb  c', 'ccc  d   e']);
  });
});
