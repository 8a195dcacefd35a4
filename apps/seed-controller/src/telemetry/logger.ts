import { READABLE_LOG_FIELDS } from '@overlap/agent-core';
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * JSON lines for machines; readable lines only when a person watches a terminal. Written synchronously: the
 * controller logs little, and the last lines before an exit are the ones that matter.
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { name, level, base: { component: name }, ...READABLE_LOG_FIELDS };
  if (destination) return pino(options, destination);
  if (process.stderr.isTTY) return pino(options, pretty({ destination: 2, sync: true }));
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
