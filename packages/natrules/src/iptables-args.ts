import { CHAINS, type ChainRef, type Hook, type LiveJump, type Rule, type RuleAction, type Table } from './model.ts';

export const OWNED_CHAIN_PREFIX = 'OVERLAP-';

/** Spelled out once: every rendered rule names its chain. */
const OWNED_CHAIN_NAMES: Readonly<Record<Hook, string>> = {
  prerouting: `${OWNED_CHAIN_PREFIX}PREROUTING`,
  output: `${OWNED_CHAIN_PREFIX}OUTPUT`,
  postrouting: `${OWNED_CHAIN_PREFIX}POSTROUTING`,
  forward: `${OWNED_CHAIN_PREFIX}FORWARD`,
};

/** The dedicated chain of one hook; filter and mangle each have their own OVERLAP-FORWARD. */
export const ownedChainName = (hook: Hook): string => OWNED_CHAIN_NAMES[hook];
export const builtinChainName = (hook: Hook): string => hook.toUpperCase();

/** Every owned chain by table and name: a read looks one up for each line of ours. */
const OWNED_CHAINS = new Map(CHAINS.map((c) => [`${c.table} ${ownedChainName(c.hook)}`, c]));

/** The owned chain a name denotes in a table, if any. */
export function ownedChainOf(table: Table, name: string): ChainRef | undefined {
  return OWNED_CHAINS.get(`${table} ${name}`);
}

/** The one jump we add: unconditional, from the hook's built-in chain. */
export const plainJumpText = (hook: Hook): string => `-A ${builtinChainName(hook)} -j ${ownedChainName(hook)}`;

export const isPlainJump = (jump: LiveJump): boolean => jump.text === undefined || jump.text === plainJumpText(jump.hook);

/** The target's fixed words; a NETMAP target adds its network. */
const TARGET_WORDS: Readonly<Record<RuleAction['type'], readonly string[]>> = {
  netmap: ['-j', 'NETMAP', '--to'],
  masquerade: ['-j', 'MASQUERADE'],
  accept: ['-j', 'ACCEPT'],
  'clamp-mss': ['-j', 'TCPMSS', '--clamp-mss-to-pmtu'],
};

const actionArgs = (action: RuleAction): string[] => (action.type === 'netmap' ? [...TARGET_WORDS.netmap, action.to.text] : [...TARGET_WORDS[action.type]]);

const TARGET_TEXT = Object.fromEntries(Object.entries(TARGET_WORDS).map(([type, words]) => [type, words.join(' ')])) as Record<RuleAction['type'], string>;

const actionText = (action: RuleAction): string => (action.type === 'netmap' ? `${TARGET_TEXT.netmap} ${action.to.text}` : TARGET_TEXT[action.type]);

/**
 * One rule as the arguments after `-A <chain>`, in exactly the order `iptables-save` prints them (addresses,
 * interfaces, protocol, then the matches in the order given, then the target), so that a saved rule can be
 * compared with the rendered one token by token. ruleLine writes the same arguments as one line.
 */
export function iptablesRuleArgs(rule: Rule): { table: Table; chain: string; args: string[] } {
  const { match } = rule;
  const args: string[] = [];
  if (match.source) args.push('-s', match.source.text);
  if (match.destination) args.push('-d', match.destination.text);
  if (match.inInterface !== undefined) args.push('-i', match.inInterface);
  if (match.outInterface !== undefined) args.push('-o', match.outInterface);
  if (match.tcpSyn) args.push('-p', 'tcp', '-m', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN');
  if (match.gid !== undefined) args.push('-m', 'owner', '--gid-owner', String(match.gid));
  args.push('-m', 'comment', '--comment', rule.comment, ...actionArgs(rule.action));
  return { table: rule.table, chain: ownedChainName(rule.hook), args };
}

/**
 * Any white space (what `\s` matches: ASCII and Unicode), quote or backslash. A regular expression rather than a
 * character loop: `overlap plan` quotes ~30 000 comments, most of them before the loop would be compiled.
 */
const NEEDS_QUOTES = /[\s"'\\]/;
const NEEDS_ESCAPE = /["\\]/;

/** Quotes as iptables-save does: only where the shell-like tokeniser of iptables-restore needs it. */
export function quoteArg(arg: string): string {
  if (arg !== '' && !NEEDS_QUOTES.test(arg)) return arg;
  return NEEDS_ESCAPE.test(arg) ? `"${arg.replace(/["\\]/g, '\\$&')}"` : `"${arg}"`;
}

/**
 * iptablesRuleArgs as one line of iptables-restore input, each argument quoted as iptables-save would. Written
 * out rather than joined from the arguments: `overlap plan` renders ~30 000 rules, and only the free-form values
 * (interface names, the comment) can need quoting; fixed words, canonical CIDRs and numbers never do. The
 * parse-back property tests hold the two to the same arguments.
 */
export function ruleLine(rule: Rule): string {
  const { match, action } = rule;
  const source = match.source ? ` -s ${match.source.text}` : '';
  const destination = match.destination ? ` -d ${match.destination.text}` : '';
  const inInterface = match.inInterface !== undefined ? ` -i ${quoteArg(match.inInterface)}` : '';
  const outInterface = match.outInterface !== undefined ? ` -o ${quoteArg(match.outInterface)}` : '';
  const tcpSyn = match.tcpSyn ? ' -p tcp -m tcp --tcp-flags SYN,RST SYN' : '';
  const gid = match.gid !== undefined ? ` -m owner --gid-owner ${match.gid}` : '';
  return `-A ${ownedChainName(rule.hook)}${source}${destination}${inInterface}${outInterface}${tcpSyn}${gid} -m comment --comment ${quoteArg(rule.comment)} ${actionText(action)}`;
}
