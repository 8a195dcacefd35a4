import { spawn } from 'node:child_process';

export interface RunningProcess {
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  readonly exited: Promise<number | null>;
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a long-running program with exactly `env` (and PATH), collecting its output. */
export function startProcess(command: string, args: readonly string[], env: Readonly<Record<string, string>>): RunningProcess {
  const child = spawn(command, [...args], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
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
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls `probe` until it returns a value, at most `attempts` times; the caller asserts on the result. */
export async function poll<T>(probe: () => Promise<T | undefined> | T | undefined, attempts = 200, pauseMs = 100): Promise<T | undefined> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return undefined;
}
