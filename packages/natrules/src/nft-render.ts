import { nftDevice } from './device.ts';
import { keptRules } from './diff.ts';
import { joinLines } from './lines.ts';
import { type ChainRef, type LiveRule, type LiveState, type Rule, type RuleMatch, type RuleSet, chainIndex, chainsOf } from './model.ts';
import { NFT_TABLE, nftChainSpec, nftFamily } from './nft-chains.ts';

type Counter = Pick<LiveRule, 'packets' | 'bytes'>;

/**
 * The named prefix map that holds every translation of one chain. desired.ts gives a chain at most one kind of
 * netmap rule (one verb, one match besides the address), so one map per chain is enough; a set lookup is what makes
 * 1000 mappings one rule instead of 1000 rules with one anonymous map each (which nft fetches one by one).
 */
export const nftMapName = (chain: ChainRef): string => `${nftChainSpec(chain).name}-map`;

/** NETMAP in nftables: dnat rewrites the destination (prerouting, output), snat the source (postrouting). */
function netmapSide(rule: Pick<Rule, 'hook' | 'match'>): { verb: 'dnat' | 'snat'; field: 'daddr' | 'saddr' } {
  return rule.hook === 'prerouting' || rule.hook === 'output' ? { verb: 'dnat', field: 'daddr' } : { verb: 'snat', field: 'saddr' };
}

function matchParts(match: RuleMatch, without?: 'daddr' | 'saddr'): string[] {
  const parts: string[] = [];
  if (match.inInterface !== undefined) parts.push(`iifname "${nftDevice(match.inInterface)}"`);
  if (match.outInterface !== undefined) parts.push(`oifname "${nftDevice(match.outInterface)}"`);
  if (match.source && without !== 'saddr') parts.push(`ip saddr ${match.source.text}`);
  if (match.destination && without !== 'daddr') parts.push(`ip daddr ${match.destination.text}`);
  if (match.gid !== undefined) parts.push(`meta skgid ${match.gid}`);
  if (match.tcpSyn) parts.push('tcp flags & (syn | rst) == syn');
  return parts;
}

/** A netmap rule's translation: the address it maps from (the key of its map element) and to. */
function netmapPair(rule: Rule): { from: string; to: string } {
  const { field } = netmapSide(rule);
  const from = field === 'daddr' ? rule.match.destination : rule.match.source;
  if (rule.action.type !== 'netmap') throw new Error(`${rule.comment}: not a netmap rule`);
  if (!from) throw new Error(`${rule.comment}: a netmap rule needs a ${field === 'daddr' ? 'destination' : 'source'} to map from`);
  return { from: from.text, to: rule.action.to.text };
}

/**
 * The one rule of a chain that looks its translations up in the chain's map. It has no match on the mapped address:
 * an address the map does not hold ends the rule (the lookup fails), as a non-matching per-mapping rule would. The
 * counters are the map elements', one per mapping.
 */
export function nftMapRuleText(rule: Rule): string {
  const { verb, field } = netmapSide(rule);
  return [...matchParts(rule.match, field), `${verb} ip prefix to ip ${field} map @${nftMapName(rule)}`].join(' ');
}

/** A map element as the script writes it; `counter` carries live values over a replace (new ones start at 0). */
function elementText(rule: Rule, counter?: Counter): string {
  const { from, to } = netmapPair(rule);
  const count = counter ? ` counter packets ${counter.packets} bytes ${counter.bytes}` : '';
  return `${from}${count} comment "${rule.comment}" : ${to}`;
}

/**
 * One rule as LiveRule.text shows it: a netmap rule as its chain's map rule with its element, anything else as
 * the nft statement (`counter` given live values to carry them over a replace).
 */
export function nftRuleText(rule: Rule, counter?: Counter): string {
  if (rule.action.type === 'netmap') {
    const { from, to } = netmapPair(rule);
    return `${nftMapRuleText(rule)} { ${from} : ${to} } comment "${rule.comment}"`;
  }
  const parts = matchParts(rule.match);
  parts.push(counter ? `counter packets ${counter.packets} bytes ${counter.bytes}` : 'counter');
  parts.push(rule.action.type === 'clamp-mss' ? 'tcp option maxseg size set rt mtu' : rule.action.type, `comment "${rule.comment}"`);
  return parts.join(' ');
}

/**
 * Creating the table empty and deleting it makes the delete safe when the table is absent; everything after it is
 * the whole new table. `nft -f` runs the script as one transaction, so no packet sees a half-built table.
 */
const removeTable = (family: 'ip' | 'ip6'): string[] => [`table ${family} ${NFT_TABLE} {}`, `delete table ${family} ${NFT_TABLE}`];

function nftTeardownLines(live: LiveState): string[] {
  const present = live.chains.length + live.rules.length + (live.foreignChains?.length ?? 0) > 0;
  return present ? removeTable(nftFamily(live.family)) : [];
}

export function renderNftTeardown(live: LiveState): string {
  return joinLines(nftTeardownLines(live));
}

/** The chain's map: one element per netmap rule, each on its own line (`overlap plan` writes maps of 20 000). */
function* mapLines(chain: ChainRef, netmaps: readonly Rule[], kept: ReadonlyMap<Rule, LiveRule | undefined>): Generator<string> {
  const lookup = nftMapRuleText(netmaps[0]!);
  const other = netmaps.find((r) => nftMapRuleText(r) !== lookup);
  if (other) throw new Error(`${other.comment}: a second kind of netmap rule in chain ${nftChainSpec(chain).name}`);
  yield* [`\tmap ${nftMapName(chain)} {`, '\t\ttype ipv4_addr : interval ipv4_addr', '\t\tflags interval', '\t\tcounter', '\t\telements = {'];
  const last = netmaps.length - 1;
  for (let index = 0; index <= last; index += 1) {
    const rule = netmaps[index]!;
    yield `\t\t\t${elementText(rule, kept.get(rule))}${index === last ? '' : ','}`;
  }
  yield* ['\t\t}', '\t}'];
}

/** A chain with its rules; the map rule takes the place of the chain's first netmap rule. */
function* chainLines(chain: ChainRef, rules: readonly Rule[], kept: ReadonlyMap<Rule, LiveRule | undefined>): Generator<string> {
  const spec = nftChainSpec(chain);
  yield `\tchain ${spec.name} {`;
  yield `\t\ttype ${spec.type} hook ${spec.hook} priority ${spec.priority}; policy accept;`;
  const firstNetmap = rules.find((r) => r.action.type === 'netmap');
  for (const rule of rules) {
    if (rule.action.type !== 'netmap') yield `\t\t${nftRuleText(rule, kept.get(rule))}`;
    else if (rule === firstNetmap) yield `\t\t${nftMapRuleText(rule)}`;
  }
  yield '\t}';
}

/**
 * renderNftApply line by line, without the line ends, each made when it is asked for: a caller that shows a large
 * rule set in pieces never holds all its lines at once.
 */
export function* nftApplyLines(desired: RuleSet, live: LiveState): Generator<string> {
  if (desired.rules.length === 0) {
    yield* nftTeardownLines(live);
    return;
  }
  const family = nftFamily(desired.family);
  const kept = keptRules(desired, live);
  const byChain = Map.groupBy(desired.rules, chainIndex);
  const chains = chainsOf(desired.rules).map((chain) => ({ chain, rules: byChain.get(chainIndex(chain))! }));
  yield* removeTable(family);
  yield `table ${family} ${NFT_TABLE} {`;
  for (const { chain, rules } of chains) {
    const netmaps = rules.filter((r) => r.action.type === 'netmap');
    if (netmaps.length > 0) yield* mapLines(chain, netmaps, kept);
  }
  for (const { chain, rules } of chains) yield* chainLines(chain, rules, kept);
  yield '}';
}

export function renderNftApply(desired: RuleSet, live: LiveState): string {
  return joinLines([...nftApplyLines(desired, live)]);
}
