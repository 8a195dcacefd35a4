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
function separateCounters(backend: Backend, text: string): { structure: string; values: bigint[] } {
  const values: bigint[] = [];
  const keep = (packets: string, bytes: string): number => {
    values.push(BigInt(packets), BigInt(bytes));
    return values.length / 2;
  };
  if (backend === 'nftables') {
    const structure = text.replace(/"packets": (\d+), "bytes": (\d+)/g, (_, packets: string, bytes: string) => {
      const at = keep(packets, bytes);
      return `"packets": ${at}, "bytes": ${at}`;
    });
    return { structure, values };
  }
  const structure = text
    .replace(/^#.*$/gm, '#')
    .replace(/^(:\S+ \S+ )\[\d+:\d+\]/gm, '$1[0:0]')
    .replace(/^\[(\d+):(\d+)\]/gm, (_, packets: string, bytes: string) => {
      const at = keep(packets, bytes);
      return `[${at}:${at}]`;
    });
  return { structure, values };
}

/** One read of a backend (`iptables-save --counters` or `nft -j list table …`), parsed by that backend's parser. */
export function parseLive(backend: Backend, output: string, family: Family = 'IPv4'): LiveState {
  return backend === 'iptables' ? parseIptablesSave(output, family) : parseNftJson(output, family);
}

/** A rule parsed from a structure carries its counters' position (0: it has none); this puts the values in. */
function withCounters(rule: LiveRule, values: readonly bigint[]): LiveRule {
  if (rule.packets === 0n) return rule;
  const at = 2 * (Number(rule.packets) - 1);
  return { ...rule, packets: values[at]!, bytes: values[at + 1]! };
}

export interface LiveReading {
  readonly live: LiveState;
  /** Everything but the counters is as in the previous output given to this parser (so a diff of that still holds). */
  readonly unchanged: boolean;
}

/**
 * Parses one backend's reads of one family in a row (`iptables-save --counters`, `nft -j list table …`), and parses
 * again only when something besides the counters changed: an agent reads the same rules every period, and with
 * thousands of them parsing is most of a sync's own work. Gives what parseIptablesSave / parseNftJson give.
 */
export function createLiveParser(backend: Backend, family: Family = 'IPv4'): (output: string) => LiveReading {
  let last: { structure: string; template: LiveState } | undefined;
  return (output) => {
    const { structure, values } = separateCounters(backend, output);
    const unchanged = last?.structure === structure;
    if (!unchanged) last = { structure, template: parseLive(backend, structure, family) };
    const template = last!.template;
    return { live: { ...template, rules: template.rules.map((rule) => withCounters(rule, values)) }, unchanged };
  };
}
