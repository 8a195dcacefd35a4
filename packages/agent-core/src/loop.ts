/**
 * Runs one task now and then every period, never two at once. A trigger during a run (SIGHUP) queues exactly one
 * more run right after it, so a burst of triggers costs one extra pass, not one per trigger. The task handles its
 * own errors (the sync never rejects).
 */
export class PeriodicRunner {
  readonly #task: (reason: string) => Promise<unknown>;
  readonly #periodMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #queued: string | undefined;
  #stopped = false;

  constructor(task: (reason: string) => Promise<unknown>, periodMs: number) {
    this.#task = task;
    this.#periodMs = periodMs;
  }

  /** Runs the task as soon as possible: now if idle, else right after the current run. */
  trigger(reason: string): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#queued = reason;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#runFrom(reason);
  }

  async #runFrom(first: string): Promise<void> {
    let reason: string | undefined = first;
    while (reason !== undefined && !this.#stopped) {
      this.#queued = undefined;
      await this.#task(reason);
      reason = this.#queued;
    }
    this.#running = undefined;
    if (!this.#stopped) this.#timer = setTimeout(() => this.trigger('timer'), this.#periodMs);
  }

  /** No new runs; resolves when the current one (if any) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
