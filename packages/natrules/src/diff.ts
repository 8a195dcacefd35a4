import { CHAINS, type ChainRef, type LiveRule, type LiveState, type Rule, type RuleDiff, type RuleSet, chainsOf, ruleKey, sameChain } from './model.ts';
import { isPlainJump } from './iptables-args.ts';

interface RuleMatching {
  /** Each desired rule with the live rule that already is it, if any (in desired order). */
  pairs: ReadonlyArray<{ desired: Rule; live: LiveRule | undefined }>;
  /** Live rules of ours that no desired rule claimed: not desired, or a surplus copy. */
  unclaimed: readonly LiveRule[];
}

/** Pairs desired with live rules by identity; each live rule is claimed at most once, so duplicates stay over. */
function matchRules(desired: RuleSet, live: LiveState): RuleMatching {
  const pool = new Map<string, LiveRule[]>();
  for (const liveRule of live.rules) {
    if (!liveRule.rule) continue;
    const key = ruleKey(liveRule.rule);
    const same = pool.get(key);
    if (same) same.push(liveRule);
    else pool.set(key, [liveRule]);
  }
  const pairs = desired.rules.map((rule) => ({ desired: rule, live: pool.get(ruleKey(rule))?.shift() }));
  return { pairs, unclaimed: [...pool.values()].flat() };
}

/**
 * Each desired rule with its live twin, whose counters an apply carries over. With nothing live (a first apply,
 * `overlap plan`) there is nothing to look for, and keying every rule would cost more than rendering it.
 */
export function keptRules(desired: RuleSet, live: LiveState): ReadonlyMap<Rule, LiveRule | undefined> {
  if (live.rules.length === 0) return new Map();
  return new Map(matchRules(desired, live).pairs.map((p) => [p.desired, p.live]));
}

/** The plain jumps into one owned chain. */
export const plainJumpCount = (live: LiveState, chain: ChainRef): number => live.jumps.filter((j) => sameChain(j, chain) && isPlainJump(j)).length;

/** Whether the one plain jump into the chain is the first rule of its built-in chain (iptables). */
export const plainJumpFirst = (live: LiveState, chain: ChainRef): boolean =>
  live.jumps.some((j) => sameChain(j, chain) && isPlainJump(j) && j.rulesBefore === undefined);

export function diffRules(desired: RuleSet, live: LiveState): RuleDiff {
  const { pairs, unclaimed } = matchRules(desired, live);
  const needed = chainsOf(desired.rules);
  const isNeeded = (chain: ChainRef): boolean => needed.some((c) => sameChain(c, chain));
  const missing = pairs.filter((p) => !p.live).map((p) => p.desired);
  const unclaimedSet = new Set(unclaimed);
  const stale = live.rules.filter((r) => unclaimedSet.has(r));
  const foreign = live.rules.filter((r) => !r.rule);
  // nftables hooks its base chains directly; there are no jumps to check.
  const jumpsMissing = live.backend === 'iptables' ? needed.filter((c) => plainJumpCount(live, c) === 0) : [];
  const jumpsDuplicated = CHAINS.filter((c) => plainJumpCount(live, c) > 1);
  const jumpsNotFirst = live.backend === 'iptables' ? needed.filter((c) => plainJumpCount(live, c) > 0 && !plainJumpFirst(live, c)) : [];
  const jumpsForeign = live.jumps.filter((j) => !isPlainJump(j));
  const chainsStale = live.chains.filter((c) => !isNeeded(c));
  const chainsForeign = live.foreignChains ?? [];
  const inSync = [missing, stale, foreign, jumpsMissing, jumpsDuplicated, jumpsNotFirst, jumpsForeign, chainsStale, chainsForeign].every(
    (list) => list.length === 0,
  );
  return { missing, stale, foreign, jumpsMissing, jumpsDuplicated, jumpsNotFirst, jumpsForeign, chainsStale, chainsForeign, inSync };
}
