import type { Cidr, Family, Kind, Mapping } from '@overlap/cidr';

export type Role = 'seed' | 'shoot';
export type Backend = 'iptables' | 'nftables';
export type Table = 'nat' | 'filter' | 'mangle';
export type Hook = 'prerouting' | 'output' | 'postrouting' | 'forward';
/** forward = original → mapped, reverse = mapped → original. */
export type Direction = 'forward' | 'reverse';

export interface NatParams {
  role: Role;
  mappings: readonly Mapping[];
  /** One device name (`tun0`) or a prefix pattern (`bond0+`, see device.ts). */
  tunnelDevice: string;
  egressDevice: string;
  envoyGid: number;
  /** The shoot's IP families: the shoot side clamps the TCP MSS in each (as vpn2 does). Absent: IPv4 only. */
  families?: readonly Family[];
}

export interface RuleMatch {
  inInterface?: string;
  outInterface?: string;
  source?: Cidr;
  destination?: Cidr;
  gid?: number;
  tcpSyn?: boolean;
}

export type RuleAction = { type: 'netmap'; to: Cidr } | { type: 'masquerade' } | { type: 'accept' } | { type: 'clamp-mss' };

export interface MappingRef {
  kind: Kind;
  original: Cidr;
  mapped: Cidr;
  direction: Direction;
}

export interface Rule {
  table: Table;
  hook: Hook;
  match: RuleMatch;
  action: RuleAction;
  comment: string;
  mapping?: MappingRef;
}

/**
 * The rules of one address family. Everything translated is IPv4; an IPv6 rule set holds only what applies to
 * both families (the MSS clamp) and goes to ip6tables or `table ip6 overlap`. Absent family: IPv4.
 */
export interface RuleSet {
  role: Role;
  rules: readonly Rule[];
  family?: Family;
}

/** The rules of one chain, made when iterated (anew on every iteration). */
export interface ChainRules {
  chain: ChainRef;
  rules: () => Iterable<Rule>;
}

/**
 * A rule set chain by chain, in CHAINS order, only chains that hold rules: the same rules as a RuleSet, but each made
 * only while it is rendered, so a caller rendering tens of thousands (`overlap plan`) never holds them all.
 */
export interface RuleChains {
  role: Role;
  chains: readonly ChainRules[];
  family?: Family;
}

export interface Route {
  destination: Cidr;
  device: string;
}

/** A route someone else owns that this side's traffic needs (HA mode, see routeDependencies). */
export interface RouteDependency {
  kind: Kind;
  /** The mapped block of the other side. */
  destination: Cidr;
  /** whole: every address of the block is routed through the devices; some: at least one route into it is. */
  coverage: 'whole' | 'some';
  /** The tunnel device name or prefix pattern the route must use. */
  devicePattern: string;
  /** Who installs the route. */
  owner: string;
}

export interface ChainRef {
  table: Table;
  hook: Hook;
}

export interface LiveRule {
  table: Table;
  hook: Hook;
  /** The rule parsed back when it is one of ours (an `overlap …` comment and a shape we generate). */
  rule: Rule | undefined;
  /** As the backend shows it. */
  text: string;
  packets: bigint;
  bytes: bigint;
}

/** A rule outside the owned chains that jumps into one of them. */
export interface LiveJump extends ChainRef {
  /** As saved (`-A <chain> … -j <owned chain>`); absent means the plain jump from the hook's built-in chain. */
  text?: string;
  /** Rules of someone else above this one in the same chain (absent: none, it is first). */
  rulesBefore?: number;
}

export interface LiveState {
  backend: Backend;
  /** Which family's tables were read (iptables-save or ip6tables-save, `ip` or `ip6` table). Absent: IPv4. */
  family?: Family;
  /** Owned chains present (nft: the base chains of `table ip overlap`). */
  chains: readonly ChainRef[];
  /**
   * iptables only: every rule outside the owned chains that jumps into one, one entry per rule (duplicates kept):
   * the plain jumps from the built-in chains and any other reference, which would keep a chain from being deleted.
   */
  jumps: readonly LiveJump[];
  rules: readonly LiveRule[];
  /**
   * nftables only: chains in `table ip overlap` that are not an owned base chain exactly as we create it (another
   * name, type, hook, priority or policy). Absent when there are none.
   */
  foreignChains?: readonly string[];
  /** nftables only: `table ip|ip6 overlap` was in the read, even with nothing in it. Absent: it was not. */
  tablePresent?: boolean;
}

export const EMPTY_LIVE_STATE = (backend: Backend, family: Family = 'IPv4'): LiveState => ({
  backend,
  ...(family === 'IPv6' ? { family } : {}),
  chains: [],
  jumps: [],
  rules: [],
});

export interface RuleDiff {
  missing: readonly Rule[];
  /** Ours, but not (or not that often) desired. */
  stale: readonly LiveRule[];
  /** In our chains or table but not ours: no or an unknown comment, or a shape we never generate. */
  foreign: readonly LiveRule[];
  jumpsMissing: readonly ChainRef[];
  jumpsDuplicated: readonly ChainRef[];
  /**
   * iptables: needed chains whose plain jump is not the first rule of its built-in chain, so a rule above it (an
   * ACCEPT inserted later by another tool) can take connections before the translation sees them.
   */
  jumpsNotFirst: readonly ChainRef[];
  /** References into owned chains other than the plain jump from the hook's built-in chain. */
  jumpsForeign: readonly LiveJump[];
  /** Owned chains present although the desired rule set needs none there. */
  chainsStale: readonly ChainRef[];
  /** nftables: chains in our table we did not create (LiveState.foreignChains). */
  chainsForeign: readonly string[];
  inSync: boolean;
}

/**
 * Every place a rule can live, in the order rules are generated and rendered. The same chains exist in both
 * backends, so one model serves both. mangle forward held the MSS clamp of earlier versions; it stays known so
 * that a chain left by them is recognised as ours and removed.
 */
export const CHAINS: readonly ChainRef[] = [
  { table: 'nat', hook: 'prerouting' },
  { table: 'nat', hook: 'output' },
  { table: 'nat', hook: 'postrouting' },
  { table: 'filter', hook: 'forward' },
  { table: 'mangle', hook: 'postrouting' },
  { table: 'mangle', hook: 'forward' },
];

/** The tables in CHAINS order. */
export const TABLES: readonly Table[] = [...new Set(CHAINS.map((c) => c.table))];

export const sameChain = (a: ChainRef, b: ChainRef): boolean => a.table === b.table && a.hook === b.hook;

/** Each chain's place in CHAINS by table and hook: rule sets reach tens of thousands of rules, each placed by its chain. */
const CHAIN_INDEX: ReadonlyMap<Table, ReadonlyMap<Hook, number>> = new Map(
  TABLES.map((table) => [table, new Map(CHAINS.flatMap((c, index) => (c.table === table ? [[c.hook, index] as const] : [])))]),
);

/** The chain's place in CHAINS; -1 for a chain that is not there. */
export const chainIndex = (chain: ChainRef): number => CHAIN_INDEX.get(chain.table)?.get(chain.hook) ?? -1;

/**
 * Puts live objects in CHAINS order, keeping the order within a chain: backends list tables and chains in their
 * own order (iptables-save: mangle, filter, nat, chains by name), the model does not depend on it.
 */
export function inChainOrder<T extends ChainRef>(items: readonly T[]): T[] {
  // One pass into a bucket per chain, not a sort: rule sets reach tens of thousands of rules. An item of no known
  // chain (index -1) goes first, as a sort by index would put it.
  const buckets = Array.from({ length: CHAINS.length + 1 }, (): T[] => []);
  for (const item of items) buckets[chainIndex(item) + 1]!.push(item);
  return buckets.flat();
}

/** A RuleSet chain by chain (its rules grouped by chain, in their order); rules of no known chain are left out. */
export function ruleChains(desired: RuleSet): RuleChains {
  const byChain = Map.groupBy(desired.rules, chainIndex);
  const chains = CHAINS.flatMap((chain, index): ChainRules[] => {
    const rules = byChain.get(index);
    return rules ? [{ chain, rules: () => rules }] : [];
  });
  return { role: desired.role, chains, ...(desired.family ? { family: desired.family } : {}) };
}

/** The chains a rule set needs: only those holding at least one rule, in CHAINS order. */
export function chainsOf(rules: readonly Rule[]): ChainRef[] {
  const present = new Set<number>();
  for (const rule of rules) present.add(chainIndex(rule));
  return CHAINS.filter((_, index) => present.has(index));
}

const ruleKeys = new WeakMap<Rule, string>();

/**
 * A backend-neutral identity of a rule: two rules with the same key do the same thing and carry the same comment.
 * Remembered per rule object: a plan's rules and the rules read back from the same lines are compared every sync.
 */
export function ruleKey(rule: Rule): string {
  let key = ruleKeys.get(rule);
  if (key === undefined) {
    key = computeRuleKey(rule);
    ruleKeys.set(rule, key);
  }
  return key;
}

function computeRuleKey(rule: Rule): string {
  const { match, action } = rule;
  return [
    rule.table,
    rule.hook,
    `i=${match.inInterface ?? ''}`,
    `o=${match.outInterface ?? ''}`,
    `s=${match.source?.text ?? ''}`,
    `d=${match.destination?.text ?? ''}`,
    `g=${match.gid ?? ''}`,
    `syn=${match.tcpSyn === true}`,
    action.type === 'netmap' ? `netmap=${action.to.text}` : action.type,
    rule.comment,
  ].join(' ');
}
