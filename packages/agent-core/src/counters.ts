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

const labelsOf = (ref: MappingRef): TranslationLabels => ({
  kind: ref.kind,
  original: ref.original.text,
  mapped: ref.mapped.text,
  direction: ref.direction,
});

const keyOf = (labels: TranslationLabels): string => `${labels.kind} ${labels.original} ${labels.mapped} ${labels.direction}`;

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

  advance(rules: readonly LiveRule[]): TranslationIncrement[] {
    const now = new Map<string, { labels: TranslationLabels } & Totals>();
    for (const live of rules) {
      const ref = live.rule?.mapping;
      if (!ref) continue;
      const labels = labelsOf(ref);
      const key = keyOf(labels);
      const sum = now.get(key) ?? { labels, packets: 0n, bytes: 0n };
      now.set(key, { labels, packets: sum.packets + live.packets, bytes: sum.bytes + live.bytes });
    }
    const increments: TranslationIncrement[] = [];
    for (const [key, current] of now) {
      const before = this.#last.get(key) ?? { packets: 0n, bytes: 0n };
      increments.push({
        labels: current.labels,
        packets: advance(current.packets, before.packets),
        bytes: advance(current.bytes, before.bytes),
      });
    }
    this.#last.clear();
    for (const [key, { packets, bytes }] of now) this.#last.set(key, { packets, bytes });
    return increments;
  }
}
