import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type LiveState, EMPTY_LIVE_STATE, desiredRules, diffRules, parseIptablesSave, parseNftJson } from '../src/index.ts';
import { params } from './fixtures.ts';

const golden = (name: string): string => readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');

/** The diff as short lines: what is missing by comment, what is stale or foreign by text. */
function summary(diff: ReturnType<typeof diffRules>) {
  return {
    missing: diff.missing.map((r) => `${r.table}/${r.hook} ${r.comment}`),
    stale: diff.stale.map((r) => r.text),
    foreign: diff.foreign.map((r) => r.text),
    jumpsMissing: diff.jumpsMissing,
    jumpsDuplicated: diff.jumpsDuplicated,
    jumpsNotFirst: diff.jumpsNotFirst,
    jumpsForeign: diff.jumpsForeign.map((j) => j.text),
    chainsStale: diff.chainsStale,
    chainsForeign: diff.chainsForeign,
    inSync: diff.inSync,
  };
}

describe('diffRules', () => {
  it.each(['iptables', 'nftables'] as const)('%s: nothing live, everything missing', (backend) => {
    const desired = desiredRules(params('shoot'));
    const diff = diffRules(desired, EMPTY_LIVE_STATE(backend));
    expect(diff.missing).toEqual(desired.rules);
    expect(diff.jumpsMissing).toEqual(
      backend === 'iptables'
        ? [
            { table: 'nat', hook: 'prerouting' },
            { table: 'nat', hook: 'postrouting' },
            { table: 'filter', hook: 'forward' },
            { table: 'mangle', hook: 'postrouting' },
          ]
        : [],
    );
    expect(diff.inSync).toBe(false);
  });

  it.each(['iptables', 'nftables'] as const)('%s: nothing desired, nothing live: in sync', (backend) => {
    expect(diffRules(desiredRules(params('seed', { mappings: [] })), EMPTY_LIVE_STATE(backend)).inSync).toBe(true);
  });

  it('iptables: missing, stale (edited, undesired), foreign, duplicate and conditional jumps, unneeded chain', () => {
    const diff = diffRules(desiredRules(params('seed')), parseIptablesSave(golden('drifted.iptables-save')));
    expect(summary(diff)).toEqual({
      missing: [
        'nat/output overlap services 10.2.0.0/20 243.0.0.0/20 forward',
        'nat/output overlap nodes 10.250.0.0/24 242.0.0.0/24 forward',
        'nat/postrouting overlap seedPods 10.1.0.0/16 241.1.0.0/16 forward',
      ],
      stale: [
        '-A OVERLAP-OUTPUT -d 10.2.0.0/20 -m owner --gid-owner 31415 -m comment --comment "overlap services 10.2.0.0/20 243.0.0.0/20 forward" -j NETMAP --to 243.0.0.0/21',
        '-A OVERLAP-OUTPUT -d 10.9.0.0/16 -m owner --gid-owner 31415 -m comment --comment "overlap pods 10.9.0.0/16 244.9.0.0/16 forward" -j NETMAP --to 244.9.0.0/16',
      ],
      foreign: [
        '-A OVERLAP-OUTPUT -d 10.250.0.0/24 -m owner ! --gid-owner 31415 -m comment --comment "overlap nodes 10.250.0.0/24 242.0.0.0/24 forward" -j NETMAP --to 242.0.0.0/24',
        String.raw`-A OVERLAP-OUTPUT -d 10.9.9.9/32 -m comment --comment "someone\'s \"debug\" rule" -j ACCEPT`,
        '-A OVERLAP-OUTPUT -d 10.9.9.8/32 -j ACCEPT',
      ],
      jumpsMissing: [{ table: 'nat', hook: 'postrouting' }],
      jumpsDuplicated: [{ table: 'nat', hook: 'output' }],
      // PREROUTING's jump sits behind kube-proxy's; OUTPUT's first copy is first.
      jumpsNotFirst: [{ table: 'nat', hook: 'prerouting' }],
      jumpsForeign: ['-A POSTROUTING -o eth0 -j OVERLAP-POSTROUTING'],
      chainsStale: [{ table: 'filter', hook: 'forward' }],
      chainsForeign: [],
      inSync: false,
    });
  });

  it('nftables: a duplicate is stale, a rule without counter or in a chain of the wrong priority is foreign', () => {
    const diff = diffRules(desiredRules(params('shoot')), parseNftJson(golden('drifted.nft.json')));
    expect(summary(diff)).toEqual({
      missing: [
        'nat/prerouting overlap services 10.2.0.0/20 243.0.0.0/20 reverse',
        'nat/postrouting overlap pods 10.1.0.0/16 244.0.0.0/16 forward',
        'nat/postrouting overlap services 10.2.0.0/20 243.0.0.0/20 forward',
        'nat/postrouting overlap nodes 10.250.0.0/24 242.0.0.0/24 forward',
        'nat/postrouting overlap masquerade',
        'filter/forward overlap accept-tunnel',
        'mangle/postrouting overlap clamp-mss',
      ],
      stale: [
        'iifname "tun0" ip daddr 243.0.0.0/20 counter dnat ip prefix to ip daddr map { 243.0.0.0/20 : 10.3.0.0/20 } comment "overlap services 10.2.0.0/20 243.0.0.0/20 reverse"',
        'iifname "tun0" ip daddr 242.0.0.5/32 counter dnat ip prefix to ip daddr map { 242.0.0.5/32 : 10.250.0.5/32 } comment "overlap nodes 10.250.0.5/32 242.0.0.5/32 reverse"',
        'iifname "tun0" ip daddr 242.0.0.0/24 counter dnat ip prefix to ip daddr map { 242.0.0.0/24 : 10.250.0.0/24 } comment "overlap nodes 10.250.0.0/24 242.0.0.0/24 reverse"',
      ],
      foreign: [
        'iifname "tun0" ip daddr 242.0.0.0/24 dnat ip prefix to ip daddr map { 242.0.0.0/24 : 10.250.0.0/24 } comment "overlap nodes 10.250.0.0/24 242.0.0.0/24 reverse"',
        'ip saddr 10.9.9.9/32 counter accept',
        '{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":22}} counter accept comment "overlap accept-tunnel"',
        'oifname "eth0" ip saddr 241.1.0.0/16 counter masquerade comment "overlap masquerade"',
      ],
      jumpsMissing: [],
      jumpsDuplicated: [],
      jumpsNotFirst: [],
      jumpsForeign: [],
      chainsStale: [],
      chainsForeign: ['nat-postrouting', 'helper'],
      inSync: false,
    });
    // The first of two identical rules is claimed; the surplus copy is the stale one.
    expect(diff.stale[2]!.packets).toBe(2n);
  });

  it('nftables: a foreign chain alone (an empty chain with a drop policy, say) is out of sync', () => {
    const desired = desiredRules(params('seed', { mappings: [] }));
    const live = { ...EMPTY_LIVE_STATE('nftables'), foreignChains: ['filter-forward'] };
    expect(diffRules(desired, live)).toMatchObject({ chainsForeign: ['filter-forward'], inSync: false });
  });

  it('a rule live in another chain than desired is both stale and missing', () => {
    const desired = desiredRules(params('seed'));
    const [first, ...rest] = desired.rules;
    const moved: LiveState = {
      backend: 'nftables',
      chains: [
        { table: 'nat', hook: 'prerouting' },
        { table: 'nat', hook: 'output' },
        { table: 'nat', hook: 'postrouting' },
      ],
      jumps: [],
      rules: [
        { table: 'nat', hook: 'output', rule: { ...first!, hook: 'output' }, text: 'moved', packets: 0n, bytes: 0n },
        ...rest.map((rule) => ({ table: rule.table, hook: rule.hook, rule, text: rule.comment, packets: 0n, bytes: 0n })),
      ],
    };
    const diff = diffRules(desired, moved);
    expect(diff.missing).toEqual([first]);
    expect(diff.stale.map((r) => r.text)).toEqual(['moved']);
    expect(diff.inSync).toBe(false);
  });
});
