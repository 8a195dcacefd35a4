import { parseNetworks, planMappings } from '@overlap/cidr';
import { type LiveRule, desiredRules } from '@overlap/natrules';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TranslationCounterTracker } from '../src/index.ts';

const RULES = desiredRules({
  role: 'seed',
  mappings: planMappings(parseNetworks({ seedPods: '10.1.0.0/16', pods: '10.1.0.0/16' })),
  tunnelDevice: 'bond0',
  egressDevice: 'eth0',
  envoyGid: 31415,
}).rules;
const POD_RULE = RULES.find((r) => r.mapping?.kind === 'pods')!;

const live = (packets: number, bytes = packets * 100, rule = POD_RULE): LiveRule => ({
  table: rule.table,
  hook: rule.hook,
  rule,
  text: rule.comment,
  packets: BigInt(packets),
  bytes: BigInt(bytes),
});

const podIncrement = (tracker: TranslationCounterTracker, rules: LiveRule[]) => tracker.advance(rules).find((i) => i.labels.kind === 'pods');

describe('TranslationCounterTracker', () => {
  it('labels each increment with the mapping and direction of its rule', () => {
    const increments = new TranslationCounterTracker().advance([live(3)]);
    expect(increments).toEqual([
      {
        labels: { kind: 'pods', original: '10.1.0.0/16', mapped: '244.0.0.0/16', direction: 'forward' },
        packets: 3n,
        bytes: 300n,
      },
    ]);
  });

  it('reports what was added since the previous reading', () => {
    const tracker = new TranslationCounterTracker();
    tracker.advance([live(3)]);
    expect(podIncrement(tracker, [live(10)])).toMatchObject({ packets: 7n, bytes: 700n });
    // Nothing counted since: no increment (the series exists since the first reading).
    expect(podIncrement(tracker, [live(10)])).toBeUndefined();
  });

  it('counts a re-created rule from zero instead of going backwards', () => {
    const tracker = new TranslationCounterTracker();
    tracker.advance([live(50)]);
    expect(podIncrement(tracker, [live(4)])).toMatchObject({ packets: 4n });
    // Gone for a reading (flushed), then back: starts from zero again.
    expect(tracker.advance([])).toEqual([]);
    expect(podIncrement(tracker, [live(2)])).toMatchObject({ packets: 2n });
  });

  it('adds up duplicate rules of one mapping and ignores rules of no mapping', () => {
    const { mapping: _unused, ...unmapped } = POD_RULE;
    const masquerade = { ...unmapped, comment: 'overlap masquerade' };
    const increments = new TranslationCounterTracker().advance([live(1), live(2), { ...live(9), rule: masquerade }]);
    expect(increments).toHaveLength(1);
    expect(increments[0]).toMatchObject({ packets: 3n, bytes: 300n });
  });

  it('never decreases and, without re-creation, sums to the last reading', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 30 }), (steps) => {
        const tracker = new TranslationCounterTracker();
        let value = 0;
        let total = 0n;
        for (const step of steps) {
          value += step;
          const increment = podIncrement(tracker, [live(value)]);
          expect(increment === undefined ? step === 0 : increment.packets >= 0n).toBe(true);
          total += increment?.packets ?? 0n;
        }
        expect(total).toBe(BigInt(value));
      }),
    );
  });
});
