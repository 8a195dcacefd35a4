import type { Cidr, Family } from '@overlap/cidr';
import { parseCidrCached } from './cidr-cache.ts';
import { parseComment } from './comment.ts';
import { boundedMemo } from './memo.ts';
import { OWNED_CHAIN_PREFIX, iptablesRuleArgs, ownedChainOf } from './iptables-args.ts';
import {
  type ChainRef,
  type LiveJump,
  type LiveRule,
  type LiveState,
  type Rule,
  type RuleAction,
  type RuleMatch,
  type Table,
  TABLES,
  inChainOrder,
} from './model.ts';

/** White space as \s means it, with a quick answer for the ASCII that saved rules are made of. */
const isSpace = (code: number): boolean => (code < 0x7f ? code === 32 || (code >= 9 && code <= 13) : /\s/.test(String.fromCharCode(code)));

/**
 * Splits a saved rule as iptables-restore does: white space separates, double quotes group, backslash escapes.
 * A token is copied in slices between quotes and escapes, not character by character: a read of thousands of
 * rules tokenizes every one of them.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let at = 0;
  while (at < text.length) {
    if (isSpace(text.charCodeAt(at))) {
      at += 1;
      continue;
    }
    let token = '';
    let from = at;
    let quoted = false;
    for (; at < text.length; at += 1) {
      const code = text.charCodeAt(at);
      if (code === 92 /* \ */ && at + 1 < text.length) {
        token += text.slice(from, at) + text[at + 1]!;
        at += 1;
        from = at + 1;
      } else if (code === 34 /* " */) {
        token += text.slice(from, at);
        quoted = !quoted;
        from = at + 1;
      } else if (!quoted && isSpace(code)) break;
    }
    tokens.push(token + text.slice(from, at));
  }
  return tokens;
}

const valueAfter = (tokens: readonly string[], flag: string): string | undefined => {
  const at = tokens.indexOf(flag);
  return at < 0 ? undefined : tokens[at + 1];
};

const cidrOrThrow = (text: string | undefined): Cidr | undefined => (text === undefined ? undefined : parseCidrCached(text, 'iptables-save'));

function actionOf(tokens: readonly string[]): RuleAction | undefined {
  switch (valueAfter(tokens, '-j')) {
    case 'NETMAP': {
      const to = cidrOrThrow(valueAfter(tokens, '--to'));
      return to ? { type: 'netmap', to } : undefined;
    }
    case 'MASQUERADE':
      return { type: 'masquerade' };
    case 'ACCEPT':
      return { type: 'accept' };
    case 'TCPMSS':
      return { type: 'clamp-mss' };
    default:
      return undefined;
  }
}

/**
 * Reads the arguments of a rule in an owned chain back into the model. It picks out the values it knows, builds
 * the rule, and accepts it only if rendering that rule gives back exactly the same arguments, so any extra
 * match, negation or other order makes the rule foreign instead of being half-understood.
 */
function ruleFromArgs(chain: ChainRef, tokens: readonly string[]): Rule | undefined {
  try {
    const comment = valueAfter(tokens, '--comment');
    const parsed = comment === undefined ? undefined : parseComment(comment);
    const action = actionOf(tokens);
    if (!parsed || !action || comment === undefined) return undefined;
    const match: RuleMatch = {};
    const source = cidrOrThrow(valueAfter(tokens, '-s'));
    const destination = cidrOrThrow(valueAfter(tokens, '-d'));
    const inInterface = valueAfter(tokens, '-i');
    const outInterface = valueAfter(tokens, '-o');
    const gid = valueAfter(tokens, '--gid-owner');
    if (source) match.source = source;
    if (destination) match.destination = destination;
    if (inInterface !== undefined) match.inInterface = inInterface;
    if (outInterface !== undefined) match.outInterface = outInterface;
    if (gid !== undefined) {
      if (!/^\d+$/.test(gid)) return undefined;
      match.gid = Number(gid);
    }
    if (tokens.includes('--tcp-flags')) match.tcpSyn = true;
    const rule: Rule = { ...chain, match, action, comment, ...('mapping' in parsed ? { mapping: parsed.mapping } : {}) };
    const rendered = iptablesRuleArgs(rule).args;
    return rendered.length === tokens.length && rendered.every((t, i) => t === tokens[i]) ? rule : undefined;
  } catch {
    return undefined;
  }
}

const COUNTERS = /^\[(\d+):(\d+)\]\s+/;

/** A saved rule of an owned chain read back, remembered by table and text: every sync reads the same lines. */
const ownedRule = boundedMemo((_key: string, chain: ChainRef, body: string) => ruleFromArgs(chain, tokenize(body).slice(2)));

/**
 * Parses `iptables-save -c` or `ip6tables-save -c` (counters optional; `family` says which) of all tables: the owned chains present, every rule elsewhere that
 * jumps into them, and every rule inside them.
 */
export function parseIptablesSave(text: string, family: Family = 'IPv4'): LiveState {
  const chains: ChainRef[] = [];
  const jumps: LiveJump[] = [];
  const rules: LiveRule[] = [];
  // Rules seen so far per chain of the current table, so that a jump knows whether it is first in its chain.
  let rulesIn = new Map<string, number>();
  const countRule = (body: string): number => {
    const chain = body.slice(3).split(' ', 1)[0]!;
    const before = rulesIn.get(chain) ?? 0;
    rulesIn.set(chain, before + 1);
    return before;
  };
  let table: Table | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line.startsWith('*')) {
      table = TABLES.find((t) => t === line.slice(1));
      rulesIn = new Map();
      continue;
    }
    if (!table) continue;
    // Every line that declares, fills or jumps into an owned chain names it; the rest (possibly tens of thousands
    // of kube-proxy rules) is only counted, at the cost of one substring search and one map update.
    if (!line.includes(OWNED_CHAIN_PREFIX)) {
      const body = line.startsWith('[') ? line.replace(COUNTERS, '') : line;
      if (body.startsWith('-A ')) countRule(body);
      continue;
    }
    if (line.startsWith(':')) {
      const owned = ownedChainOf(table, line.slice(1).split(/\s/, 1)[0]!);
      if (owned) chains.push(owned);
      continue;
    }
    const counters = COUNTERS.exec(line);
    const body = counters ? line.slice(counters[0].length) : line;
    if (!body.startsWith('-A ')) continue;
    const chainName = body.slice(3).split(/\s/, 1)[0]!;
    const owned = ownedChainOf(table, chainName);
    if (owned) {
      rules.push({
        ...owned,
        rule: ownedRule(`${owned.table} ${body}`, owned, body),
        text: body,
        packets: BigInt(counters?.[1] ?? 0),
        bytes: BigInt(counters?.[2] ?? 0),
      });
      continue;
    }
    const before = countRule(body);
    const jump = jumpOf(table, body);
    if (jump) jumps.push(before === 0 ? jump : { ...jump, rulesBefore: before });
  }
  return {
    backend: 'iptables',
    ...(family === 'IPv6' ? { family } : {}),
    chains: inChainOrder(chains),
    jumps: inChainOrder(jumps),
    rules: inChainOrder(rules),
  };
}

/** A rule that jumps (or goes) into an owned chain; which rule it is, is decided by whoever reads its text. */
function jumpOf(table: Table, body: string): LiveJump | undefined {
  const target = /\s-[jg] (\S+)$/.exec(body)?.[1];
  const owned = target === undefined ? undefined : ownedChainOf(table, target);
  return owned ? { ...owned, text: body } : undefined;
}
