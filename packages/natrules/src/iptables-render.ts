import { plainJumpCount, plainJumpFirst } from './diff.ts';
import { joinLines } from './lines.ts';
import { builtinChainName, isPlainJump, ownedChainName, plainJumpText, ruleLine } from './iptables-args.ts';
import {
  type ChainRef,
  type LiveJump,
  type LiveRule,
  type LiveState,
  type Rule,
  type RuleChains,
  type Table,
  TABLES,
  inChainOrder,
  sameChain,
} from './model.ts';

const ownedChainsIn = (live: LiveState, table: Table): ChainRef[] => inChainOrder(live.chains.filter((c) => c.table === table));

/** Deletes one saved rule by its own specification, which is how iptables-save prints it. */
const deleteLine = (jump: LiveJump): string => `-D ${(jump.text ?? plainJumpText(jump.hook)).slice('-A '.length)}`;

/**
 * Deletes owned chains: every reference into them first, then their rules, then the chains, so that neither a
 * jump from elsewhere nor a rule in one owned chain pointing at another keeps the kernel from deleting them.
 */
function removeChainsLines(live: LiveState, chains: readonly ChainRef[]): string[] {
  const jumps = live.jumps.filter((j) => chains.some((c) => sameChain(c, j)));
  const names = chains.map((c) => ownedChainName(c.hook));
  return [...jumps.map(deleteLine), ...names.map((n) => `-F ${n}`), ...names.map((n) => `-X ${n}`)];
}

/**
 * The jumps of a needed chain: exactly one plain jump, first in the built-in chain so that no earlier rule of
 * someone else (a NAT rule, an ACCEPT) takes the connection before ours; other references into it are removed.
 * Anything but one plain jump in first place is replaced: every plain jump deleted, one inserted at 1.
 */
function jumpLines(live: LiveState, chain: ChainRef): string[] {
  const jumps = live.jumps.filter((j) => sameChain(j, chain));
  const foreign = jumps.filter((j) => !isPlainJump(j)).map(deleteLine);
  const plain = plainJumpCount(live, chain);
  if (plain === 1 && plainJumpFirst(live, chain)) return foreign;
  return [...foreign, ...Array.from({ length: plain }, () => deleteLine(chain)), `-I ${builtinChainName(chain.hook)} 1 -j ${ownedChainName(chain.hook)}`];
}

/**
 * Input for `iptables-restore --noflush --counters` line by line, without the line ends, each made when it is asked
 * for: a caller that shows a large rule set in pieces never holds all its lines, nor (from desiredRuleChains) all its
 * rules, at once. Each table's block is applied atomically (one COMMIT each); the blocks are independent.
 * `kept`: desired rules with the live rule each already is (keptRules), by identity.
 *
 * Per table, the owned chains are made equal to the desired rules: declaring a chain creates or flushes it, so the
 * rules that follow are its whole content; counters of rules that stay are carried over (`[packets:bytes]`,
 * honoured by `iptables-restore --counters`, ignored without it). One generator, the rules yielded straight from
 * its loop: `overlap plan` asks for 30 000 lines, and every generator a line passes through costs.
 */
export function* iptablesApplyLines(desired: RuleChains, live: LiveState, kept: ReadonlyMap<Rule, LiveRule | undefined>): Generator<string> {
  for (const table of TABLES) {
    const chains = desired.chains.filter((c) => c.chain.table === table);
    const needed = chains.map((c) => c.chain);
    const unneeded = ownedChainsIn(live, table).filter((c) => !needed.some((n) => sameChain(n, c)));
    if (needed.length === 0 && unneeded.length === 0) continue;
    yield* [`*${table}`, ...needed.map((chain) => `:${ownedChainName(chain.hook)} - [0:0]`), ...needed.flatMap((chain) => jumpLines(live, chain))];
    for (const { rules } of chains) {
      for (const rule of rules()) {
        const previous = kept.get(rule);
        yield previous ? `[${previous.packets}:${previous.bytes}] ${ruleLine(rule)}` : ruleLine(rule);
      }
    }
    yield* removeChainsLines(live, unneeded);
    yield 'COMMIT';
  }
}

export function renderIptablesTeardown(live: LiveState): string {
  return joinLines(
    TABLES.flatMap((table) => {
      const present = ownedChainsIn(live, table);
      return present.length === 0 ? [] : [`*${table}`, ...removeChainsLines(live, present), 'COMMIT'];
    }),
  );
}
