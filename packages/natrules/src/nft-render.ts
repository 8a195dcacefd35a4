import { nftDevice } from './device.ts';
import { matchRules } from './diff.ts';
import { type LiveRule, type LiveState, type Rule, type RuleAction, type RuleSet, chainsOf, sameChain } from './model.ts';
import { NFT_TABLE, nftChainSpec, nftFamily } from './nft-chains.ts';

/** NETMAP in nftables: a prefix map from the matched network to its translation, on the address the hook rewrites. */
function actionText(rule: Rule, action: RuleAction): string {
  switch (action.type) {
    case 'netmap': {
      const dnat = rule.hook === 'prerouting' || rule.hook === 'output';
      const from = dnat ? rule.match.destination : rule.match.source;
      if (!from) throw new Error(`${rule.comment}: a netmap rule needs a ${dnat ? 'destination' : 'source'} to map from`);
      const [verb, field] = dnat ? ['dnat', 'daddr'] : ['snat', 'saddr'];
      return `${verb} ip prefix to ip ${field} map { ${from.text} : ${action.to.text} }`;
    }
    case 'masquerade':
      return 'masquerade';
    case 'accept':
      return 'accept';
    case 'clamp-mss':
      return 'tcp option maxseg size set rt mtu';
  }
}

/** One rule as an nft statement; `counter` is given live values to carry them over a replace. */
export function nftRuleText(rule: Rule, counter?: Pick<LiveRule, 'packets' | 'bytes'>): string {
  const { match } = rule;
  const parts: string[] = [];
  if (match.inInterface !== undefined) parts.push(`iifname "${nftDevice(match.inInterface)}"`);
  if (match.outInterface !== undefined) parts.push(`oifname "${nftDevice(match.outInterface)}"`);
  if (match.source) parts.push(`ip saddr ${match.source.text}`);
  if (match.destination) parts.push(`ip daddr ${match.destination.text}`);
  if (match.gid !== undefined) parts.push(`meta skgid ${match.gid}`);
  if (match.tcpSyn) parts.push('tcp flags & (syn | rst) == syn');
  parts.push(counter ? `counter packets ${counter.packets} bytes ${counter.bytes}` : 'counter');
  parts.push(actionText(rule, rule.action), `comment "${rule.comment}"`);
  return parts.join(' ');
}

/**
 * Creating the table empty and deleting it makes the delete safe when the table is absent; everything after it is
 * the whole new table. `nft -f` runs the script as one transaction, so no packet sees a half-built table.
 */
const removeTable = (family: 'ip' | 'ip6'): string[] => [`table ${family} ${NFT_TABLE} {}`, `delete table ${family} ${NFT_TABLE}`];

export function renderNftTeardown(live: LiveState): string {
  const present = live.chains.length + live.rules.length + (live.foreignChains?.length ?? 0) > 0;
  return present ? `${removeTable(nftFamily(live.family)).join('\n')}\n` : '';
}

export function renderNftApply(desired: RuleSet, live: LiveState): string {
  if (desired.rules.length === 0) return renderNftTeardown(live);
  const family = nftFamily(desired.family);
  const kept = new Map(matchRules(desired, live).pairs.map((p) => [p.desired, p.live]));
  const chains = chainsOf(desired.rules).flatMap((chain) => {
    const spec = nftChainSpec(chain);
    const rules = desired.rules.filter((r) => sameChain(r, chain));
    return [
      `\tchain ${spec.name} {`,
      `\t\ttype ${spec.type} hook ${spec.hook} priority ${spec.priority}; policy accept;`,
      ...rules.map((rule) => `\t\t${nftRuleText(rule, kept.get(rule))}`),
      '\t}',
    ];
  });
  return [...removeTable(family), `table ${family} ${NFT_TABLE} {`, ...chains, '}', ''].join('\n');
}
