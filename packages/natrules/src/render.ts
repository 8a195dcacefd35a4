import { iptablesApplyLines, renderIptablesTeardown } from './iptables-render.ts';
import type { Family } from '@overlap/cidr';
import { keptRules } from './diff.ts';
import { joinLines } from './lines.ts';
import { type Backend, type LiveRule, type LiveState, type Rule, type RuleChains, type RuleSet, ruleChains } from './model.ts';
import { nftApplyLines, renderNftTeardown } from './nft-render.ts';

/**
 * One atomic transaction that makes the live state equal the desired rule set; for an empty rule set it removes
 * everything owned. '' means there is nothing to run. iptables: feed to `iptables-restore --noflush --counters`
 * (without `--counters` it still works, but resets the counters of the rules it keeps). nftables: `nft -f -`.
 */
export function renderApply(backend: Backend, desired: RuleSet | RuleChains, live: LiveState): string {
  return joinLines([...renderApplyLines(backend, desired, live)]);
}

/**
 * renderApply's text as its lines, without the line ends, each made when it is asked for: for showing a large rule
 * set (`overlap plan`: ~30 000 rules) in pieces. From desiredRuleChains no rule is kept once its line is made, so
 * rules and lines die young instead of being held (and copied by the garbage collector) to the end.
 */
export function renderApplyLines(backend: Backend, desired: RuleSet | RuleChains, live: LiveState): Iterable<string> {
  if ('chains' in desired && live.rules.length === 0) return applyLines(backend, desired, live, new Map());
  // Counters are carried over by rule identity, which a rule made anew on every iteration does not keep.
  const set: RuleSet = 'chains' in desired ? ruleSetOf(desired) : desired;
  return applyLines(backend, ruleChains(set), live, keptRules(set, live));
}

const ruleSetOf = (chains: RuleChains): RuleSet => ({
  role: chains.role,
  rules: chains.chains.flatMap((c) => [...c.rules()]),
  ...(chains.family ? { family: chains.family } : {}),
});

const applyLines = (backend: Backend, desired: RuleChains, live: LiveState, kept: ReadonlyMap<Rule, LiveRule | undefined>): Iterable<string> =>
  backend === 'iptables' ? iptablesApplyLines(desired, live, kept) : nftApplyLines(desired, live, kept);

/** Removes every owned chain, jump, rule or table and nothing else; '' when nothing of ours is there. */
export function renderTeardown(backend: Backend, live: LiveState): string {
  return backend === 'iptables' ? renderIptablesTeardown(live) : renderNftTeardown(live);
}

/** Per family, the argv that reads the input of renderApply/renderTeardown from standard input. */
export const APPLY_COMMANDS: Readonly<Record<Family, Readonly<Record<Backend, readonly string[]>>>> = {
  IPv4: { iptables: ['iptables-restore', '--noflush', '--counters'], nftables: ['nft', '-f', '-'] },
  IPv6: { iptables: ['ip6tables-restore', '--noflush', '--counters'], nftables: ['nft', '-f', '-'] },
};

/** Per family, the argv whose output parseIptablesSave / parseNftJson read. */
export const READ_COMMANDS: Readonly<Record<Family, Readonly<Record<Backend, readonly string[]>>>> = {
  IPv4: { iptables: ['iptables-save', '--counters'], nftables: ['nft', '-j', 'list', 'table', 'ip', 'overlap'] },
  IPv6: { iptables: ['ip6tables-save', '--counters'], nftables: ['nft', '-j', 'list', 'table', 'ip6', 'overlap'] },
};

/** The IPv4 commands, where everything translated lives. */
export const APPLY_COMMAND = APPLY_COMMANDS.IPv4;
export const READ_COMMAND = READ_COMMANDS.IPv4;
