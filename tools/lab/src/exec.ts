import { CommandError, createCommandRunner } from '@overlap/runtime';

export interface RunOptions {
  /** The program is killed after this long (default 60 s): a lab step that hangs fails instead of waiting forever. */
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

/** Runs a command to completion and returns its stdout; any failure throws CommandError with the command and its stderr. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  if (argv.length === 0) throw new Error('run: empty command');
  const runner = createCommandRunner({ deadlineMs: options.timeoutMs ?? 60_000, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
  return (await runner(argv)).stdout;
}

/** Like run, but a failure is an answer rather than an error (probes, "does it exist" questions). */
export async function attempt(argv: readonly string[], options: RunOptions = {}): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    return { ok: true, stdout: await run(argv, options), stderr: '' };
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    return { ok: false, stdout: '', stderr: error.stderr };
  }
}

export const inNetns = (ns: string, argv: readonly string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];

/** curl inside a namespace: the body, or an error carrying curl's own message. */
export const curlIn = (netns: string, url: string): Promise<string> => run(inNetns(netns, ['curl', '-sS', '--max-time', '5', url]));
