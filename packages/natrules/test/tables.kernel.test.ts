import { parseCidr } from '@overlap/cidr';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Backend,
  type LiveState,
  type Role,
  type Rule,
  EMPTY_LIVE_STATE,
  desiredIPv6Rules,
  desiredRules,
  diffRules,
  nftRuleText,
  ruleKey,
  parseIptablesSave,
  renderApply,
  renderTeardown,
} from '../src/index.ts';
import { ruleLine } from '../src/iptables-args.ts';
import { chainIndex } from '../src/model.ts';
import { manyMappings, params } from './fixtures.ts';
import { NEEDS_ROOT, isRoot } from '@overlap/test-support';
import { Netns } from './netns.ts';

const golden = (name: string): string => readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');

/** What a kube-proxy'd network namespace already has: chains, jumps and rules in every table we touch. */
const BASELINE_IPTABLES = `*nat
:KUBE-SERVICES - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A PREROUTING -d 10.9.9.9/32 -j ACCEPT
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -o eth0 -j MASQUERADE
-A KUBE-SERVICES -d 10.2.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j ACCEPT
COMMIT
*filter
:FORWARD DROP [0:0]
:KUBE-FORWARD - [0:0]
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
COMMIT
*mangle
-A FORWARD -p udp -j ACCEPT
-A POSTROUTING -p udp -j ACCEPT
COMMIT
`;

const BASELINE_IP6TABLES = `*mangle
-A POSTROUTING -p udp -j ACCEPT
COMMIT
`;

const BASELINE_NFT = `table ip kube-proxy {
  chain nat-prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr 10.2.0.1 tcp dport 443 counter dnat to 10.250.0.5:6443 comment "overlap masquerade"
  }
}
`;

const ROLES: readonly Role[] = ['seed', 'shoot'];
const BACKENDS: readonly Backend[] = ['iptables', 'nftables'];
const cases = ROLES.flatMap((role) => BACKENDS.map((backend) => [role, backend] as const));

/** The text a rule must show live for the diff to compare cleanly with what was rendered. */
const renderedText = (backend: Backend, rule: Rule): string => (backend === 'nftables' ? nftRuleText(rule) : ruleLine(rule));

/**
 * The order rules read back in: nft lists a map's elements in key order, so there the rules of one chain are
 * compared as a set (lookups in a map of disjoint keys do not depend on the order).
 */
const readOrder = (backend: Backend, rules: readonly Rule[]): readonly Rule[] =>
  backend === 'iptables' ? rules : rules.toSorted((a, b) => chainIndex(a) - chainIndex(b) || ruleKey(a).localeCompare(ruleKey(b)));

const withCounters = (live: LiveState, packets: bigint, bytes: bigint): LiveState => ({
  ...live,
  rules: live.rules.map((r) => ({ ...r, packets, bytes })),
});

describe.skipIf(!isRoot)(`real kernel (${NEEDS_ROOT})`, () => {
  let ns: Netns;
  beforeEach(() => {
    ns = new Netns();
    ns.apply('iptables', BASELINE_IPTABLES);
    ns.apply('iptables', BASELINE_IP6TABLES, 'IPv6');
    ns.apply('nftables', BASELINE_NFT);
  });
  afterEach(() => ns.delete());

  it.each(cases)('%s %s: applied rules read back as the same model, in sync, and teardown restores the baseline', (role, backend) => {
    const before = ns.snapshot();
    const desired = desiredRules(params(role));
    ns.apply(backend, renderApply(backend, desired, EMPTY_LIVE_STATE(backend)));

    const live = ns.read(backend);
    expect(
      readOrder(
        backend,
        live.rules.map((r) => r.rule!),
      ),
    ).toEqual(readOrder(backend, desired.rules));
    expect(
      readOrder(
        backend,
        live.rules.map((r) => r.rule!),
      ).map((r) => renderedText(backend, r)),
    ).toEqual(readOrder(backend, desired.rules).map((r) => renderedText(backend, r)));
    expect(live.rules.map((r) => r.text).toSorted()).toEqual(desired.rules.map((r) => renderedText(backend, r)).toSorted());
    expect(diffRules(desired, live)).toMatchObject({ inSync: true });

    ns.apply(backend, renderTeardown(backend, live));
    expect(ns.snapshot()).toEqual(before);
    expect(renderTeardown(backend, ns.read(backend))).toBe('');
  });

  it.each(cases)('%s %s: a prefix pattern (bond0+) reads back as the same model and in sync', (role, backend) => {
    const desired = desiredRules(params(role, { tunnelDevice: 'bond0+' }));
    ns.apply(backend, renderApply(backend, desired, EMPTY_LIVE_STATE(backend)));
    const live = ns.read(backend);
    expect(
      readOrder(
        backend,
        live.rules.map((r) => r.rule!),
      ),
    ).toEqual(readOrder(backend, desired.rules));
    expect(live.rules.some((r) => r.text.includes(backend === 'nftables' ? '"bond0*"' : ' bond0+ '))).toBe(true);
    expect(diffRules(desired, live)).toMatchObject({ inSync: true });
    // The point-to-point set for the same mappings differs only in the device, and replaces it whole.
    const named = desiredRules(params(role, { tunnelDevice: 'bond0' }));
    expect(diffRules(named, live).inSync).toBe(false);
    ns.apply(backend, renderApply(backend, named, live));
    expect(diffRules(named, ns.read(backend)).inSync).toBe(true);
  });

  it.each(BACKENDS)('%s: re-applying keeps the counters of the rules that stay', (backend) => {
    const desired = desiredRules(params('shoot'));
    ns.apply(backend, renderApply(backend, desired, EMPTY_LIVE_STATE(backend)));
    // Counters as if traffic had flowed; apply hands them to the kernel, which must keep them.
    ns.apply(backend, renderApply(backend, desired, withCounters(ns.read(backend), 7n, 700n)));
    const kept = ns.read(backend);
    expect(kept.rules.map((r) => [r.packets, r.bytes])).toEqual(desired.rules.map(() => [7n, 700n]));
    expect(diffRules(desired, kept).inSync).toBe(true);

    const changed = desiredRules(params('shoot', { mappings: params('shoot').mappings.slice(1) }));
    ns.apply(backend, renderApply(backend, changed, kept));
    const after = ns.read(backend);
    expect(diffRules(changed, after).inSync).toBe(true);
    expect(after.rules.every((r) => r.packets === 7n && r.bytes === 700n)).toBe(true);
  });

  it.each(BACKENDS)('%s: repairs drift (flushed chain, foreign rule, changed mappings) and tears down cleanly', (backend) => {
    const before = ns.snapshot();
    const desired = desiredRules(params('shoot'));
    ns.apply(backend, renderApply(backend, desired, EMPTY_LIVE_STATE(backend)));
    if (backend === 'iptables') {
      ns.run(['iptables', '-t', 'nat', '-F', 'OVERLAP-POSTROUTING']);
      ns.run(['iptables', '-t', 'nat', '-A', 'OVERLAP-PREROUTING', '-d', '10.9.9.9', '-j', 'ACCEPT']);
      ns.run(['iptables', '-t', 'nat', '-A', 'PREROUTING', '-j', 'OVERLAP-PREROUTING']);
      ns.run(['iptables', '-t', 'mangle', '-D', 'POSTROUTING', '-j', 'OVERLAP-POSTROUTING']);
    } else {
      ns.run(['nft', 'flush', 'chain', 'ip', 'overlap', 'nat-postrouting']);
      ns.run(['nft', 'add', 'rule', 'ip', 'overlap', 'nat-prerouting', 'ip', 'daddr', '10.9.9.9', 'accept']);
      ns.run(['nft', 'add chain ip overlap blackhole { type filter hook forward priority 0; policy drop; }']);
    }
    const drifted = ns.read(backend);
    const diff = diffRules(desired, drifted);
    expect(diff.inSync).toBe(false);
    expect(diff.missing.map((r) => r.hook)).toEqual(['postrouting', 'postrouting', 'postrouting', 'postrouting']);
    expect(diff.foreign).toHaveLength(1);
    expect(diff.chainsForeign).toEqual(backend === 'nftables' ? ['blackhole'] : []);
    if (backend === 'iptables') {
      expect(diff.jumpsDuplicated).toEqual([{ table: 'nat', hook: 'prerouting' }]);
      expect(diff.jumpsMissing).toEqual([{ table: 'mangle', hook: 'postrouting' }]);
    }

    ns.apply(backend, renderApply(backend, desired, drifted));
    expect(diffRules(desired, ns.read(backend)).inSync).toBe(true);

    const seedSide = desiredRules(params('seed', { tunnelDevice: 'tun0' }));
    ns.apply(backend, renderApply(backend, seedSide, ns.read(backend)));
    expect(diffRules(seedSide, ns.read(backend)).inSync).toBe(true);

    ns.apply(backend, renderApply(backend, desiredRules(params('seed', { mappings: [] })), ns.read(backend)));
    expect(ns.snapshot()).toEqual(before);
  });

  it('iptables: a drifted capture (duplicate and conditional jumps, edited and foreign rules) is repaired in one run', () => {
    const desired = desiredRules(params('seed'));
    const capture = golden('drifted.iptables-save');
    // Without --noflush the restore replaces the nat and filter tables by the capture, counters included.
    ns.run(['iptables-restore', '--counters'], capture);
    const live = ns.read('iptables');
    expect(live).toEqual(parseIptablesSave(capture));

    ns.apply('iptables', renderApply('iptables', desired, live));
    const repaired = ns.read('iptables');
    expect(diffRules(desired, repaired).inSync).toBe(true);
    expect(repaired.rules.filter((r) => r.packets > 0n).map((r) => [r.rule?.comment, r.packets, r.bytes])).toEqual([
      ['overlap seedPods 10.1.0.0/16 241.1.0.0/16 reverse', 3n, 180n],
      ['overlap pods 10.1.0.0/16 244.0.0.0/16 forward', 12n, 720n],
    ]);
    expect(ns.run(['iptables-save', '-t', 'nat'])).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');

    ns.apply('iptables', renderTeardown('iptables', repaired));
    expect(ns.run(['iptables-save'])).not.toContain('OVERLAP');
  });

  it.each(BACKENDS)('%s: a /32 mapping and 300 mappings round-trip too', (backend) => {
    for (const mappings of [
      manyMappings(300),
      [{ kind: 'nodes' as const, original: parseCidr('10.250.0.5/32', 'x'), mapped: parseCidr('242.0.0.5/32', 'x') }],
    ]) {
      const desired = desiredRules(params('shoot', { mappings }));
      ns.apply(backend, renderApply(backend, desired, ns.read(backend)));
      const live = ns.read(backend);
      expect(
        readOrder(
          backend,
          live.rules.map((r) => r.rule!),
        ),
      ).toEqual(readOrder(backend, desired.rules));
      expect(diffRules(desired, live).inSync).toBe(true);
    }
  });

  it.each(BACKENDS)('%s: the MSS clamp of a dual-stack shoot goes into both families, reads back in sync, and tears down', (backend) => {
    const before = ns.snapshot();
    const dualStack = params('shoot', { families: ['IPv4', 'IPv6'] });
    const planes = [desiredRules(dualStack), desiredIPv6Rules(dualStack)];
    for (const desired of planes) {
      const family = desired.family ?? 'IPv4';
      ns.apply(backend, renderApply(backend, desired, EMPTY_LIVE_STATE(backend, family)), family);
      const live = ns.read(backend, family);
      expect(live.rules.filter((r) => r.rule?.action.type === 'clamp-mss').map((r) => r.text)).toEqual([
        renderedText(backend, desired.rules.find((r) => r.action.type === 'clamp-mss')!),
      ]);
      expect(diffRules(desired, live).inSync).toBe(true);
    }
    // Shown the way an operator would look for it: no interface match, SYN only, in mangle POSTROUTING.
    if (backend === 'iptables') {
      for (const save of ['iptables-save', 'ip6tables-save']) {
        expect(ns.run([save, '-t', 'mangle'])).toContain(
          '-A OVERLAP-POSTROUTING -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment "overlap clamp-mss" -j TCPMSS --clamp-mss-to-pmtu',
        );
      }
    } else {
      expect(ns.run(['nft', 'list', 'table', 'ip6', 'overlap'])).toMatch(
        /hook postrouting priority mangle;[\s\S]*tcp flags syn \/ syn,rst counter .* tcp option maxseg size set rt mtu/,
      );
    }
    for (const desired of planes) {
      const family = desired.family ?? 'IPv4';
      ns.apply(backend, renderTeardown(backend, ns.read(backend, family)), family);
    }
    expect(ns.snapshot()).toEqual(before);
  });

  it.each(BACKENDS)('%s: the IPv4 and IPv6 tables are read apart, so neither mistakes the other for its own', (backend) => {
    const dualStack = params('shoot', { families: ['IPv4', 'IPv6'] });
    ns.apply(backend, renderApply(backend, desiredIPv6Rules(dualStack), EMPTY_LIVE_STATE(backend, 'IPv6')), 'IPv6');
    expect(ns.read(backend, 'IPv4').rules).toEqual([]);
    expect(diffRules(desiredIPv6Rules(params('shoot')), ns.read(backend, 'IPv6'))).toMatchObject({ inSync: false, stale: [expect.anything()] });
  });

  it('iptables: the mangle FORWARD clamp of earlier versions is recognised as ours and removed', () => {
    ns.apply(
      'iptables',
      [
        '*mangle',
        ':OVERLAP-FORWARD - [0:0]',
        '-I FORWARD 1 -j OVERLAP-FORWARD',
        '-A OVERLAP-FORWARD -o tun0 -p tcp -m tcp --tcp-flags SYN,RST SYN -m comment --comment "overlap clamp-mss" -j TCPMSS --clamp-mss-to-pmtu',
        'COMMIT',
        '',
      ].join('\n'),
    );
    const desired = desiredRules(params('shoot'));
    const old = ns.read('iptables');
    expect(diffRules(desired, old)).toMatchObject({ chainsStale: [{ table: 'mangle', hook: 'forward' }], inSync: false });
    ns.apply('iptables', renderApply('iptables', desired, old));
    expect(diffRules(desired, ns.read('iptables')).inSync).toBe(true);
    expect(ns.run(['iptables-save', '-t', 'mangle'])).not.toContain('OVERLAP-FORWARD');
  });
});
