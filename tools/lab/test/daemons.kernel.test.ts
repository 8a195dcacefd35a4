import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunning, run, startDaemon, stopDaemon } from '../src/index.ts';
import { NEEDS_ROOT, eventually, isRoot } from '@overlap/test-support';

describe.skipIf(!isRoot)(`daemons in a namespace (${NEEDS_ROOT})`, () => {
  const netns = `ovl-labunit-${randomBytes(3).toString('hex')}`;
  const runDir = mkdtempSync(join(tmpdir(), 'ovl-lab-daemons-'));

  beforeAll(async () => {
    mkdirSync(join(runDir, 'logs'));
    await run(['ip', 'netns', 'add', netns]);
  });
  afterAll(async () => {
    await run(['ip', 'netns', 'del', netns]);
    rmSync(runDir, { recursive: true, force: true });
  });

  it('is recognised as running from the first moment through the exec chain, and not after it stopped', async () => {
    const argv = ['setpriv', '--regid=31415', '--clear-groups', 'sleep', '30'];
    const record = await startDaemon(runDir, { name: 'sleeper', netns, argv });
    const checks = Array.from({ length: 500 }, () => isRunning(record));
    expect(checks.every(Boolean)).toBe(true);
    expect(isRunning({ ...record, argv: ['sleep', '31'] })).toBe(false);
    // startDaemon returns once `ip netns exec` is spawned; it enters the namespace a moment later.
    await eventually(async () => expect((await run(['ip', 'netns', 'pids', netns])).trim()).toBe(String(record.pid)), 'the daemon in its namespace', 5_000);
    await stopDaemon(record);
    expect(isRunning(record)).toBe(false);
  });
});
