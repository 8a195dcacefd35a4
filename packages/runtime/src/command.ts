import { spawn } from 'node:child_process';

interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

interface CommandOptions {
  /** Ends the program (SIGKILL) when aborted: a sync past its deadline, or SIGTERM during a sync. */
  readonly signal?: AbortSignal;
}

/** Runs one program (argv, no shell) with optional standard input; rejects with CommandError unless it exits 0. */
export type CommandRunner = (argv: readonly string[], input?: string, options?: CommandOptions) => Promise<CommandOutput>;

/** Why a program did not exit by itself: it ran past its own deadline, or whoever started it gave up on it. */
export type CommandCutOff = 'deadline' | 'aborted';

/** How a program failed; `outcome` replaces "exited with N" in the message. */
interface Failure {
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr: string;
  readonly outcome?: string;
  readonly cutOff?: CommandCutOff;
}

export class CommandError extends Error {
  readonly argv: readonly string[];
  /** undefined when the program could not be started at all (e.g. not installed) or was killed by us. */
  readonly exitCode: number | undefined;
  /** What it wrote before it failed: some programs (promtool) report their findings there. */
  readonly stdout: string;
  readonly stderr: string;
  /** Set when we killed the program instead of letting it finish. */
  readonly cutOff: CommandCutOff | undefined;

  constructor(argv: readonly string[], { exitCode, stdout = '', stderr, outcome, cutOff }: Failure) {
    const detail = stderr.trim().split('\n').slice(0, 5).join(' | ');
    const ending = outcome ?? (exitCode === undefined ? 'could not be started' : `exited with ${exitCode}`);
    super(`${argv.join(' ')} ${ending}${detail ? `: ${detail}` : ''}`);
    this.name = 'CommandError';
    this.argv = argv;
    this.exitCode = exitCode;
    this.stdout = stdout;
    this.stderr = stderr;
    this.cutOff = cutOff;
  }
}

export interface CommandRunnerOptions {
  readonly netns?: string;
  /**
   * Every program is killed after this long. Without it a program that waits forever (iptables-restore behind a
   * held xtables lock) stalls the agent while every signal it gives still says "fine".
   */
  readonly deadlineMs?: number;
  /** The working directory of every program (default: this process's). */
  readonly cwd?: string;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;

/**
 * The one way to run a program to completion (daemons that keep running are spawned where they are managed). With
 * `netns`, every command runs inside that network namespace through `ip netns exec` (which execs the program, so a
 * kill reaches it), which is how the tests, the benchmark and the lab drive an agent without a container.
 */
export function createCommandRunner(options: CommandRunnerOptions = {}): CommandRunner {
  const prefix = options.netns === undefined ? [] : ['ip', 'netns', 'exec', options.netns];
  const { deadlineMs, cwd } = options;
  return (argv, input, callOptions = {}) =>
    new Promise((resolve, reject) => {
      const full = [...prefix, ...argv];
      const { signal } = callOptions;
      if (signal?.aborted) {
        reject(new CommandError(full, { stderr: '', outcome: 'was not started: the sync was given up', cutOff: 'aborted' }));
        return;
      }
      const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let cutOff: CommandCutOff | undefined;
      const kill = (why: CommandCutOff): void => {
        cutOff ??= why;
        child.kill('SIGKILL');
      };
      const timer = deadlineMs === undefined ? undefined : setTimeout(() => kill('deadline'), deadlineMs);
      const onAbort = (): void => kill('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error) => {
        settle();
        reject(new CommandError(full, { stderr: error.message }));
      });
      child.on('close', (code, killedBy) => {
        settle();
        const output = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
        if (cutOff === 'deadline') {
          reject(new CommandError(full, { ...output, outcome: `did not finish within ${seconds(deadlineMs!)} and was killed`, cutOff }));
        } else if (cutOff === 'aborted') {
          reject(new CommandError(full, { ...output, outcome: 'was killed: the sync was given up', cutOff }));
        } else if (code === 0) resolve(output);
        else {
          const stderr = killedBy ? `killed by ${killedBy}\n${output.stderr}` : output.stderr;
          reject(new CommandError(full, { ...(code === null ? {} : { exitCode: code }), stdout: output.stdout, stderr }));
        }
      });
      // A program that exits without reading its input makes the write fail with EPIPE; its exit code tells more.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
}
