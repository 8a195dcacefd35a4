import type { Family } from '@overlap/cidr';
import { parseIptablesSave } from './iptables-parse.ts';
import type { Backend, LiveRule, LiveState } from './model.ts';
import { parseNftJson } from './nft-parse.ts';

/**
 * A read's output with every counter value replaced by its position (1, 2, …; packets and bytes alike), and the
 * values in that order. Counters are all that changes between two reads of rules nobody touched; what is left, the
 * structure, decides everything else the parsers return. iptables-save also prints the time and the built-in
 * chains' policy counters, which say nothing about rules: both are blanked.
 */
function separateCounters(backend: Backend, text: string): Separated {
  return backend === 'nftables' ? separateNftCounters(text) : separateIptablesCounters(text);
}

interface Separated {
  readonly structure: string;
  readonly values: bigint[];
  /** iptables: where each comment line starts and ends (start, end, start, end, …). */
  readonly comments?: readonly number[];
}

function separateNftCounters(text: string): { structure: string; values: bigint[] } {
  const values: bigint[] = [];
  const structure = text.replace(/"packets": (\d+), "bytes": (\d+)/g, (_, packets: string, bytes: string) => {
    values.push(BigInt(packets), BigInt(bytes));
    const at = values.length / 2;
    return `"packets": ${at}, "bytes": ${at}`;
  });
  return { structure, values };
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/** The end of the digits starting at `from`, or -1 when there are none. */
function digitsEnd(text: string, from: number): number {
  let at = from;
  while (at < text.length && isDigit(text.charCodeAt(at))) at += 1;
  return at > from ? at : -1;
}

/** `[packets:bytes]` at `from`: the positions of its colon and closing bracket, or undefined. */
function countersAt(text: string, from: number): { colon: number; close: number } | undefined {
  if (text.charCodeAt(from) !== 91 /* [ */) return undefined;
  const colon = digitsEnd(text, from + 1);
  if (colon < 0 || text.charCodeAt(colon) !== 58 /* : */) return undefined;
  const close = digitsEnd(text, colon + 1);
  return close >= 0 && text.charCodeAt(close) === 93 /* ] */ ? { colon, close } : undefined;
}

/** `:NAME POLICY ` at `from` (both words without white space): where its counters would start, or -1. */
function policyCountersStart(text: string, from: number, lineEnd: number): number {
  let at = from + 1;
  for (let word = 0; word < 2; word += 1) {
    const start = at;
    // Saved chain names and policies are ASCII, where white space and control characters are all below 33.
    while (at < lineEnd && text.charCodeAt(at) > 32) at += 1;
    if (at === start || text.charCodeAt(at) !== 32) return -1;
    at += 1;
  }
  return at;
}

/**
 * One pass over the lines (the save of a busy host has tens of thousands): a comment line becomes `#`, a chain's
 * `:NAME POLICY [p:b]` gets `[0:0]`, a rule's leading `[p:b]` its position.
 */
function separateIptablesCounters(text: string): Separated {
  const values: bigint[] = [];
  const comments: number[] = [];
  const parts: string[] = [];
  /** Where the text not yet copied into parts starts. */
  let copied = 0;
  const replace = (from: number, to: number, by: string): void => {
    parts.push(text.slice(copied, from), by);
    copied = to;
  };
  for (let line = 0; line < text.length; ) {
    const newline = text.indexOf('\n', line);
    const lineEnd = newline < 0 ? text.length : newline;
    const first = text.charCodeAt(line);
    if (first === 35 /* # */) {
      replace(line, lineEnd, '#');
      comments.push(line, lineEnd);
    } else if (first === 91 /* [ */) {
      const counters = countersAt(text, line);
      if (counters) {
        values.push(BigInt(text.slice(line + 1, counters.colon)), BigInt(text.slice(counters.colon + 1, counters.close)));
        const at = values.length / 2;
        replace(line, counters.close + 1, `[${at}:${at}]`);
      }
    } else if (first === 58 /* : */) {
      const start = policyCountersStart(text, line, lineEnd);
      const counters = start < 0 ? undefined : countersAt(text, start);
      if (counters) replace(start, counters.close + 1, '[0:0]');
    }
    line = lineEnd + 1;
  }
  parts.push(text.slice(copied));
  return { structure: parts.join(''), values, comments };
}

/**
 * Whether a read is the previous one again, apart from iptables-save's comment lines (the time it ran); nft -j
 * prints none. The time stamps have one width, so the comment lines of an unchanged read are where they were last
 * time: the text between them is compared in place, and the first difference ends the comparison.
 */
function sameApartFromComments(previous: { output: string; comments?: readonly number[] }, output: string): boolean {
  const { output: last, comments = [] } = previous;
  if (last.length !== output.length) return false;
  let from = 0;
  for (let at = 0; at < comments.length; at += 2) {
    const [start, end] = [comments[at]!, comments[at + 1]!];
    if (last.slice(from, start) !== output.slice(from, start)) return false;
    if (output.charCodeAt(start) !== 35 /* # */ || output.indexOf('\n', start) !== (end === output.length ? -1 : end)) return false;
    from = end;
  }
  return last.slice(from) === output.slice(from);
}

/** One read of a backend (`iptables-save --counters` or `nft -j list table …`), parsed by that backend's parser. */
export function parseLive(backend: Backend, output: string, family: Family = 'IPv4'): LiveState {
  return backend === 'iptables' ? parseIptablesSave(output, family) : parseNftJson(output, family);
}

/**
 * A rule parsed from a structure carries its counters' position (0: it has none); this puts the values in. Given
 * the same rule as read last time, with that reading's values, a rule whose counters did not move is that one.
 */
function withCounters(rule: LiveRule, values: readonly bigint[], previous?: LiveRule, previousValues?: readonly bigint[]): LiveRule {
  if (rule.packets === 0n) return rule;
  const at = 2 * (Number(rule.packets) - 1);
  const packets = values[at]!;
  const bytes = values[at + 1]!;
  if (previous !== undefined && previousValues?.[at] === packets && previousValues[at + 1] === bytes) return previous;
  return { ...rule, packets, bytes };
}

export interface LiveReading {
  readonly live: LiveState;
  /** Everything but the counters is as in the previous output given to this parser (so a diff of that still holds). */
  readonly unchanged: boolean;
  /**
   * The counters too (only iptables-save's time stamp may differ): `live` is then the very object of the previous
   * reading, so whoever kept what it made of that reading may keep it.
   */
  readonly same: boolean;
}

/**
 * Parses one backend's reads of one family in a row (`iptables-save --counters`, `nft -j list table …`), and parses
 * again only when something besides the counters changed: an agent reads the same rules every period, and with
 * thousands of them parsing is most of a sync's own work. An output equal to the previous one (apart from the time
 * stamp: nothing counted in between) is not even taken apart. Gives what parseIptablesSave / parseNftJson give.
 */
export function createLiveParser(backend: Backend, family: Family = 'IPv4'): (output: string) => LiveReading {
  let last: { output: string; comments?: readonly number[]; structure: string; values: readonly bigint[]; template: LiveState; live: LiveState } | undefined;
  return (output) => {
    if (last !== undefined && sameApartFromComments(last, output)) {
      last.output = output;
      return { live: last.live, unchanged: true, same: true };
    }
    const { structure, values, comments } = separateCounters(backend, output);
    const before = last?.structure === structure ? last : undefined;
    const template = before?.template ?? parseLive(backend, structure, family);
    // Same structure, same template: rule i is the rule i of the last reading.
    const rules = template.rules.map((rule, i) => withCounters(rule, values, before?.live.rules[i], before?.values));
    const live = { ...template, rules };
    last = { output, ...(comments === undefined ? {} : { comments }), structure, values, template, live };
    return { live, unchanged: before !== undefined, same: false };
  };
}
