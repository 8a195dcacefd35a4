import { describe, expect, it } from 'vitest';
import { timingFor } from '../src/index.ts';

describe('timingFor', () => {
  it('derives every bound from the period: a fraction for programs, a few periods for staleness', () => {
    expect(timingFor(30)).toEqual({
      periodMs: 30_000,
      commandDeadlineMs: 15_000,
      lockWaitSeconds: 14,
      syncDeadlineMs: 30_000,
      staleAfterMs: 120_000,
      teardownBoundMs: 10_000,
      teardownCommandDeadlineMs: 4_000,
    });
    expect(timingFor(1)).toMatchObject({ commandDeadlineMs: 2_000, lockWaitSeconds: 1, syncDeadlineMs: 4_000, staleAfterMs: 7_000 });
    expect(timingFor(3600)).toMatchObject({ commandDeadlineMs: 20_000, lockWaitSeconds: 19 });
  });

  it('keeps the lock wait inside the program deadline and the teardown inside a 30 s grace period', () => {
    for (const period of [0.5, 1, 2, 5, 30, 60, 600, 86_400]) {
      const t = timingFor(period);
      expect(t.lockWaitSeconds * 1000).toBeLessThan(t.commandDeadlineMs);
      expect(t.syncDeadlineMs).toBeGreaterThanOrEqual(t.commandDeadlineMs);
      expect(t.staleAfterMs).toBeGreaterThan(t.periodMs + t.syncDeadlineMs);
      expect(t.teardownBoundMs).toBeLessThanOrEqual(15_000);
    }
  });
});
