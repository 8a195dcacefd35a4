import type { Family } from '@overlap/cidr';
import type { ChainRef } from './model.ts';

export const NFT_TABLE = 'overlap';

/** The nft family of the table holding one rule set's family: `ip overlap` and `ip6 overlap`. */
export const nftFamily = (family: Family | undefined): 'ip' | 'ip6' => (family === 'IPv6' ? 'ip6' : 'ip');

export interface NftChainSpec extends ChainRef {
  name: string;
  type: 'nat' | 'filter';
  /** As `nft -j` reports it. */
  prio: number;
  /** As written in the script. */
  priority: string;
}

/** The base chains of `table ip|ip6 overlap`; a chain counts as ours only if name, type, hook and priority all agree. */
export const NFT_CHAINS: readonly NftChainSpec[] = [
  { table: 'nat', hook: 'prerouting', name: 'nat-prerouting', type: 'nat', prio: -100, priority: 'dstnat' },
  { table: 'nat', hook: 'output', name: 'nat-output', type: 'nat', prio: -100, priority: '-100' },
  { table: 'nat', hook: 'postrouting', name: 'nat-postrouting', type: 'nat', prio: 100, priority: 'srcnat' },
  { table: 'filter', hook: 'forward', name: 'filter-forward', type: 'filter', prio: 0, priority: 'filter' },
  { table: 'mangle', hook: 'postrouting', name: 'mangle-postrouting', type: 'filter', prio: -150, priority: 'mangle' },
  { table: 'mangle', hook: 'forward', name: 'mangle-forward', type: 'filter', prio: -150, priority: 'mangle' },
];

export function nftChainSpec(chain: ChainRef): NftChainSpec {
  const spec = NFT_CHAINS.find((c) => c.table === chain.table && c.hook === chain.hook);
  if (!spec) throw new Error(`no nftables chain for ${chain.table} ${chain.hook}`);
  return spec;
}
