import { type BackoffOptions, backoffDelay } from '@overlap/runtime';

/**
 * A keyed work queue like client-go's: a key waits at most once, is never worked on by two workers at a time, and
 * comes back after an exponential delay with jitter when it fails. A few workers overlap the API round trips of different shoots.
 */
export class WorkQueue {
  readonly #worker: (key: string) => Promise<void>;
  readonly #onError: (key: string, error: unknown) => void;
  readonly #pending = new Set<string>();
  readonly #active = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #backoff: BackoffOptions;
  readonly #workers: number;
  #running = 0;
  #stopped = false;
  #idle: Array<() => void> = [];

  constructor(options: {
    worker: (key: string) => Promise<void>;
    onError: (key: string, error: unknown) => void;
    baseDelayMs?: number;
    maxDelayMs?: number;
    workers?: number;
  }) {
    this.#worker = options.worker;
    this.#onError = options.onError;
    this.#backoff = { initialMs: options.baseDelayMs ?? 500, maxMs: options.maxDelayMs ?? 60_000 };
    this.#workers = options.workers ?? 4;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#pending.add(key);
    if (this.#running < this.#workers) void this.#work();
  }

  /** Resolves once nothing is pending or running (retries waiting on a timer do not count). */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.#pending.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** A key another worker holds stays pending; that worker picks it up again when it is done. */
  #next(): string | undefined {
    for (const key of this.#pending) {
      if (!this.#active.has(key)) {
        this.#pending.delete(key);
        return key;
      }
    }
    return undefined;
  }

  async #work(): Promise<void> {
    this.#running += 1;
    for (let key = this.#next(); key !== undefined && !this.#stopped; key = this.#next()) {
      this.#active.add(key);
      try {
        await this.#worker(key);
        this.#failures.delete(key);
      } catch (error) {
        this.#onError(key, error);
        this.#retryLater(key);
      } finally {
        this.#active.delete(key);
      }
    }
    this.#running -= 1;
    if (this.#running === 0 && (this.#pending.size === 0 || this.#stopped)) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #retryLater(key: string): void {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        this.add(key);
      },
      backoffDelay(failures, this.#backoff),
    );
    this.#timers.add(timer);
  }
}
