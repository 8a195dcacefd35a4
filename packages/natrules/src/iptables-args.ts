import { CHAINS, type ChainRef, type Hook, type LiveJump, type Rule, type RuleAction, type Table } from './model.ts';

export const OWNED_CHAIN_PREFIX = 'OVERLAP-';

/** The dedicated chain of one hook; filter and mangle each have their own OVERLAP-FORWARD. */
export const ownedChainName = (hook: Hook): string => `${OWNED_CHAIN_PREFIX}${hook.toUpperCase()}`;
export const builtinChainName = (hook: Hook): string => hook.toUpperCase();

/** The owned chain a name denotes in a table, if any. */
export function ownedChainOf(table: Table, name: string): ChainRef | undefined {
  return CHAINS.find((c) => c.table === table && ownedChainName(c.hook) === name);
}

/** The one jump we add: unconditional, from the hook's built-in chain. */
export const plainJumpText = (hook: Hook): string => `-A ${builtinChainName(hook)} -j ${ownedChainName(hook)}`;

export const isPlainJump = (jump: LiveJump): boolean => jump.text === undefined || jump.text === plainJumpText(jump.hook);

function actionArgs(action: RuleAction): string[] {
  switch (action.type) {
    case 'netmap':
      return ['-j', 'NETMAP', '--to', action.to.text];
    case 'masquerade':
      return ['-j', 'MASQUERADE'];
    case 'accept':
      return ['-j', 'ACCEPT'];
    case 'clamp-mss':
      return ['-j', 'TCPMSS', '--clamp-mss-to-pmtu'];
  }
}

/**
 * The arguments of one rule, each free-form value (interface names, the comment) passed through `text`. Everything
 * else is a fixed word, a canonical CIDR or a number, which never needs quoting: `overlap plan` renders ~30 000
 * rules, and quoting only what may need it keeps their lines cheap.
 */
function ruleArgs(rule: Rule, text: (value: string) => string): string[] {
  const { match } = rule;
  const args: string[] = [];
  if (match.source) args.push('-s', match.source.text);
  if (match.destination) args.push('-d', match.destination.text);
  if (match.inInterface !== undefined) args.push('-i', text(match.inInterface));
  if (match.outInterface !== undefined) args.push('-o', text(match.outInterface));
  if (match.tcpSyn) args.push('-p', 'tcp', '-m', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN');
  if (match.gid !== undefined) args.push('-m', 'owner', '--gid-owner', String(match.gid));
  args.push('-m', 'comment', '--comment', text(rule.comment), ...actionArgs(rule.action));
  return args;
}

const asIs = (value: string): string => value;

/**
 * One rule as the arguments after `-A <chain>`, in exactly the order `iptables-save` prints them (addresses,
 * interfaces, protocol, then the matches in the order given, then the target), so that a saved rule can be
 * compared with the rendered one token by token.
 */
export function iptablesRuleArgs(rule: Rule): { table: Table; chain: string; args: string[] } {
  return { table: rule.table, chain: ownedChainName(rule.hook), args: ruleArgs(rule, asIs) };
}

/** Quotes as iptables-save does: only where the shell-like tokeniser of iptables-restore needs it. */
export function quoteArg(arg: string): string {
  if (!needsQuotes(arg)) return arg;
  return arg.includes('"') || arg.includes('\\') ? `"${arg.replace(/["\\]/g, '\\$&')}"` : `"${arg}"`;
}

/** Empty, or any white space, quote or backslash; a character scan, as `overlap plan` quotes ~60 000 arguments. */
function needsQuotes(arg: string): boolean {
  if (arg === '') return true;
  for (let i = 0; i < arg.length; i += 1) {
    const code = arg.charCodeAt(i);
    if (code === 32 || (code >= 9 && code <= 13) || code === 34 || code === 39 || code === 92 || (code >= 0x7f && /\s/.test(arg[i]!))) return true;
  }
  return false;
}

export const ruleLine = (rule: Rule): string => `-A ${ownedChainName(rule.hook)} ${ruleArgs(rule, quoteArg).join(' ')}`;
