import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LiveRule, parseComment, parseIptablesSave, parseNftJson } from '../src/index.ts';
import { tokenize } from '../src/iptables-parse.ts';

const golden = (name: string): string => readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');

/** A live rule as one line: where, whether ours (and which), counters, text. */
const show = (r: LiveRule): string => `${r.table}/${r.hook} ${r.rule ? `ours "${r.rule.comment}"` : 'foreign'} [${r.packets}:${r.bytes}] ${r.text}`;

describe('tokenize', () => {
  it.each([
    ['-A X -j ACCEPT', ['-A', 'X', '-j', 'ACCEPT']],
    ['  -d  1.2.3.4/32\t-j X ', ['-d', '1.2.3.4/32', '-j', 'X']],
    ['--comment "a b  c" -j X', ['--comment', 'a b  c', '-j', 'X']],
    [String.raw`--comment "someone\'s \"debug\" rule"`, ['--comment', `someone's "debug" rule`]],
    ['--comment "" -j X', ['--comment', '', '-j', 'X']],
    [String.raw`a\ b`, ['a b']],
  ])('%s', (text, tokens) => {
    expect(tokenize(text)).toEqual(tokens);
  });

  /** iptables-restore's rule, one character at a time: the specification the tokenizer's slices must keep. */
  function byCharacter(text: string): string[] {
    const tokens: string[] = [];
    let current: string | undefined;
    let quoted = false;
    for (let i = 0; i < text.length; i += 1) {
      const c = text[i]!;
      if (c === '\\' && i + 1 < text.length) {
        current = (current ?? '') + text[i + 1];
        i += 1;
      } else if (c === '"') {
        quoted = !quoted;
        current ??= '';
      } else if (!quoted && /\s/.test(c)) {
        if (current !== undefined) tokens.push(current);
        current = undefined;
      } else current = (current ?? '') + c;
    }
    if (current !== undefined) tokens.push(current);
    return tokens;
  }

  it('splits any text as iptables-restore does, character by character', () => {
    const characters = fc.constantFrom('a', '-', ' ', '\t', '"', '\\', '\u00a0', 'é', '\n');
    fc.assert(
      fc.property(fc.array(characters, { maxLength: 40 }), (chars) => {
        const text = chars.join('');
        expect(tokenize(text)).toEqual(byCharacter(text));
      }),
    );
  });
});

describe('parseComment', () => {
  it.each([
    'overlap masquerade',
    'overlap accept-tunnel',
    'overlap clamp-mss',
    'overlap pods 10.1.0.0/16 244.0.0.0/16 forward',
    'overlap seedPods 10.1.0.0/16 241.1.0.0/16 reverse',
  ])('reads %s', (comment) => {
    expect(parseComment(comment)).toBeDefined();
  });

  it.each([
    '',
    'overlap',
    'overlap debug',
    'Overlap masquerade',
    'overlap  masquerade',
    'overlap masquerade ',
    'overlap pod 10.1.0.0/16 244.0.0.0/16 forward',
    'overlap pods 10.1.0.0/16 244.0.0.0/16 both',
    'overlap pods 10.1.0.1/16 244.0.0.0/16 forward',
    'overlap pods 10.01.0.0/16 244.0.0.0/16 forward',
    'overlap pods 10.1.0.0/16 244.0.0.0/16',
    'overlap pods 10.1.0.0/16 244.0.0.0/16 forward extra',
    'kubernetes service portals',
  ])('refuses %j', (comment) => {
    expect(parseComment(comment)).toBeUndefined();
  });
});

describe('parseIptablesSave', () => {
  it('reads owned chains, every reference into them and their rules, ours or not', () => {
    const live = parseIptablesSave(golden('drifted.iptables-save'));
    expect(live.backend).toBe('iptables');
    expect(live.chains).toEqual([
      { table: 'nat', hook: 'prerouting' },
      { table: 'nat', hook: 'output' },
      { table: 'nat', hook: 'postrouting' },
      { table: 'filter', hook: 'forward' },
    ]);
    expect(live.jumps).toEqual([
      // Behind kube-proxy's KUBE-SERVICES jump: not first any more.
      { table: 'nat', hook: 'prerouting', text: '-A PREROUTING -j OVERLAP-PREROUTING', rulesBefore: 1 },
      { table: 'nat', hook: 'output', text: '-A OUTPUT -j OVERLAP-OUTPUT' },
      { table: 'nat', hook: 'output', text: '-A OUTPUT -j OVERLAP-OUTPUT', rulesBefore: 1 },
      { table: 'nat', hook: 'postrouting', text: '-A POSTROUTING -o eth0 -j OVERLAP-POSTROUTING' },
    ]);
    // In CHAINS order, not in iptables-save's (tables mangle, filter, nat; chains by name).
    expect(live.rules.map(show)).toEqual([
      'nat/prerouting ours "overlap seedPods 10.1.0.0/16 241.1.0.0/16 reverse" [3:180] -A OVERLAP-PREROUTING -d 241.1.0.0/16 -i bond0 -m comment --comment "overlap seedPods 10.1.0.0/16 241.1.0.0/16 reverse" -j NETMAP --to 10.1.0.0/16',
      'nat/output ours "overlap pods 10.1.0.0/16 244.0.0.0/16 forward" [12:720] -A OVERLAP-OUTPUT -d 10.1.0.0/16 -m owner --gid-owner 31415 -m comment --comment "overlap pods 10.1.0.0/16 244.0.0.0/16 forward" -j NETMAP --to 244.0.0.0/16',
      'nat/output ours "overlap services 10.2.0.0/20 243.0.0.0/20 forward" [0:0] -A OVERLAP-OUTPUT -d 10.2.0.0/20 -m owner --gid-owner 31415 -m comment --comment "overlap services 10.2.0.0/20 243.0.0.0/20 forward" -j NETMAP --to 243.0.0.0/21',
      'nat/output foreign [0:0] -A OVERLAP-OUTPUT -d 10.250.0.0/24 -m owner ! --gid-owner 31415 -m comment --comment "overlap nodes 10.250.0.0/24 242.0.0.0/24 forward" -j NETMAP --to 242.0.0.0/24',
      'nat/output ours "overlap pods 10.9.0.0/16 244.9.0.0/16 forward" [0:0] -A OVERLAP-OUTPUT -d 10.9.0.0/16 -m owner --gid-owner 31415 -m comment --comment "overlap pods 10.9.0.0/16 244.9.0.0/16 forward" -j NETMAP --to 244.9.0.0/16',
      String.raw`nat/output foreign [0:0] -A OVERLAP-OUTPUT -d 10.9.9.9/32 -m comment --comment "someone\'s \"debug\" rule" -j ACCEPT`,
      'nat/output foreign [0:0] -A OVERLAP-OUTPUT -d 10.9.9.8/32 -j ACCEPT',
    ]);
  });

  it('reads a rule back into the full model, mapping included', () => {
    const live = parseIptablesSave(golden('drifted.iptables-save'));
    const rule = live.rules[1]!.rule!;
    expect(rule.table).toBe('nat');
    expect(rule.hook).toBe('output');
    expect(rule.match.destination?.text).toBe('10.1.0.0/16');
    expect(rule.match.gid).toBe(31415);
    expect(Object.keys(rule.match).sort()).toEqual(['destination', 'gid']);
    expect(rule.action).toMatchObject({ type: 'netmap', to: { text: '244.0.0.0/16' } });
    expect(rule.mapping).toMatchObject({ kind: 'pods', original: { text: '10.1.0.0/16' }, mapped: { text: '244.0.0.0/16' }, direction: 'forward' });
  });

  it('accepts output without counters and ignores chains of the same name in other tables', () => {
    const text = [
      '*raw',
      ':OVERLAP-OUTPUT - [0:0]',
      '-A OVERLAP-OUTPUT -j ACCEPT',
      'COMMIT',
      '*nat',
      ':OVERLAP-FORWARD - [0:0]',
      ':OVERLAP-OUTPUT - [0:0]',
      '-A OUTPUT -j OVERLAP-OUTPUT',
      '-A OVERLAP-OUTPUT -d 10.1.0.0/16 -m comment --comment "overlap pods 10.1.0.0/16 244.0.0.0/16 forward" -j NETMAP --to 244.0.0.0/16',
      'COMMIT',
    ].join('\n');
    const live = parseIptablesSave(text);
    expect(live.chains).toEqual([{ table: 'nat', hook: 'output' }]);
    expect(live.jumps).toEqual([{ table: 'nat', hook: 'output', text: '-A OUTPUT -j OVERLAP-OUTPUT' }]);
    expect(live.rules.map(show)).toEqual([
      'nat/output ours "overlap pods 10.1.0.0/16 244.0.0.0/16 forward" [0:0] -A OVERLAP-OUTPUT -d 10.1.0.0/16 -m comment --comment "overlap pods 10.1.0.0/16 244.0.0.0/16 forward" -j NETMAP --to 244.0.0.0/16',
    ]);
  });

  it.each([
    [
      'an unknown match',
      '-A OVERLAP-OUTPUT -d 10.1.0.0/16 -p udp -m comment --comment "overlap pods 10.1.0.0/16 244.0.0.0/16 forward" -j NETMAP --to 244.0.0.0/16',
    ],
    ['another order', '-A OVERLAP-OUTPUT -m comment --comment "overlap pods 10.1.0.0/16 244.0.0.0/16 forward" -d 10.1.0.0/16 -j NETMAP --to 244.0.0.0/16'],
    ['a bad address', '-A OVERLAP-OUTPUT -d 10.1.0.0/33 -m comment --comment "overlap pods 10.1.0.0/16 244.0.0.0/16 forward" -j NETMAP --to 244.0.0.0/16'],
    ['a NETMAP without --to', '-A OVERLAP-OUTPUT -d 10.1.0.0/16 -m comment --comment "overlap pods 10.1.0.0/16 244.0.0.0/16 forward" -j NETMAP'],
    ['an unknown target', '-A OVERLAP-OUTPUT -d 10.1.0.0/16 -m comment --comment "overlap masquerade" -j SNAT --to-source 1.2.3.4'],
    [
      'a non-numeric gid',
      '-A OVERLAP-OUTPUT -d 10.1.0.0/16 -m owner --gid-owner envoy -m comment --comment "overlap pods 10.1.0.0/16 244.0.0.0/16 forward" -j NETMAP --to 244.0.0.0/16',
    ],
    ['no comment', '-A OVERLAP-OUTPUT -d 10.1.0.0/16 -j NETMAP --to 244.0.0.0/16'],
  ])('a rule with %s is foreign', (_, line) => {
    const live = parseIptablesSave(`*nat\n:OVERLAP-OUTPUT - [0:0]\n${line}\nCOMMIT\n`);
    expect(live.rules).toHaveLength(1);
    expect(live.rules[0]!.rule).toBeUndefined();
    expect(live.rules[0]!.text).toBe(line);
  });

  it('reads nothing from an empty save', () => {
    expect(parseIptablesSave('')).toEqual({ backend: 'iptables', chains: [], jumps: [], rules: [] });
  });
});

describe('parseNftJson', () => {
  it('reads the owned base chains and places every rule of the table, ignoring other tables', () => {
    const live = parseNftJson(golden('drifted.nft.json'));
    expect(live.backend).toBe('nftables');
    expect(live.chains).toEqual([
      { table: 'nat', hook: 'prerouting' },
      { table: 'filter', hook: 'forward' },
    ]);
    expect(live.jumps).toEqual([]);
    // nat-postrouting has another priority than ours, helper is not ours at all.
    expect(live.foreignChains).toEqual(['nat-postrouting', 'helper']);
    // The map rule stands for one rule per element (in the kernel's key order); an element without our comment,
    // a per-rule anonymous map of the previous version and a lookup into a map not declared as ours are foreign.
    expect(live.rules.map(show)).toEqual([
      'nat/prerouting ours "overlap nodes 10.250.0.0/24 242.0.0.0/24 reverse" [1:60] iifname "tun0" dnat ip prefix to ip daddr map @nat-prerouting-map { 242.0.0.0/24 : 10.250.0.0/24 } comment "overlap nodes 10.250.0.0/24 242.0.0.0/24 reverse"',
      'nat/prerouting foreign [0:0] iifname "tun0" dnat ip prefix to ip daddr map @nat-prerouting-map { 242.1.0.0/24 : 10.9.0.0/24 }',
      'nat/prerouting ours "overlap nodes 10.250.0.5/32 242.3.0.5/32 reverse" [0:0] iifname "tun0" dnat ip prefix to ip daddr map @nat-prerouting-map { 242.3.0.5/32 : 10.250.0.5/32 } comment "overlap nodes 10.250.0.5/32 242.3.0.5/32 reverse"',
      'nat/prerouting ours "overlap services 10.2.0.0/20 243.0.0.0/20 reverse" [0:0] iifname "tun0" dnat ip prefix to ip daddr map @nat-prerouting-map { 243.0.0.0/20 : 10.3.0.0/20 } comment "overlap services 10.2.0.0/20 243.0.0.0/20 reverse"',
      'nat/prerouting ours "overlap pods 10.1.0.0/16 244.0.0.0/16 reverse" [9:540] iifname "tun0" dnat ip prefix to ip daddr map @nat-prerouting-map { 244.0.0.0/16 : 10.1.0.0/16 } comment "overlap pods 10.1.0.0/16 244.0.0.0/16 reverse"',
      'nat/prerouting foreign [0:0] iifname "tun0" ip daddr 242.0.0.0/24 counter {"dnat":{"family":"ip","addr":{"map":{"key":{"payload":{"protocol":"ip","field":"daddr"}},"data":{"set":[[{"prefix":{"addr":"242.0.0.0","len":24}},{"prefix":{"addr":"10.250.0.0","len":24}}]]}}},"flags":"netmap","type_flags":"prefix"}} comment "overlap nodes 10.250.0.0/24 242.0.0.0/24 reverse"',
      'nat/prerouting foreign [0:0] iifname "tun0" dnat ip prefix to ip daddr map @nat-output-map',
      'nat/prerouting foreign [0:0] ip saddr 10.9.9.9/32 counter accept',
      'nat/prerouting foreign [0:0] {"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":22}} counter accept comment "overlap accept-tunnel"',
      'nat/postrouting foreign [0:0] oifname "eth0" ip saddr 241.1.0.0/16 counter masquerade comment "overlap masquerade"',
    ]);
  });

  it('a chain of ours with a drop policy is not ours', () => {
    const json = golden('drifted.nft.json').replace(
      '"name": "filter-forward", "handle": 3, "type": "filter", "hook": "forward", "prio": 0, "policy": "accept"',
      '"name": "filter-forward", "handle": 3, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"',
    );
    expect(json).not.toBe(golden('drifted.nft.json'));
    const live = parseNftJson(json);
    expect(live.chains).toEqual([{ table: 'nat', hook: 'prerouting' }]);
    expect(live.foreignChains).toEqual(['nat-postrouting', 'filter-forward', 'helper']);
  });

  it('accepts `nft -j list table` output of an empty table and of no table', () => {
    const table = '{"nftables": [{"metainfo": {"json_schema_version": 1}}, {"table": {"family": "ip", "name": "overlap", "handle": 3}}]}';
    expect(parseNftJson(table)).toEqual({ backend: 'nftables', chains: [], jumps: [], rules: [], tablePresent: true });
    expect(parseNftJson(table, 'IPv6')).toEqual({ backend: 'nftables', family: 'IPv6', chains: [], jumps: [], rules: [] });
    expect(parseNftJson('{"nftables": []}')).toEqual({ backend: 'nftables', chains: [], jumps: [], rules: [] });
  });

  it.each([
    ['not JSON', 'Error: No such file', 'nft -j output is not JSON'],
    ['without the nftables array', '{"tables": []}', 'nft -j output has no "nftables" array'],
  ])('refuses output %s', (_, text, message) => {
    expect(() => parseNftJson(text)).toThrow(message);
  });
});
