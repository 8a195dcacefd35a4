import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/** JSON lines for machines; readable lines only when a person watches a terminal. */
export function createLogger(name: string, level: string, context: Readonly<Record<string, unknown>> = {}): Logger {
  const options = { name, level, base: { component: name, ...context } };
  if (process.stderr.isTTY) return pino(options, pretty({ destination: 2, sync: true }));
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
