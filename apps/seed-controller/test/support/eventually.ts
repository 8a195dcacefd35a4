/**
 * Waits for an asynchronous system (watch → queue → API writes) to reach a state. The bound only keeps a broken
 * build from hanging; nothing is asserted about how long it took.
 */
export async function eventually<T>(check: () => T | Promise<T>, what: string, boundMs = 20_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`never happened: ${what}: ${(lastError as Error)?.message ?? lastError}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
