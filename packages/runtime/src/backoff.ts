export interface BackoffOptions {
  /** The first delay. */
  readonly initialMs: number;
  /** No delay is longer than this. */
  readonly maxMs: number;
  /** Each failure multiplies the delay by this (default 2). */
  readonly factor?: number;
  /**
   * Up to this fraction of each delay is taken off at random (default 0.2), so that replicas or keys that failed
   * together do not all retry in the same instant.
   */
  readonly jitter?: number;
  /** A number in [0, 1); a parameter so that tests can pin it. */
  readonly random?: () => number;
}

/** The delay before retry number `attempt` (1 for the first): exponential, capped, with jitter below the cap. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const { initialMs, maxMs, factor = 2, jitter = 0.2, random = Math.random } = options;
  const full = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt - 1));
  return full - full * jitter * random();
}

/** The delays of one thing that keeps failing; `reset()` once it works again. */
export class Backoff {
  readonly #options: BackoffOptions;
  #attempts = 0;

  constructor(options: BackoffOptions) {
    this.#options = options;
  }

  next(): number {
    this.#attempts += 1;
    return backoffDelay(this.#attempts, this.#options);
  }

  reset(): void {
    this.#attempts = 0;
  }
}
