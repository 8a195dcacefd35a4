import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from '../src/index.ts';

describe('backoffDelay', () => {
  it('doubles from the first delay up to the cap, with no jitter when random is 0', () => {
    const options = { initialMs: 500, maxMs: 60_000, random: () => 0 };
    expect([1, 2, 3, 4, 8, 50].map((attempt) => backoffDelay(attempt, options))).toEqual([500, 1000, 2000, 4000, 60_000, 60_000]);
  });

  it('stays within [(1 - jitter) × full, full] and never above the cap, for any attempt and random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (initialMs, extra, attempt, jitter, draw) => {
          const maxMs = initialMs + extra;
          const full = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
          const delay = backoffDelay(attempt, { initialMs, maxMs, jitter, random: () => draw });
          expect(delay).toBeLessThanOrEqual(full);
          expect(delay).toBeGreaterThanOrEqual(full * (1 - jitter) - 1e-9);
          expect(delay).toBeLessThanOrEqual(maxMs);
        },
      ),
    );
  });

  it('spreads the delays of things that failed together', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(3, { initialMs: 1000, maxMs: 30_000 })));
    expect(delays.size).toBeGreaterThan(1);
  });
});

describe('Backoff', () => {
  it('counts failures until reset, then starts from the first delay again', () => {
    const backoff = new Backoff({ initialMs: 10, maxMs: 50, random: () => 0 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([10, 20, 40, 50]);
    backoff.reset();
    expect(backoff.next()).toBe(10);
  });
});
