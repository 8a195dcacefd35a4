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

/** One mapping's counters: this reading's sum and the last reading's, kept from one reading to the next. */
interface Slot {
  readonly labels: TranslationLabels;
  packets: bigint;
  bytes: bigint;
  lastPackets: bigint;
  lastBytes: bigint;
  /** The last reading gave it: lastPackets and lastBytes hold what that reading showed. */
  seen: boolean;
  /** The reading that last summed into it. */
  reading: number;
}

/** Since the previous reading; a reading below it means the rule was re-created and started again from zero. */
const advance = (now: bigint, before: bigint): bigint => (now >= before ? now - before : now);

/**
 * Turns the kernel's per-rule counters (which restart at zero when a rule is re-created, e.g. after someone
 * flushed it) into the increments of monotonic Prometheus counters. What a re-created rule counted before its
 * first reading is all that is seen of it; traffic between the last reading and a flush is lost, never invented.
 */
export class TranslationCounterTracker {
  /** Per mapping seen in the last reading; updated in place, since thousands of rules come back every period. */
  readonly #slots = new Map<string, Slot>();
  #reading = 0;

  /**
   * One increment per mapping seen for the first time (so that its series exists, at zero if need be) and per
   * mapping whose counters moved; a mapping that counted nothing since the last reading gives none.
   */
  advance(rules: readonly CountedRule[]): TranslationIncrement[] {
    const reading = ++this.#reading;
    const summed: Slot[] = [];
    for (const live of rules) {
      const ref = live.rule?.mapping;
      if (!ref) continue;
      const { labels, key } = identityOf(ref);
      let slot = this.#slots.get(key);
      if (!slot) {
        slot = { labels, packets: 0n, bytes: 0n, lastPackets: 0n, lastBytes: 0n, seen: false, reading: 0 };
        this.#slots.set(key, slot);
      }
      if (slot.reading !== reading) {
        slot.reading = reading;
        slot.packets = live.packets;
        slot.bytes = live.bytes;
        summed.push(slot);
      } else {
        slot.packets += live.packets;
        slot.bytes += live.bytes;
      }
    }
    // A mapping missing from this reading is forgotten: when it comes back, its rules were re-created.
    for (const [key, slot] of this.#slots) if (slot.reading !== reading) this.#slots.delete(key);
    const increments: TranslationIncrement[] = [];
    for (const slot of summed) {
      if (slot.seen && slot.packets === slot.lastPackets && slot.bytes === slot.lastBytes) continue;
      increments.push({
        labels: slot.labels,
        packets: advance(slot.packets, slot.seen ? slot.lastPackets : 0n),
        bytes: advance(slot.bytes, slot.seen ? slot.lastBytes : 0n),
      });
      slot.lastPackets = slot.packets;
      slot.lastBytes = slot.bytes;
      slot.seen = true;
    }
    return increments;
  }
}
