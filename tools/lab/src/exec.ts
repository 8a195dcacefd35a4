import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export class CommandError extends Error {
  readonly argv: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(argv: readonly string[], exitCode: number | undefined, stderr: string) {
    super(`${argv.join(' ')} failed (exit ${exitCode ?? 'by signal'}): ${stderr.trim() || '(no output)'}`);
    this.name = 'CommandError';
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

/** Runs a command to completion and returns its stdout; any failure throws with the command and its stderr. */
export async function run(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const [file, ...args] = argv;
  if (!file) throw new Error('run: empty command');
  try {
    const { stdout } = await execFileAsync(file, args, {
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20,
      timeout: options.timeoutMs ?? 60_000,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    return stdout;
  } catch (error) {
    const failure = error as { code?: unknown; stderr?: string; message: string };
    throw new CommandError(argv, typeof failure.code === 'number' ? failure.code : undefined, failure.stderr || failure.message);
  }
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
