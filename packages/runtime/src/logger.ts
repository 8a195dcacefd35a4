import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Levels as words and times as ISO 8601, so `kubectl logs` and Gardener's fluent-bit read the lines without a
 * parser (pino's defaults are numbers for both). An error is logged under `err`, which pino serializes.
 */
const READABLE_LOG_FIELDS = {
  formatters: { level: (label: string) => ({ level: label }) },
  timestamp: pino.stdTimeFunctions.isoTime,
} as const;

export interface LoggerOptions {
  /** The program, as `name` and `component` on every line. */
  readonly name: string;
  readonly level: string;
  /** Fields on every line, e.g. the pod the process runs in. */
  readonly context?: Readonly<Record<string, unknown>>;
}

/**
 * JSON lines on stderr for machines; readable lines only when a person watches a terminal. Written synchronously:
 * the last lines before an exit are the ones that matter.
 */
export function createLogger({ name, level, context = {} }: LoggerOptions): Logger {
  const options = { name, level, base: { component: name, ...context }, ...READABLE_LOG_FIELDS };
  if (process.stderr.isTTY) return pino(options, prettyPrinter()({ destination: 2, sync: true }));
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

/**
 * pino-pretty, loaded only for a terminal: a pod's agent never has one, and evaluating it (with its colour and date
 * helpers) costs every process ~2 MiB. A bundle's `require` is esbuild's (the module is in the bundle, evaluated on
 * the first call); running from source, Node's require from here.
 */
function prettyPrinter(): typeof import('pino-pretty') {
  return (typeof require === 'function' ? require('pino-pretty') : createRequire(import.meta.url)('pino-pretty')) as typeof import('pino-pretty');
}
