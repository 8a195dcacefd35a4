import type { Cidr, Family } from '@overlap/cidr';
import { parseCidrCached } from './cidr-cache.ts';
import { parseComment } from './comment.ts';
import { fromNftDevice } from './device.ts';
import { type ChainRef, type Hook, type LiveRule, type LiveState, type Rule, type RuleAction, type RuleMatch, inChainOrder } from './model.ts';
import { NFT_CHAINS, NFT_TABLE, nftFamily } from './nft-chains.ts';
import { nftMapName, nftMapRuleText, nftRuleText } from './nft-render.ts';

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
  /** A netmap rule: the map it looks its translations up in. */
  map?: { name: string; field: 'daddr' | 'saddr' };
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

/** A map lookup `dnat|snat ip prefix to ip daddr|saddr map @name`; the elements are read with the map. */
function readNetmap(reading: Reading, verb: 'dnat' | 'snat', expr: Json): boolean {
  const addressField = verb === 'dnat' ? 'daddr' : 'saddr';
  const map = field(expr, 'addr', 'map');
  const data = field(map, 'data');
  if (
    field(expr, 'family') !== 'ip' ||
    field(expr, 'flags') !== 'netmap' ||
    field(expr, 'type_flags') !== 'prefix' ||
    field(map, 'key', 'payload', 'protocol') !== 'ip' ||
    field(map, 'key', 'payload', 'field') !== addressField ||
    typeof data !== 'string' ||
    !data.startsWith('@')
  ) {
    return false;
  }
  reading.map = { name: data.slice(1), field: addressField };
  reading.parts.push(`${verb} ip prefix to ip ${addressField} map ${data}`);
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

interface Read {
  rule: Rule | undefined;
  text: string;
  counter: Counter;
}

const ZERO: Counter = { packets: 0n, bytes: 0n };

/** Whatever of a map element could be read; the element is ours only if all of it is there. */
interface MapElement {
  from?: Cidr | undefined;
  to?: Cidr | undefined;
  comment?: string;
  counter?: Counter;
}

/** A map of our table: `canonical` if declared exactly as nft-render.ts declares it. */
interface NftMap {
  canonical: boolean;
  elements: MapElement[];
}

const safeCidr = (value: Json): Cidr | undefined => {
  try {
    return cidrOf(value);
  } catch {
    return undefined;
  }
};

/** `[key, value]`; a key with a comment or counter is wrapped as `{elem: {val, comment, counter}}`. */
function readElement(pair: Json): MapElement {
  const [key, value] = Array.isArray(pair) ? pair : [];
  const elem = field(key, 'elem');
  const comment = field(elem, 'comment');
  const packets = field(elem, 'counter', 'packets');
  const bytes = field(elem, 'counter', 'bytes');
  return {
    from: safeCidr(elem === undefined ? key : field(elem, 'val')),
    to: safeCidr(value),
    ...(typeof comment === 'string' ? { comment } : {}),
    ...(typeof packets === 'number' && typeof bytes === 'number' ? { counter: { packets: BigInt(packets), bytes: BigInt(bytes) } } : {}),
  };
}

function readMap(map: JsonObject): NftMap {
  const canonical =
    map['type'] === 'ipv4_addr' &&
    map['map'] === 'ipv4_addr' &&
    JSON.stringify(map['flags']) === '["interval"]' &&
    JSON.stringify(map['stmt']) === '[{"counter":null}]';
  return { canonical, elements: Array.isArray(map['elem']) ? map['elem'].map(readElement) : [] };
}

/**
 * A map rule stands for one rule per element of its map. The rule must be exactly the chain's lookup into the
 * chain's map as we declare it (no counter or comment of its own: the elements carry both); an element is ours
 * when its comment names the same mapping and it re-renders the same. A map rule that is not ours, or whose map
 * is empty, is one foreign rule.
 */
function expandMapRule(chain: ChainRef, reading: Reading, text: string, comment: Json, maps: ReadonlyMap<string, NftMap>): Read[] {
  const lookup = reading.map!;
  const map = maps.get(lookup.name);
  const ours =
    reading.understood &&
    map?.canonical === true &&
    map.elements.length > 0 &&
    comment === undefined &&
    reading.counter === undefined &&
    lookup.name === nftMapName(chain);
  if (!ours) return [{ rule: undefined, text, counter: reading.counter ?? ZERO }];
  // An element re-renders as the chain's lookup rule followed by its own pair and comment, both written from the
  // values read (a comment parseComment accepts needs no escaping), so only the lookup part can differ: it is the
  // same for every element, and compared once.
  let lookupCanonical: boolean | undefined;
  return map.elements.map((element) => {
    const commentText = element.comment === undefined ? '' : ` comment ${JSON.stringify(element.comment)}`;
    const elementText = `${text} { ${element.from?.text ?? '?'} : ${element.to?.text ?? '?'} }${commentText}`;
    const counter = element.counter ?? ZERO;
    const parsed = element.comment === undefined ? undefined : parseComment(element.comment);
    if (!element.from || !element.to || !element.counter || !parsed || element.comment === undefined) {
      return { rule: undefined, text: elementText, counter };
    }
    const rule: Rule = {
      ...chain,
      match: { ...reading.match, [lookup.field === 'daddr' ? 'destination' : 'source']: element.from },
      action: { type: 'netmap', to: element.to },
      comment: element.comment,
      ...('mapping' in parsed ? { mapping: parsed.mapping } : {}),
    };
    lookupCanonical ??= nftMapRuleText(rule) === text;
    return { rule: lookupCanonical ? rule : undefined, text: elementText, counter };
  });
}

function canonicalText(rule: Rule): string | undefined {
  try {
    return nftRuleText(rule);
  } catch {
    return undefined;
  }
}

/**
 * Reads a rule back, as one or (a map rule) many. It is ours only if every expression is one we write and the whole,
 * re-rendered, reads the same: a missing counter or any extra expression makes it foreign.
 */
function readRule(chain: ChainRef, exprs: Json, comment: Json, maps: ReadonlyMap<string, NftMap>): Read[] {
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
  if (reading.map) return expandMapRule(chain, reading, text, comment, maps);
  const counter = reading.counter ?? ZERO;
  const parsed = typeof comment === 'string' ? parseComment(comment) : undefined;
  if (!reading.understood || !reading.action || !parsed || typeof comment !== 'string') return [{ rule: undefined, text, counter }];
  const rule: Rule = {
    ...chain,
    match: reading.match,
    action: reading.action,
    comment,
    ...('mapping' in parsed ? { mapping: parsed.mapping } : {}),
  };
  return [{ rule: canonicalText(rule) === text ? rule : undefined, text, counter }];
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
 * are ignored). A netmap rule is read as one rule per element of the map it looks up, each with the element's
 * comment and counter, so the model stays one rule per mapping in both backends. Rules in chains of our table that
 * are not hooked (so reached only by a foreign jump) are left out; their chain is listed as foreign,
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
  const maps = new Map<string, NftMap>();
  for (const entry of entries) {
    const map = field(entry, 'map');
    if (ours(map) && typeof map['name'] === 'string') maps.set(map['name'], readMap(map));
  }
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
    for (const read of readRule(place.ref, rule['expr'], rule['comment'], maps)) {
      rules.push({
        ...place.ref,
        rule: place.owned ? read.rule : undefined,
        text: read.text,
        packets: read.counter.packets,
        bytes: read.counter.bytes,
      });
    }
  }
  const chains = [...placed.values()].filter((p) => p.owned).map((p) => p.ref);
  const tablePresent = entries.some((entry) => {
    const table = field(entry, 'table');
    return isObject(table) && table['family'] === nftFamily(family) && table['name'] === NFT_TABLE;
  });
  const live: LiveState = {
    backend: 'nftables',
    ...(family === 'IPv6' ? { family } : {}),
    chains: inChainOrder(chains),
    jumps: [],
    rules: inChainOrder(rules),
    ...(tablePresent ? { tablePresent } : {}),
  };
  return foreignChains.length === 0 ? live : { ...live, foreignChains };
}
