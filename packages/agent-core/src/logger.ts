import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * Levels as words and times as ISO 8601, so `kubectl logs` and Gardener's fluent-bit read the lines without a
 * parser (pino's defaults are numbers for both).
 */
export const READABLE_LOG_FIELDS = {
  formatters: { level: (label: string) => ({ level: label }) },
  timestamp: pino.stdTimeFunctions.isoTime,
} as const;

/** JSON lines for machines; readable lines only when a person watches a terminal. */
export function createLogger(name: string, level: string, context: Readonly<Record<string, unknown>> = {}): Logger {
  const options = { name, level, base: { component: name, ...context }, ...READABLE_LOG_FIELDS };
  if (process.stderr.isTTY) return pino(options, pretty({ destination: 2, sync: true }));
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
