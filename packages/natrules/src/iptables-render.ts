import { matchRules } from './diff.ts';
import { builtinChainName, ownedChainName, ruleLine } from './iptables-args.ts';
import {
  type ChainRef,
  type LiveRule,
  type LiveState,
  type Rule,
  type RuleSet,
  type Table,
  chainIndex,
  chainsOf,
  sameChain,
} from './model.ts';

const TABLE_ORDER: readonly Table[] = ['nat', 'filter', 'mangle'];

const jumpArgs = (chain: ChainRef): string => `${builtinChainName(chain.hook)} -j ${ownedChainName(chain.hook)}`;
const jumpCount = (live: LiveState, chain: ChainRef): number => live.jumps.filter((j) => sameChain(j, chain)).length;

const ownedChainsIn = (live: LiveState, table: Table): ChainRef[] =>
  live.chains.filter((c) => c.table === table).toSorted((a, b) => chainIndex(a) - chainIndex(b));

/** Unhooks and deletes an owned chain; every jump must go first, or the kernel refuses to delete it. */
function removeChainLines(live: LiveState, chain: ChainRef): string[] {
  const name = ownedChainName(chain.hook);
  return [...Array.from({ length: jumpCount(live, chain) }, () => `-D ${jumpArgs(chain)}`), `-F ${name}`, `-X ${name}`];
}

/**
 * Makes one table's owned chains equal the desired rules. Declaring a chain creates it or flushes it, so the
 * rules that follow are its whole content; counters of rules that stay are carried over (`[packets:bytes]`,
 * honoured by `iptables-restore --counters`, ignored without it). The jump goes first in the built-in chain so
 * that no earlier NAT rule of someone else takes the connection before ours.
 */
function tableBlock(table: Table, desired: RuleSet, live: LiveState, kept: ReadonlyMap<Rule, LiveRule | undefined>): string[] {
  const rules = desired.rules.filter((r) => r.table === table);
  const needed = chainsOf(rules);
  const present = ownedChainsIn(live, table);
  const unneeded = present.filter((c) => !needed.some((n) => sameChain(n, c)));
  if (needed.length === 0 && unneeded.length === 0) return [];
  const jumps = needed.flatMap((chain) => {
    const count = jumpCount(live, chain);
    if (count === 0) return [`-I ${builtinChainName(chain.hook)} 1 -j ${ownedChainName(chain.hook)}`];
    return Array.from({ length: count - 1 }, () => `-D ${jumpArgs(chain)}`);
  });
  const ruleLines = rules.map((rule) => {
    const previous = kept.get(rule);
    return previous ? `[${previous.packets}:${previous.bytes}] ${ruleLine(rule)}` : ruleLine(rule);
  });
  return [
    `*${table}`,
    ...needed.map((chain) => `:${ownedChainName(chain.hook)} - [0:0]`),
    ...jumps,
    ...ruleLines,
    ...unneeded.flatMap((chain) => removeChainLines(live, chain)),
    'COMMIT',
  ];
}

const joinLines = (lines: readonly string[]): string => (lines.length === 0 ? '' : `${lines.join('\n')}\n`);

/** Input for `iptables-restore --noflush --counters`: all tables in one run, which applies each table atomically. */
export function renderIptablesApply(desired: RuleSet, live: LiveState): string {
  const kept = new Map(matchRules(desired, live).pairs.map((p) => [p.desired, p.live]));
  return joinLines(TABLE_ORDER.flatMap((table) => tableBlock(table, desired, live, kept)));
}

export function renderIptablesTeardown(live: LiveState): string {
  return joinLines(
    TABLE_ORDER.flatMap((table) => {
      const present = ownedChainsIn(live, table);
      if (present.length === 0) return [];
      return [`*${table}`, ...present.flatMap((chain) => removeChainLines(live, chain)), 'COMMIT'];
    }),
  );
}
