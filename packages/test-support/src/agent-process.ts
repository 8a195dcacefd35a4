// A bundled agent run as the lab and the tests run it: inside a network namespace, configured by env, asked over
// HTTP from inside that namespace.
import type { CommandRunner } from '@overlap/runtime';
import { poll } from './poll.ts';
import { type RunningProcess, startProcess } from './process.ts';

/** `node <bundle> ARGS…` inside the namespace; `ip netns exec` execs the program, so a signal reaches node itself. */
export function spawnAgent(bundle: string, args: readonly string[], env: Readonly<Record<string, string>>, netns: string): RunningProcess {
  return startProcess('ip', ['netns', 'exec', netns, process.execPath, bundle, ...args], env);
}

interface HttpReply {
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
    // Loaded on use (see netns.ts); by now the runner that threw has loaded it.
    const { CommandError } = await import('@overlap/runtime');
    if (error instanceof CommandError && error.exitCode !== undefined) return { status: 0, body: '' };
    throw error;
  }
}

/** Asks until the URL answers 200 or the time is up, and returns the last reply (the caller asserts on it). */
export async function waitForHttpOk(run: CommandRunner, url: string, timeoutMs = 15_000): Promise<HttpReply> {
  let reply: HttpReply = { status: 0, body: '' };
  await poll(
    async () => {
      reply = await httpGetIn(run, url);
      return reply.status === 200 ? reply : undefined;
    },
    { timeoutMs },
  );
  return reply;
}
