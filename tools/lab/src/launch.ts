import { waitFor } from '@overlap/test-support';
import { readFileSync } from 'node:fs';
import { type DaemonLaunch, exitOf, isRunning, logTail, startDaemon } from './daemons.ts';
import type { LabSpec } from './spec.ts';
import { type DaemonRecord, type LabState, writeState } from './state.ts';

/** A lab as the code handles it: what it was built from, and what it runs. */
export interface Lab {
  readonly spec: LabSpec;
  readonly state: LabState;
}

/**
 * Starts a daemon, records it in the lab's state at once (so `down` finds it even if it never gets ready) and
 * waits until `ready` says so; a daemon that stops on the way fails with its exit status and the end of its log.
 */
export async function launch(lab: Lab, daemon: DaemonLaunch, ready: (record: DaemonRecord) => Promise<boolean>, timeoutMs = 30_000): Promise<Lab> {
  const record = await startDaemon(lab.spec.options.runDir, daemon);
  const state: LabState = { ...lab.state, daemons: { ...lab.state.daemons, [record.name]: record } };
  writeState(state);
  try {
    await waitFor(
      `${daemon.name} to be ready`,
      async () => {
        if (!isRunning(record)) throw new Error(`${daemon.name} stopped (${exitOf(record)})`);
        return (await ready(record)) ? true : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last lines of ${record.log}:\n${logTail(record)}`);
  }
  return { ...lab, state };
}

/** Readiness by a line the daemon writes to its log. */
export const logSays =
  (text: string) =>
  async (record: DaemonRecord): Promise<boolean> =>
    readFileSync(record.log, 'utf8').includes(text);
