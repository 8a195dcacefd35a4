import { nftDevice } from './device.ts';
import { joinLines } from './lines.ts';
import type { ChainRef, LiveRule, LiveState, Rule, RuleChains, RuleMatch } from './model.ts';
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

/** Whether the read saw our table: the table itself, or (in a state made by hand) anything in it. */
const tableSeen = (live: LiveState): boolean => live.tablePresent === true || live.chains.length + live.rules.length + (live.foreignChains?.length ?? 0) > 0;

/**
 * Where the read saw no table, the new one is made with `create`, not after a delete: `create` fails if the table
 * appeared since the read, and with it the whole transaction (the next sync reads again), and it spares the delete,
 * whose commit waits for RCU grace periods (~10 ms here, a third of a first sync at 100 mappings).
 */
const replaceTable = (live: LiveState, family: 'ip' | 'ip6'): string[] => (tableSeen(live) ? removeTable(family) : [`create table ${family} ${NFT_TABLE}`]);

function nftTeardownLines(live: LiveState): string[] {
  return tableSeen(live) ? removeTable(nftFamily(live.family)) : [];
}

export function renderNftTeardown(live: LiveState): string {
  return joinLines(nftTeardownLines(live));
}

/**
 * The chain's map, if it has netmap rules: one element per netmap rule, each on its own line (`overlap plan` writes
 * maps of 20 000), made as the rules come. Every netmap rule of a chain must look its address up the same way.
 */
function* mapLines(chain: ChainRef, rules: Iterable<Rule>, kept: ReadonlyMap<Rule, LiveRule | undefined>): Generator<string> {
  let lookup: string | undefined;
  let pending: string | undefined;
  for (const rule of rules) {
    if (rule.action.type !== 'netmap') continue;
    if (lookup === undefined) {
      lookup = nftMapRuleText(rule);
      yield* [`\tmap ${nftMapName(chain)} {`, '\t\ttype ipv4_addr : interval ipv4_addr', '\t\tflags interval', '\t\tcounter', '\t\telements = {'];
    } else if (nftMapRuleText(rule) !== lookup) {
      throw new Error(`${rule.comment}: a second kind of netmap rule in chain ${nftChainSpec(chain).name}`);
    }
    // Every element but the last ends in a comma: each is written once the next one is known.
    if (pending !== undefined) yield `${pending},`;
    pending = `\t\t\t${elementText(rule, kept.get(rule))}`;
  }
  if (pending === undefined) return;
  yield* [pending, '\t\t}', '\t}'];
}

/** A chain with its rules; the map rule takes the place of the chain's first netmap rule. */
function* chainLines(chain: ChainRef, rules: Iterable<Rule>, kept: ReadonlyMap<Rule, LiveRule | undefined>): Generator<string> {
  const spec = nftChainSpec(chain);
  yield `\tchain ${spec.name} {`;
  yield `\t\ttype ${spec.type} hook ${spec.hook} priority ${spec.priority}; policy accept;`;
  let mapRuleWritten = false;
  for (const rule of rules) {
    if (rule.action.type !== 'netmap') yield `\t\t${nftRuleText(rule, kept.get(rule))}`;
    else if (!mapRuleWritten) {
      mapRuleWritten = true;
      yield `\t\t${nftMapRuleText(rule)}`;
    }
  }
  yield '\t}';
}

/**
 * Input for `nft -f -` line by line, without the line ends, each made when it is asked for. `kept`: as keptRules, by
 * identity. A chain's rules are made once for its map and once for the chain itself.
 */
export function* nftApplyLines(desired: RuleChains, live: LiveState, kept: ReadonlyMap<Rule, LiveRule | undefined>): Generator<string> {
  if (desired.chains.length === 0) {
    yield* nftTeardownLines(live);
    return;
  }
  const family = nftFamily(desired.family);
  yield* replaceTable(live, family);
  yield `table ${family} ${NFT_TABLE} {`;
  for (const { chain, rules } of desired.chains) yield* mapLines(chain, rules(), kept);
  for (const { chain, rules } of desired.chains) yield* chainLines(chain, rules(), kept);
  yield '}';
}
