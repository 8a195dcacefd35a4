import type { Cidr, Family } from '@overlap/cidr';
import { parseCidrCached } from './cidr-cache.ts';
import { parseComment } from './comment.ts';
import { fromNftDevice } from './device.ts';
import { type ChainRef, type Hook, type LiveRule, type LiveState, type Rule, type RuleAction, type RuleMatch, inChainOrder } from './model.ts';
import { NFT_CHAINS, NFT_TABLE, nftFamily } from './nft-chains.ts';
import { nftRuleText } from './nft-render.ts';

type Json = unknown;
type JsonObject = Record<string, Json>;

const isObject = (value: Json): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (value: Json, ...path: string[]): Json => path.reduce<Json>((at, key) => (isObject(at) ? at[key] : undefined), value);

/** An address as nft prints it: a bare address for a /32, `{prefix: {addr, len}}` for a network. */
function cidrOf(value: Json): Cidr | undefined {
  if (typeof value === 'string') return parseCidrCached(`${value}/32`, 'nft');
  const addr = field(value, 'prefix', 'addr');
  const len = field(value, 'prefix', 'len');
  return typeof addr === 'string' && typeof len === 'number' ? parseCidrCached(`${addr}/${len}`, 'nft') : undefined;
}

interface Counter {
  packets: bigint;
  bytes: bigint;
}

/** What one rule's expressions say, plus the statement text of each, in order, to check the rule's exact shape. */
interface Reading {
  match: RuleMatch;
  action?: RuleAction;
  counter?: Counter;
  parts: string[];
  understood: boolean;
}

function readMatch(reading: Reading, expr: JsonObject): boolean {
  if (expr['op'] !== '==') return false;
  const left = expr['left'];
  const right = expr['right'];
  const meta = field(left, 'meta', 'key');
  if ((meta === 'iifname' || meta === 'oifname') && typeof right === 'string') {
    reading.match[meta === 'iifname' ? 'inInterface' : 'outInterface'] = fromNftDevice(right);
    reading.parts.push(`${meta} "${right}"`);
    return true;
  }
  if (meta === 'skgid' && typeof right === 'number') {
    reading.match.gid = right;
    reading.parts.push(`meta skgid ${right}`);
    return true;
  }
  const address = field(left, 'payload', 'field');
  if (field(left, 'payload', 'protocol') === 'ip' && (address === 'saddr' || address === 'daddr')) {
    const cidr = cidrOf(right);
    if (!cidr) return false;
    reading.match[address === 'saddr' ? 'source' : 'destination'] = cidr;
    reading.parts.push(`ip ${address} ${cidr.text}`);
    return true;
  }
  const masked = field(left, '&');
  if (
    Array.isArray(masked) &&
    field(masked[0], 'payload', 'protocol') === 'tcp' &&
    field(masked[0], 'payload', 'field') === 'flags' &&
    JSON.stringify(masked[1]) === '["syn","rst"]' &&
    right === 'syn'
  ) {
    reading.match.tcpSyn = true;
    reading.parts.push('tcp flags & (syn | rst) == syn');
    return true;
  }
  return false;
}

function readNetmap(reading: Reading, verb: 'dnat' | 'snat', expr: Json): boolean {
  const addressField = verb === 'dnat' ? 'daddr' : 'saddr';
  const map = field(expr, 'addr', 'map');
  const elements = field(map, 'data', 'set');
  if (
    // nft leaves the family out when both sides of the map are single addresses.
    (field(expr, 'family') ?? 'ip') !== 'ip' ||
    field(expr, 'flags') !== 'netmap' ||
    field(expr, 'type_flags') !== 'prefix' ||
    field(map, 'key', 'payload', 'field') !== addressField ||
    !Array.isArray(elements) ||
    elements.length !== 1 ||
    !Array.isArray(elements[0])
  ) {
    return false;
  }
  const from = cidrOf(elements[0][0]);
  const to = cidrOf(elements[0][1]);
  if (!from || !to) return false;
  reading.action = { type: 'netmap', to };
  reading.parts.push(`${verb} ip prefix to ip ${addressField} map { ${from.text} : ${to.text} }`);
  return true;
}

function readExpression(reading: Reading, expr: Json): boolean {
  if (!isObject(expr)) return false;
  const [name, body] = Object.entries(expr)[0] ?? [];
  switch (name) {
    case 'match':
      return isObject(body) && readMatch(reading, body);
    case 'counter': {
      const packets = field(body, 'packets');
      const bytes = field(body, 'bytes');
      if (typeof packets !== 'number' || typeof bytes !== 'number') return false;
      reading.counter = { packets: BigInt(packets), bytes: BigInt(bytes) };
      reading.parts.push('counter');
      return true;
    }
    case 'dnat':
    case 'snat':
      return readNetmap(reading, name, body);
    case 'masquerade':
    case 'accept':
      reading.action = { type: name };
      reading.parts.push(name);
      return body === null;
    case 'mangle':
      if (
        field(body, 'key', 'tcp option', 'name') !== 'maxseg' ||
        field(body, 'key', 'tcp option', 'field') !== 'size' ||
        field(body, 'value', 'rt', 'key') !== 'mtu'
      ) {
        return false;
      }
      reading.action = { type: 'clamp-mss' };
      reading.parts.push('tcp option maxseg size set rt mtu');
      return true;
    default:
      return false;
  }
}

/**
 * Reads a rule back. It is ours only if every expression is one we write and the whole, re-rendered, reads the
 * same: a netmap whose map disagrees with the match, a missing counter or any extra expression makes it foreign.
 */
function readRule(chain: ChainRef, exprs: Json, comment: Json): { rule: Rule | undefined; text: string; counter: Counter } {
  const reading: Reading = { match: {}, parts: [], understood: true };
  for (const expr of Array.isArray(exprs) ? exprs : []) {
    let known = false;
    try {
      known = readExpression(reading, expr);
    } catch {
      known = false;
    }
    if (!known) {
      reading.understood = false;
      reading.parts.push(JSON.stringify(expr));
    }
  }
  if (typeof comment === 'string') reading.parts.push(`comment ${JSON.stringify(comment)}`);
  const text = reading.parts.join(' ');
  const counter = reading.counter ?? { packets: 0n, bytes: 0n };
  const parsed = typeof comment === 'string' ? parseComment(comment) : undefined;
  if (!reading.understood || !reading.action || !parsed || typeof comment !== 'string') return { rule: undefined, text, counter };
  const rule: Rule = {
    ...chain,
    match: reading.match,
    action: reading.action,
    comment,
    ...('mapping' in parsed ? { mapping: parsed.mapping } : {}),
  };
  let canonical = false;
  try {
    canonical = nftRuleText(rule) === text;
  } catch {
    canonical = false;
  }
  return { rule: canonical ? rule : undefined, text, counter };
}

const HOOKS: readonly Hook[] = ['prerouting', 'output', 'postrouting', 'forward'];

/**
 * Where a chain of our table sits. A chain is ours only exactly as we create it; a foreign base chain is placed by
 * its hook (and by priority for mangle) so its rules show as foreign in the right place.
 */
function placeChain(chain: JsonObject): { ref: ChainRef; owned: boolean } | undefined {
  const owned = NFT_CHAINS.find(
    (spec) =>
      spec.name === chain['name'] && spec.type === chain['type'] && spec.hook === chain['hook'] && spec.prio === chain['prio'] && chain['policy'] === 'accept',
  );
  if (owned) return { ref: { table: owned.table, hook: owned.hook }, owned: true };
  const hook = HOOKS.find((h) => h === chain['hook']);
  if (!hook) return undefined;
  const table = chain['type'] === 'nat' ? 'nat' : chain['prio'] === -150 ? 'mangle' : 'filter';
  return { ref: { table, hook }, owned: false };
}

/**
 * Parses `nft -j list table ip|ip6 overlap` or `nft -j list ruleset` (other tables, and ours of the other family,
 * are ignored). Rules in chains of our
 * table that are not hooked (so reached only by a foreign jump) are left out; their chain is listed as foreign,
 * and deleting the table removes them.
 */
export function parseNftJson(json: string, family: Family = 'IPv4'): LiveState {
  let document: Json;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new Error(`nft -j output is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const entries = field(document, 'nftables');
  if (!Array.isArray(entries)) throw new Error('nft -j output has no "nftables" array');
  const ours = (o: Json): o is JsonObject => isObject(o) && o['family'] === nftFamily(family) && o['table'] === NFT_TABLE;
  const placed = new Map<string, { ref: ChainRef; owned: boolean }>();
  const foreignChains: string[] = [];
  for (const entry of entries) {
    const chain = field(entry, 'chain');
    if (!ours(chain) || typeof chain['name'] !== 'string') continue;
    const place = placeChain(chain);
    if (place) placed.set(chain['name'], place);
    if (!place?.owned) foreignChains.push(chain['name']);
  }
  const rules: LiveRule[] = [];
  for (const entry of entries) {
    const rule = field(entry, 'rule');
    if (!ours(rule)) continue;
    const place = typeof rule['chain'] === 'string' ? placed.get(rule['chain']) : undefined;
    if (!place) continue;
    const read = readRule(place.ref, rule['expr'], rule['comment']);
    rules.push({
      ...place.ref,
      rule: place.owned ? read.rule : undefined,
      text: read.text,
      packets: read.counter.packets,
      bytes: read.counter.bytes,
    });
  }
  const chains = [...placed.values()].filter((p) => p.owned).map((p) => p.ref);
  const live: LiveState = {
    backend: 'nftables',
    ...(family === 'IPv6' ? { family } : {}),
    chains: inChainOrder(chains),
    jumps: [],
    rules: inChainOrder(rules),
  };
  return foreignChains.length === 0 ? live : { ...live, foreignChains };
}
