import { spawn } from 'node:child_process';

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one program (argv, no shell) with optional standard input; rejects with CommandError unless it exits 0. */
export type CommandRunner = (argv: readonly string[], input?: string) => Promise<CommandOutput>;

export class CommandError extends Error {
  readonly argv: readonly string[];
  /** undefined when the program could not be started at all (e.g. not installed). */
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(argv: readonly string[], exitCode: number | undefined, stderr: string) {
    const detail = stderr.trim().split('\n').slice(0, 5).join(' | ');
    const outcome = exitCode === undefined ? 'could not be started' : `exited with ${exitCode}`;
    super(`${argv.join(' ')} ${outcome}${detail ? `: ${detail}` : ''}`);
    this.name = 'CommandError';
    this.argv = argv;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/**
 * The one place that starts processes. With `netns`, every command runs inside that network namespace through
 * `ip netns exec`, which is how the tests, the benchmark and the lab drive an agent without a container.
 */
export function createCommandRunner(options: { netns?: string } = {}): CommandRunner {
  const prefix = options.netns === undefined ? [] : ['ip', 'netns', 'exec', options.netns];
  return (argv, input) =>
    new Promise((resolve, reject) => {
      const full = [...prefix, ...argv];
      const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error) => reject(new CommandError(full, undefined, error.message)));
      child.on('close', (code, signal) => {
        const output = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
        if (code === 0) resolve(output);
        else reject(new CommandError(full, code ?? undefined, signal ? `killed by ${signal}\n${output.stderr}` : output.stderr));
      });
      // A program that exits without reading its input makes the write fail with EPIPE; its exit code tells more.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
}
