import { parseNetworks, planMappings } from '@overlap/cidr';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  type LiveState,
  type Role,
  EMPTY_LIVE_STATE,
  desiredRuleChains,
  desiredRules,
  diffRules,
  iptablesRuleArgs,
  parseIptablesSave,
  parseNftJson,
  renderApply,
  renderApplyLines,
  renderTeardown,
} from '../src/index.ts';
import { quoteArg } from '../src/iptables-args.ts';
import { params } from './fixtures.ts';

const golden = (name: string): string => readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');
const fileOf = (backend: Backend): string => (backend === 'iptables' ? 'iptables-restore' : 'nft');

describe('renderApply from nothing', () => {
  it.each([
    ['seed', 'iptables'],
    ['seed', 'nftables'],
    ['shoot', 'iptables'],
    ['shoot', 'nftables'],
  ] as const)('%s %s matches golden/<role>.<backend>', (role, backend) => {
    const text = renderApply(backend, desiredRules(params(role)), EMPTY_LIVE_STATE(backend));
    expect(text).toBe(golden(`${role}.${fileOf(backend)}`));
  });

  it.each(['iptables', 'nftables'] as const)('%s: nothing desired, nothing live: nothing to run', (backend) => {
    expect(renderApply(backend, desiredRules(params('seed', { mappings: [] })), EMPTY_LIVE_STATE(backend))).toBe('');
  });
});

describe('renderApply over drift', () => {
  it('iptables: rewrites the needed chains keeping kept counters, fixes the jumps, removes the unneeded chain', () => {
    const live = parseIptablesSave(golden('drifted.iptables-save'));
    expect(renderApply('iptables', desiredRules(params('seed')), live)).toBe(golden('drifted.seed-apply.iptables-restore'));
  });

  it('nftables: replaces the table, keeping the counters of the rules that stay', () => {
    const live = parseNftJson(golden('drifted.nft.json'));
    expect(renderApply('nftables', desiredRules(params('shoot')), live)).toBe(golden('drifted.shoot-apply.nft'));
  });

  it('nftables: a table the read saw, even empty, is replaced; where it saw none, the new one is created', () => {
    const desired = desiredRules(params('shoot'));
    const empty = '{"nftables": [{"table": {"family": "ip", "name": "overlap", "handle": 3}}]}';
    const firstLines = (live: Parameters<typeof renderApply>[2]) => renderApply('nftables', desired, live).split('\n').slice(0, 3);
    expect(firstLines(parseNftJson(empty))).toEqual(['table ip overlap {}', 'delete table ip overlap', 'table ip overlap {']);
    expect(firstLines(parseNftJson('{"nftables": []}'))).toEqual(['create table ip overlap', 'table ip overlap {', '\tmap nat-prerouting-map {']);
    // A state made by hand with chains in it says the table is there without tablePresent.
    const { tablePresent: _, ...madeByHand } = parseNftJson(golden('drifted.nft.json'));
    expect(firstLines(madeByHand)[1]).toBe('delete table ip overlap');
    expect(renderTeardown('nftables', parseNftJson(empty))).toBe('table ip overlap {}\ndelete table ip overlap\n');
  });

  it.each(['iptables', 'nftables'] as const)('%s: nothing desired means the teardown', (backend) => {
    const live = backend === 'iptables' ? parseIptablesSave(golden('drifted.iptables-save')) : parseNftJson(golden('drifted.nft.json'));
    const apply = renderApply(backend, desiredRules(params('shoot', { mappings: [] })), live);
    expect(apply).not.toBe('');
    expect(apply).toBe(renderTeardown(backend, live));
  });
});

describe('renderTeardown', () => {
  it('iptables: every reference, then every rule, then every owned chain', () => {
    expect(renderTeardown('iptables', parseIptablesSave(golden('drifted.iptables-save')))).toBe(golden('drifted.teardown.iptables-restore'));
  });

  it('nftables: the whole table, safely even if it is gone meanwhile', () => {
    expect(renderTeardown('nftables', parseNftJson(golden('drifted.nft.json')))).toBe('table ip overlap {}\ndelete table ip overlap\n');
  });

  it.each(['iptables', 'nftables'] as const)('%s: nothing there, nothing to run', (backend) => {
    expect(renderTeardown(backend, EMPTY_LIVE_STATE(backend))).toBe('');
  });
});

describe('iptablesRuleArgs', () => {
  it('gives argv for one iptables process: the comment is one argument, unquoted', () => {
    const rule = desiredRules(params('seed')).rules[1]!;
    expect(iptablesRuleArgs(rule)).toEqual({
      table: 'nat',
      chain: 'OVERLAP-OUTPUT',
      args: [
        '-d',
        '10.1.0.0/16',
        '-m',
        'owner',
        '--gid-owner',
        '31415',
        '-m',
        'comment',
        '--comment',
        'overlap pods 10.1.0.0/16 244.0.0.0/16 forward',
        '-j',
        'NETMAP',
        '--to',
        '244.0.0.0/16',
      ],
    });
  });
});

/** What iptables-save prints after the restore of `apply` into empty tables: the `-I … 1` jumps become `-A`. */
const savedAfter = (apply: string): string =>
  apply
    .split('\n')
    .map((line) => line.replace(/^-I (\S+) 1 /, '-A $1 ').replace(/^-A /, '[0:0] -A '))
    .join('\n');

const networks = fc
  .record({
    pods: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }),
    podPrefix: fc.integer({ min: 16, max: 24 }),
    services: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 4 }),
    nodes: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 4 }),
    nodePrefix: fc.integer({ min: 24, max: 32 }),
    seed: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  })
  .map((n) =>
    planMappings(
      parseNetworks({
        pods: n.pods.map((i) => `10.${i}.0.0/${n.podPrefix}`).join(','),
        services: n.services.map((i) => `172.20.${i}.0/24`).join(','),
        nodes: n.nodes.map((i) => `192.168.${i}.0/${n.nodePrefix}`).join(','),
        seedPods: n.seed === undefined ? '' : `10.${n.seed}.0.0/16`,
      }),
    ),
  );

const natParams = fc.record({
  role: fc.constantFrom<Role>('seed', 'shoot'),
  mappings: networks,
  tunnelDevice: fc.constantFrom('bond0', 'tun0', 'vpn-seed.1', 'bond0+', 'x+'),
  egressDevice: fc.constantFrom('eth0', 'ens5'),
  envoyGid: fc.integer({ min: 0, max: 0xfffffffe }),
});

describe('properties', () => {
  it('quoteArg quotes exactly what has white space, a quote or a backslash, or is empty', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', ' ', '\u00a0', '\u2028', '\ufeff', 'a\tb', '\x01')), (arg) => {
        const expected = /^[^\s"'\\]+$/.test(arg) ? arg : `"${arg.replace(/["\\]/g, '\\$&')}"`;
        expect(quoteArg(arg)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('iptables: what apply writes parses back into the same rules, in sync', () => {
    fc.assert(
      fc.property(natParams, (p) => {
        const desired = desiredRules(p);
        const live = parseIptablesSave(savedAfter(renderApply('iptables', desired, EMPTY_LIVE_STATE('iptables'))));
        expect(live.rules.map((r) => r.rule)).toEqual(desired.rules);
        expect(diffRules(desired, live).inSync).toBe(true);
        expect(renderApply('iptables', desired, live)).not.toMatch(/^-[DIX] /m);
      }),
      { numRuns: 100 },
    );
  });

  it('renderApplyLines of the rule chains is renderApply of the rule set line by line, from nothing and over drift', () => {
    const drifted: Record<Backend, LiveState> = {
      iptables: parseIptablesSave(golden('drifted.iptables-save')),
      nftables: parseNftJson(golden('drifted.nft.json')),
    };
    fc.assert(
      fc.property(natParams, fc.constantFrom<Backend>('iptables', 'nftables'), fc.boolean(), (p, backend, overDrift) => {
        const desired = desiredRules(p);
        const live = overDrift ? drifted[backend] : EMPTY_LIVE_STATE(backend);
        const lines = [...renderApplyLines(backend, desiredRuleChains(p), live)];
        expect(lines.filter((line) => line.includes('\n'))).toEqual([]);
        expect(lines.map((line) => `${line}\n`).join('')).toBe(renderApply(backend, desired, live));
      }),
      { numRuns: 200 },
    );
  });

  it('the rule set is a function of the mappings: no duplicates, comments unique', () => {
    fc.assert(
      fc.property(natParams, (p) => {
        const { rules } = desiredRules(p);
        expect(new Set(rules.map((r) => r.comment)).size).toBe(rules.length);
        expect(desiredRules({ ...p, mappings: [...p.mappings] })).toEqual(desiredRules(p));
      }),
      { numRuns: 100 },
    );
  });
});
