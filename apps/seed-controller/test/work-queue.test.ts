import { describe, expect, it } from 'vitest';
import { eventually } from '@overlap/test-support';
import { WorkQueue } from '../src/controller/work-queue.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('WorkQueue', () => {
  it('works each waiting key once, however often it was added', async () => {
    const seen: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = new WorkQueue({
      workers: 1,
      onError: () => undefined,
      worker: async (key) => {
        seen.push(key);
        if (key === 'busy') await gate;
      },
    });
    queue.add('busy');
    for (const key of ['a', 'b', 'a', 'c', 'b']) queue.add(key);
    release();
    await queue.idle();
    expect(seen).toEqual(['busy', 'a', 'b', 'c']);
  });

  it('never works one key on two workers at once, and works a key added meanwhile again afterwards', async () => {
    const running = new Set<string>();
    let overlapped = false;
    const done: string[] = [];
    const release: Array<() => void> = [];
    const queue = new WorkQueue({
      workers: 4,
      onError: () => undefined,
      worker: async (key) => {
        if (running.has(key)) overlapped = true;
        running.add(key);
        await new Promise<void>((resolve) => release.push(resolve));
        running.delete(key);
        done.push(key);
      },
    });
    queue.add('a');
    queue.add('b');
    await tick();
    queue.add('a'); // while 'a' is being worked on
    await tick();
    expect(release).toHaveLength(2);
    for (const resolve of release.splice(0)) resolve();
    await eventually(() => expect(release).toHaveLength(1), 'a runs again');
    for (const resolve of release.splice(0)) resolve();
    await queue.idle();
    expect(overlapped).toBe(false);
    expect(done.sort()).toEqual(['a', 'a', 'b']);
  });

  it('retries a failing key and reports each failure', async () => {
    let attempts = 0;
    const errors: string[] = [];
    const queue = new WorkQueue({
      baseDelayMs: 1,
      onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`),
      worker: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error(`attempt ${attempts}`);
      },
    });
    queue.add('x');
    await eventually(() => expect(attempts).toBe(3), 'third attempt');
    expect(errors).toEqual(['x: attempt 1', 'x: attempt 2']);
    queue.stop();
  });
});
