import type { LiveRule, MappingRef } from '@overlap/natrules';

interface TranslationLabels {
  readonly kind: string;
  readonly original: string;
  readonly mapped: string;
  readonly direction: string;
}

export interface TranslationIncrement {
  readonly labels: TranslationLabels;
  readonly packets: bigint;
  readonly bytes: bigint;
}

/** A rule with its kernel counters: what a read shows, or what an apply wrote. */
export type CountedRule = Pick<LiveRule, 'rule' | 'packets' | 'bytes'>;

const labelsOf = (ref: MappingRef): TranslationLabels => ({
  kind: ref.kind,
  original: ref.original.text,
  mapped: ref.mapped.text,
  direction: ref.direction,
});

const keyOf = (labels: TranslationLabels): string => `${labels.kind} ${labels.original} ${labels.mapped} ${labels.direction}`;

/** Labels and key per mapping, computed once: the same mapping objects come back with every reading of a plan. */
const identities = new WeakMap<MappingRef, { labels: TranslationLabels; key: string }>();
function identityOf(ref: MappingRef): { labels: TranslationLabels; key: string } {
  let identity = identities.get(ref);
  if (!identity) {
    const labels = labelsOf(ref);
    identity = { labels, key: keyOf(labels) };
    identities.set(ref, identity);
  }
  return identity;
}

interface Totals {
  packets: bigint;
  bytes: bigint;
}

/** Since the previous reading; a reading below it means the rule was re-created and started again from zero. */
const advance = (now: bigint, before: bigint): bigint => (now >= before ? now - before : now);

/**
 * Turns the kernel's per-rule counters (which restart at zero when a rule is re-created, e.g. after someone
 * flushed it) into the increments of monotonic Prometheus counters. What a re-created rule counted before its
 * first reading is all that is seen of it; traffic between the last reading and a flush is lost, never invented.
 */
export class TranslationCounterTracker {
  readonly #last = new Map<string, Totals>();

  /**
   * One increment per mapping seen for the first time (so that its series exists, at zero if need be) and per
   * mapping whose counters moved; a mapping that counted nothing since the last reading gives none.
   */
  advance(rules: readonly CountedRule[]): TranslationIncrement[] {
    const now = new Map<string, { labels: TranslationLabels } & Totals>();
    for (const live of rules) {
      const ref = live.rule?.mapping;
      if (!ref) continue;
      const { labels, key } = identityOf(ref);
      const sum = now.get(key);
      if (sum) {
        sum.packets += live.packets;
        sum.bytes += live.bytes;
      } else now.set(key, { labels, packets: live.packets, bytes: live.bytes });
    }
    const increments: TranslationIncrement[] = [];
    for (const [key, current] of now) {
      const before = this.#last.get(key);
      if (before && current.packets === before.packets && current.bytes === before.bytes) continue;
      increments.push({
        labels: current.labels,
        packets: advance(current.packets, before?.packets ?? 0n),
        bytes: advance(current.bytes, before?.bytes ?? 0n),
      });
    }
    this.#last.clear();
    for (const [key, { packets, bytes }] of now) this.#last.set(key, { packets, bytes });
    return increments;
  }
}
