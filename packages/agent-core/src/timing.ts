/**
 * Every bound the agent keeps, derived from the sync period so that a stuck program, a stuck sync and a stale
 * success are each noticed within a few periods (docs/OPERATIONS.md, "Deadlines").
 */
export interface Timing {
  readonly periodMs: number;
  /** Each program is killed after this long: half a period, at least 2 s (start-up on a loaded node), at most 20 s. */
  readonly commandDeadlineMs: number;
  /** `iptables-restore -w`: gives up on a held xtables lock itself, with its own message, before being killed. */
  readonly lockWaitSeconds: number;
  /** A whole sync (several programs) is given up after this long and counts as failed. */
  readonly syncDeadlineMs: number;
  /** `/readyz` turns false when the last successful sync is older than this. */
  readonly staleAfterMs: number;
  /** SIGTERM to exit: the running sync is cut off and teardown gets this long, well inside a 30 s grace period. */
  readonly teardownBoundMs: number;
  /** Each teardown program is killed after this long, so one stuck program leaves time for the others. */
  readonly teardownCommandDeadlineMs: number;
}

const MIN_COMMAND_DEADLINE_MS = 2_000;
const MAX_COMMAND_DEADLINE_MS = 20_000;
const STALE_PERIODS = 3;
const TEARDOWN_BOUND_MS = 10_000;
const TEARDOWN_COMMAND_DEADLINE_MS = 4_000;

export function timingFor(periodSeconds: number): Timing {
  const periodMs = periodSeconds * 1000;
  const commandDeadlineMs = Math.min(Math.max(periodMs / 2, MIN_COMMAND_DEADLINE_MS), MAX_COMMAND_DEADLINE_MS);
  const syncDeadlineMs = Math.max(periodMs, 2 * commandDeadlineMs);
  return {
    periodMs,
    commandDeadlineMs,
    lockWaitSeconds: Math.max(1, Math.floor(commandDeadlineMs / 1000) - 1),
    syncDeadlineMs,
    staleAfterMs: STALE_PERIODS * periodMs + syncDeadlineMs,
    teardownBoundMs: TEARDOWN_BOUND_MS,
    teardownCommandDeadlineMs: Math.min(commandDeadlineMs, TEARDOWN_COMMAND_DEADLINE_MS),
  };
}
