import { waitFor } from '@overlap/test-support';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attempt, run } from './exec.ts';
import type { LabSpec } from './spec.ts';

/**
 * Fault injection for the e2e suite. The xtables lock exists only for legacy iptables (the nft variant, this host's
 * default, ignores it), so a lab built with `legacyIptables` gives its agents legacy iptables first on PATH, with a
 * lock file of the lab's own (XTABLES_LOCKFILE): holding it stalls this lab's agents and nothing else on the machine.
 */
const xtablesLock = (spec: LabSpec): string => join(spec.options.runDir, 'xtables.lock');
const legacyIptablesDir = (spec: LabSpec): string => join(spec.options.runDir, 'legacy-iptables');

const LEGACY_TOOLS = ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore'];

/** The PATH the agents get: the legacy wrappers first (undefined when the lab uses the host's iptables). */
export function legacyIptablesPath(spec: LabSpec): string | undefined {
  if (!spec.options.legacyIptables) return undefined;
  return `${legacyIptablesDir(spec)}:${process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`;
}

/** Writes the legacy wrappers and the lab's lock file (nothing when the lab uses the host's iptables). */
export function writeLegacyIptables(spec: LabSpec): void {
  if (!spec.options.legacyIptables) return;
  const dir = legacyIptablesDir(spec);
  mkdirSync(dir, { recursive: true });
  writeFileSync(xtablesLock(spec), '', { flag: 'a' });
  for (const tool of LEGACY_TOOLS) {
    const legacy = tool.replace(/^(ip6?tables)/, '$1-legacy');
    writeFileSync(join(dir, tool), `#!/bin/sh\nXTABLES_LOCKFILE=${xtablesLock(spec)} exec /usr/sbin/${legacy} "$@"\n`);
    chmodSync(join(dir, tool), 0o755);
  }
}

/**
 * Holds the lab's xtables lock (flock in a process group of its own) until the returned release is called; resolves
 * once the lock is really held.
 */
export async function holdXtablesLock(spec: LabSpec): Promise<() => Promise<void>> {
  const lock = xtablesLock(spec);
  const holder: ChildProcess = spawn('flock', [lock, 'sleep', '600'], { stdio: 'ignore', detached: true });
  const closed = new Promise<void>((resolve) => holder.once('close', () => resolve()));
  const release = async (): Promise<void> => {
    // flock and the sleep it forks both hold the lock: the whole group goes.
    if (holder.exitCode === null && holder.signalCode === null) process.kill(-holder.pid!, 'SIGKILL');
    await closed;
  };
  try {
    await waitFor('the xtables lock to be held', async () => ((await attempt(['flock', '-n', lock, 'true'])).ok ? undefined : true), 5_000, 50);
  } catch (error) {
    await release();
    throw error;
  }
  return release;
}

/** Processes in a namespace whose command line mentions `program` (e.g. an iptables-restore left running). */
export async function processesIn(netns: string, program: string): Promise<string[]> {
  const pids = (await run(['ip', 'netns', 'pids', netns])).split('\n').filter((pid) => pid !== '');
  return pids.flatMap((pid) => {
    try {
      const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      return line.includes(program) ? [`${pid} ${line}`] : [];
    } catch {
      return [];
    }
  });
}
