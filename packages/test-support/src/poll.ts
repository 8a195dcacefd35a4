// Waiting for an asynchronous system (a watch, a queue, a process starting, an agent syncing) to reach a state.
// The bounds only keep a broken build from hanging; nothing is asserted about how long it took.
import { setTimeout as sleep } from 'node:timers/promises';

interface PollOptions {
  /** How long to keep asking, ms. */
  readonly timeoutMs?: number;
  /** The pause between two asks, ms. */
  readonly everyMs?: number;
}

/** Asks `probe` until it returns a value (not undefined); undefined once the time is up, for the caller to assert on. */
export async function poll<T>(probe: () => Promise<T | undefined> | T | undefined, options: PollOptions = {}): Promise<T | undefined> {
  const { timeoutMs = 20_000, everyMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return undefined;
    await sleep(everyMs);
  }
}

/** As `poll`, but running out of time is an error naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const value = await poll(check, { timeoutMs, everyMs });
  if (value === undefined) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
  return value;
}

/** Retries `check` (an assertion that throws until it holds) and returns its result; the last failure names what never happened. */
export async function eventually<T>(check: () => T | Promise<T>, what: string, boundMs = 20_000): Promise<T> {
  let lastError: unknown;
  const held = await poll(
    async () => {
      try {
        return { value: await check() };
      } catch (error) {
        lastError = error;
        return undefined;
      }
    },
    { timeoutMs: boundMs, everyMs: 25 },
  );
  if (!held) throw new Error(`never happened: ${what}: ${(lastError as Error)?.message ?? lastError}`);
  return held.value;
}
