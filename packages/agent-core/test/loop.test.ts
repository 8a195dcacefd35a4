import { describe, expect, it } from 'vitest';
import { PeriodicRunner } from '../src/index.ts';

/** A task whose runs finish only when the test says so. */
function gatedTask() {
  const reasons: string[] = [];
  const gates: Array<() => void> = [];
  let active = 0;
  let maxActive = 0;
  const task = (reason: string) => {
    reasons.push(reason);
    active += 1;
    maxActive = Math.max(maxActive, active);
    return new Promise<void>((resolve) =>
      gates.push(() => {
        active -= 1;
        resolve();
      }),
    );
  };
  const release = async () => {
    gates.shift()?.();
    // Let the runner see the finished run and start the next one.
    for (let i = 0; i < 5; i += 1) await Promise.resolve();
  };
  return { task, reasons, release, maxActive: () => maxActive };
}

describe('PeriodicRunner', () => {
  it('runs at once, never twice at the same time, and folds a burst of triggers into one more run', async () => {
    const gated = gatedTask();
    const runner = new PeriodicRunner(gated.task, 3_600_000);
    runner.trigger('start');
    runner.trigger('SIGHUP');
    runner.trigger('SIGHUP');
    expect(gated.reasons).toEqual(['start']);
    await gated.release();
    expect(gated.reasons).toEqual(['start', 'SIGHUP']);
    await gated.release();
    expect(gated.reasons).toEqual(['start', 'SIGHUP']);
    expect(gated.maxActive()).toBe(1);
    await runner.stop();
  });

  it('stop waits for the current run and prevents any further run', async () => {
    const gated = gatedTask();
    const runner = new PeriodicRunner(gated.task, 3_600_000);
    runner.trigger('start');
    runner.trigger('SIGHUP');
    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    await Promise.resolve();
    expect(stopped).toBe(false);
    await gated.release();
    await stopping;
    runner.trigger('SIGHUP');
    expect(gated.reasons).toEqual(['start']);
  });

  it('runs again after the period', async () => {
    const reasons: string[] = [];
    const runner = new PeriodicRunner(async (reason) => {
      reasons.push(reason);
    }, 1);
    const second = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (reasons.length >= 2) {
          clearInterval(poll);
          resolve();
        }
      }, 1);
    });
    runner.trigger('start');
    await second;
    await runner.stop();
    expect(reasons.slice(0, 2)).toEqual(['start', 'timer']);
  });
});
