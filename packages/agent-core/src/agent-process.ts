import { spawn } from 'node:child_process';
import { CommandError, type CommandRunner } from '@overlap/runtime';

/** A bundled agent (`node apps/<app>/dist/main.js`) started inside a network namespace, as the lab and tests do. */
export interface AgentProcess {
  /** Everything it wrote to stdout and stderr so far (its JSON log lines). */
  output(): string;
  /** Resolves with the exit code (null if killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnAgent(bundle: string, args: readonly string[], env: Readonly<Record<string, string>>, netns: string): AgentProcess {
  // `ip netns exec` execs the program, so the signal reaches node itself.
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, bundle, ...args], {
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
      child.kill(signal);
      return exited;
    },
  };
}

export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

/** A GET from inside the namespace (curl), since the agent listens there; status 0 when nothing answered. */
export async function httpGetIn(run: CommandRunner, url: string): Promise<HttpReply> {
  const marker = '\n--overlap-status:';
  try {
    const { stdout } = await run(['curl', '-sS', '--max-time', '5', '-w', `${marker}%{http_code}`, url]);
    const at = stdout.lastIndexOf(marker);
    return { status: Number(stdout.slice(at + marker.length)), body: stdout.slice(0, at) };
  } catch (error) {
    if (error instanceof CommandError && error.exitCode !== undefined) return { status: 0, body: '' };
    throw error;
  }
}

/** Polls until the URL answers 200 or the attempts run out (the caller asserts on the last reply). */
export async function waitForHttpOk(run: CommandRunner, url: string, attempts = 100, pauseMs = 100): Promise<HttpReply> {
  let reply: HttpReply = { status: 0, body: '' };
  for (let i = 0; i < attempts; i += 1) {
    reply = await httpGetIn(run, url);
    if (reply.status === 200) return reply;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  return reply;
}
