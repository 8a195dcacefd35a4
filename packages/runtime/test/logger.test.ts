import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const LOGGER = join(import.meta.dirname, '../src/logger.ts');

/** What a process that logs one line writes to stderr, with stderr a terminal or not (as pino decides by isTTY). */
function loggedBy(tty: boolean): string {
  const script = [
    tty ? "Object.defineProperty(process.stderr, 'isTTY', { value: true });" : '',
    `const { createLogger } = await import(${JSON.stringify(LOGGER)});`,
    "createLogger({ name: 'probe', level: 'info', context: { pod: 'p-0' } }).warn({ err: new Error('boom') }, 'went wrong');",
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' } });
  expect(run.status, run.stderr).toBe(0);
  return run.stderr;
}

describe('createLogger', () => {
  it('writes JSON lines with the level as a word, an ISO time, the program and its context when nobody watches', () => {
    const line = JSON.parse(loggedBy(false).trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'warn', name: 'probe', component: 'probe', pod: 'p-0', msg: 'went wrong', err: { message: 'boom' } });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes readable lines on a terminal (pino-pretty, loaded only then)', () => {
    const text = loggedBy(true);
    expect(() => JSON.parse(text.split('\n')[0] ?? '')).toThrow();
    expect(text).toMatch(/WARN.*\(probe\): went wrong/);
    expect(text).toContain('boom');
  });
});
