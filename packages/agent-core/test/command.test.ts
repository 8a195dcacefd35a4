import { describe, expect, it } from 'vitest';
import { CommandError, createCommandRunner, timingFor } from '../src/index.ts';

const run = createCommandRunner();

describe('createCommandRunner', () => {
  it('passes standard input and returns the output', async () => {
    expect(await run(['cat'], 'hello\n')).toEqual({ stdout: 'hello\n', stderr: '' });
  });

  it('rejects with the exit code and standard error of a failing program', async () => {
    const error = await run(['sh', '-c', 'echo broken >&2; exit 3']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ exitCode: 3, stderr: 'broken\n' });
    expect((error as Error).message).toBe('sh -c echo broken >&2; exit 3 exited with 3: broken');
  });

  it('rejects without an exit code when the program does not exist', async () => {
    const error = await run(['overlap-no-such-program']).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: undefined });
    expect((error as Error).message).toContain('could not be started');
  });
});

describe('command deadlines', () => {
  it('kills a program that runs past its deadline and names it', async () => {
    const bounded = createCommandRunner({ deadlineMs: 200 });
    const error = await bounded(['sleep', '1000']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ cutOff: 'deadline', exitCode: undefined });
    expect((error as Error).message).toBe('sleep 1000 did not finish within 0.2 s and was killed');
  });

  it('kills a running program when its caller gives up, and starts none after that', async () => {
    const stop = new AbortController();
    const running = run(['sleep', '1000'], undefined, { signal: stop.signal }).catch((e: unknown) => e);
    stop.abort();
    expect(await running).toMatchObject({ cutOff: 'aborted', message: 'sleep 1000 was killed: the sync was given up' });
    expect(await run(['true'], undefined, { signal: stop.signal }).catch((e: unknown) => e)).toMatchObject({ cutOff: 'aborted' });
  });

  it('lets a program that finishes in time succeed', async () => {
    expect(await createCommandRunner({ deadlineMs: 5000 })(['echo', 'ok'])).toEqual({ stdout: 'ok\n', stderr: '' });
  });
});

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
