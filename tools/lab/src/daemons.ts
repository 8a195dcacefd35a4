import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DaemonRecord } from './state.ts';

export interface DaemonLaunch {
  readonly name: string;
  readonly netns: string;
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** How the daemons started by this process ended, for error messages. */
const exits = new Map<number, string>();

export const exitOf = (record: DaemonRecord): string => exits.get(record.pid) ?? 'not running';

/** Starts a long-running process inside a namespace, detached from the lab command, its output in a log file. */
export async function startDaemon(runDir: string, launch: DaemonLaunch): Promise<DaemonRecord> {
  const log = join(runDir, 'logs', `${launch.name}.log`);
  const fd = openSync(log, 'a');
  try {
    // `ip netns exec` replaces itself with the command, so the pid is the daemon's own.
    const child = spawn('ip', ['netns', 'exec', launch.netns, ...launch.argv], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...launch.env },
    });
    // Until the exec is done, /proc shows the parent's command line; isRunning would not recognise the daemon.
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new Error(`${launch.name}: could not start ${launch.argv.join(' ')}: ${error.message}`)));
    });
    child.once('exit', (code, signal) => exits.set(child.pid!, code === null ? `killed by ${signal}` : `exit code ${code}`));
    child.unref();
    return { name: launch.name, netns: launch.netns, pid: child.pid!, argv: launch.argv, log };
  } finally {
    closeSync(fd);
  }
}

function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

/**
 * Alive and still the same program (a pid can be reused after the daemon died). Compared from the end because a
 * wrapper such as setpriv execs the real program, which then shows only the tail of the recorded command.
 */
export function isRunning(record: DaemonRecord): boolean {
  const line = commandLine(record.pid);
  if (!line || isZombie(record.pid)) return false;
  // Read in the middle of an exec, the command line is empty for a moment: alive, identity not yet visible.
  if (line.length === 0) return true;
  const n = Math.min(line.length, record.argv.length);
  return line.slice(-n).join('\0') === record.argv.slice(-n).join('\0');
}

function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return true;
  }
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopDaemon(record: DaemonRecord, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (!isRunning(record)) return;
  process.kill(record.pid, signal);
  const deadline = Date.now() + graceMs;
  while (isRunning(record)) {
    if (Date.now() > deadline) {
      process.kill(record.pid, 'SIGKILL');
      await sleep(100);
      return;
    }
    await sleep(50);
  }
}

/** The last lines of a daemon's log, for error messages when it did not come up. */
export function logTail(record: DaemonRecord, lines = 8): string {
  try {
    return readFileSync(record.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
