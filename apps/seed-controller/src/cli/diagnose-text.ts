import { type Check, allPass } from '../diagnose/checks.ts';

const MARK: Readonly<Record<Check['result'], string>> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

/** One line per check (`PASS|FAIL|SKIP  check (subject): detail`), what to do under each failure, a verdict last. */
export function formatChecks(namespace: string, checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => `${c.check} (${c.subject})`.length));
  const lines = checks.flatMap((c) => [
    `${MARK[c.result]}  ${`${c.check} (${c.subject})`.padEnd(width)}  ${c.detail}`,
    ...(c.result === 'fail' && c.action ? [`      ${' '.repeat(width)}  → ${c.action}`] : []),
  ]);
  const failed = checks.filter((c) => c.result === 'fail').length;
  return `${[...lines, '', allPass(checks) ? `${namespace}: every check passed` : `${namespace}: ${failed} of ${checks.length} checks failed`].join('\n')}\n`;
}
