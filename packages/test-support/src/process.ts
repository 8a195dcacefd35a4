import { spawn } from 'node:child_process';

/** A long-running program started by a test: its output so far, its exit, and a way to end it. */
export interface RunningProcess {
  /** Everything it wrote to stdout and stderr so far (for an app, its JSON log lines). */
  output(): string;
  /** Resolves with the exit code (null if killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends the signal (SIGTERM unless told) if it still runs, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running program with exactly `env` (and PATH), collecting its output. */
export function startProcess(command: string, args: readonly string[], env: Readonly<Record<string, string>>): RunningProcess {
  const child = spawn(command, [...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  return {
    output: () => output,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
