/**
 * A keyed work queue like client-go's: a key waits at most once, one key is worked on at a time, and a failed key
 * comes back after an exponential delay. Serial on purpose: the API writes per shoot are few and small.
 */
export class WorkQueue {
  readonly #worker: (key: string) => Promise<void>;
  readonly #onError: (key: string, error: unknown) => void;
  readonly #pending = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  #running = false;
  #stopped = false;
  #idle: Array<() => void> = [];

  constructor(options: {
    worker: (key: string) => Promise<void>;
    onError: (key: string, error: unknown) => void;
    baseDelayMs?: number;
    maxDelayMs?: number;
  }) {
    this.#worker = options.worker;
    this.#onError = options.onError;
    this.#baseDelayMs = options.baseDelayMs ?? 500;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  add(key: string): void {
    if (this.#stopped) return;
    this.#pending.add(key);
    void this.#drain();
  }

  get length(): number {
    return this.#pending.size;
  }

  /** Resolves once nothing is pending or running (retries waiting on a timer do not count). */
  idle(): Promise<void> {
    if (!this.#running && this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    this.#pending.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    while (this.#pending.size > 0 && !this.#stopped) {
      const key = this.#pending.values().next().value!;
      this.#pending.delete(key);
      try {
        await this.#worker(key);
        this.#failures.delete(key);
      } catch (error) {
        this.#onError(key, error);
        this.#retryLater(key);
      }
    }
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #retryLater(key: string): void {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const delay = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (failures - 1));
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.add(key);
    }, delay);
    this.#timers.add(timer);
  }
}
