// Finding 1 of issue 17: a stuck program must not stall the agent while every signal says "fine". Stand-ins on
// PATH hang like iptables-restore behind a held lock or a wedged nft; the real legacy iptables waits on a held
// xtables lock (its lock file moved by XTABLES_LOCKFILE, so nothing outside this test is blocked).
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommandRunner, createCommandRunner } from '@overlap/runtime';
import { NEEDS_ROOT, type Namespace, isRoot } from '@overlap/test-support';
import { timingFor } from '../src/index.ts';
import { OVERLAPPING, podNamespace, testAgent, seriesValue } from './kernel.ts';

/** A directory of executable scripts put first on PATH for the programs the agent starts. */
function standIns(scripts: Record<string, string>): { dir: string; restore: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'overlap-standin-'));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  const previous = process.env['PATH'];
  process.env['PATH'] = `${dir}:${previous}`;
  return {
    dir,
    restore: () => {
      process.env['PATH'] = previous;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A short period keeps the test quick: programs get 2 s, a sync 4 s.
const timing = timingFor(1);

describe.skipIf(!isRoot)(`deadlines (${isRoot ? 'root' : NEEDS_ROOT})`, () => {
  let ns: Namespace;
  let run: CommandRunner;
  let cleanup: Array<() => void> = [];
  beforeEach(async () => {
    ns = await podNamespace('tun0');
    run = createCommandRunner({ netns: ns.name, deadlineMs: timing.commandDeadlineMs });
  });
  afterEach(async () => {
    for (const undo of cleanup.reverse()) undo();
    cleanup = [];
    await ns.delete();
  });

  it('a hanging iptables-restore fails the sync, counted and logged with the command', async () => {
    const path = standIns({ 'iptables-restore': 'exec sleep 1000' });
    cleanup.push(path.restore);
    const agent = testAgent('seed', 'iptables', run, undefined, { timing });
    const status = await agent.syncer.sync('start');
    expect(status.ready).toBe(false);
    expect(status.reason).toMatch(/ iptables-restore --noflush --counters -w 1 did not finish within 2 s and was killed/);
    expect(await seriesValue(agent.metrics.syncTimeouts)).toBe(1);
    expect(await seriesValue(agent.metrics.syncs, { result: 'failure' })).toBe(1);
    expect(agent.syncer.status().ready).toBe(false);
  });

  it('a hanging nft -f fails the sync the same way', async () => {
    const path = standIns({ nft: 'case "$1" in -f) exec sleep 1000;; esac\nexec /usr/sbin/nft "$@"' });
    cleanup.push(path.restore);
    const agent = testAgent('seed', 'nftables', run, undefined, { timing });
    const status = await agent.syncer.sync('start');
    expect(status.ready).toBe(false);
    expect(status.reason).toMatch(/ nft -f - did not finish within 2 s and was killed$/);
    expect(await seriesValue(agent.metrics.syncTimeouts)).toBe(1);
  });

  it('legacy iptables behind a held xtables lock gives up with its own message, then converges once it is free', async () => {
    const lockDir = mkdtempSync(join(tmpdir(), 'overlap-xtables-'));
    cleanup.push(() => rmSync(lockDir, { recursive: true, force: true }));
    const lock = join(lockDir, 'xtables.lock');
    writeFileSync(lock, '');
    const legacy = (tool: string): string => `XTABLES_LOCKFILE=${lock} exec /usr/sbin/iptables-legacy-${tool} "$@"`;
    const path = standIns({ 'iptables-restore': legacy('restore'), 'iptables-save': legacy('save') });
    cleanup.push(path.restore);
    // Its own process group: flock and the sleep it forks both hold the lock, and both must go to free it.
    const holder: ChildProcess = spawn('flock', [lock, 'sleep', '1000'], { stdio: 'ignore', detached: true });
    const release = (): void => {
      if (holder.exitCode === null && holder.signalCode === null) process.kill(-holder.pid!, 'SIGKILL');
    };
    cleanup.push(release);
    // flock holds the lock once the child runs; wait until a non-blocking attempt fails.
    for (let held = false; !held; ) {
      held = await ns.run(['flock', '-n', lock, 'true']).then(
        () => false,
        () => true,
      );
    }
    const agent = testAgent('seed', 'iptables', run, undefined, { timing });
    const status = await agent.syncer.sync('start');
    expect(status.ready).toBe(false);
    expect(status.reason).toContain('Another app is currently holding the xtables lock');

    release();
    await new Promise((resolve) => holder.once('close', resolve));
    expect(await agent.syncer.sync('timer')).toEqual({ ready: true, reason: 'in sync' });
    await ns.run(['iptables-legacy', '-t', 'nat', '-F']);
  });

  it('a stop signal cuts a stuck sync off at once', async () => {
    const path = standIns({ 'iptables-restore': 'exec sleep 1000' });
    cleanup.push(path.restore);
    const agent = testAgent('seed', 'iptables', createCommandRunner({ netns: ns.name }), undefined, { timing: timingFor(3600) });
    const stop = new AbortController();
    const syncing = agent.syncer.sync('start', stop.signal);
    setTimeout(() => stop.abort(), 200);
    expect(await syncing).toEqual({ ready: false, reason: 'stopping: the sync was cut off' });
  });

  it('a sync past its own deadline fails even when each program keeps to its deadline', async () => {
    // Each nft run takes 1.5 s (under the 2 s program deadline); a dual-stack shoot's first sync runs three in a row
    // (one read of both families, then the IPv4 and the IPv6 apply), which pass the 4 s sync deadline.
    const path = standIns({ nft: 'sleep 1.5\nexec /usr/sbin/nft "$@"' });
    cleanup.push(path.restore);
    const dualStack = {
      ...OVERLAPPING,
      IP_FAMILIES: 'IPv4,IPv6',
      SHOOT_POD_NETWORKS: '10.1.0.0/16,2a05:d014:a41:4300::/56',
      SHOOT_NODE_NETWORKS: '10.250.0.0/24,2a05:d014:a41:4300::/56',
    };
    const agent = testAgent('shoot', 'nftables', run, dualStack, { timing });
    const status = await agent.syncer.sync('start');
    expect(status.ready).toBe(false);
    expect(status.reason).toMatch(/^the sync ran past its deadline of 4 s; cut off at: .*nft/);
    expect(await seriesValue(agent.metrics.syncTimeouts)).toBe(1);
  });

  it('/readyz turns false when the last success is older than the staleness bound, naming the age', async () => {
    let now = 1_000_000;
    const agent = testAgent('seed', 'nftables', run, undefined, { timing, clock: () => now });
    expect((await agent.syncer.sync('start')).ready).toBe(true);
    now += timing.staleAfterMs;
    expect(agent.syncer.status()).toEqual({ ready: true, reason: 'in sync' });
    now += 1;
    expect(agent.syncer.status()).toEqual({ ready: false, reason: 'the last successful sync was 7 s ago, more than 7 s' });
    expect((await agent.syncer.sync('timer')).ready).toBe(true);
    expect(agent.syncer.status().ready).toBe(true);
  });
});
