import { type Backend, type LiveState, type RuleDiff, diffRules, renderApply } from '@overlap/natrules';
import type { Logger } from 'pino';
import { applyScript, readLive } from './backend.ts';
import { CommandError, type CommandRunner } from './command.ts';
import { DEFAULT_SYNC_PERIOD_SECONDS } from './config.ts';
import { TranslationCounterTracker } from './counters.ts';
import { type AgentMetrics, addTranslations } from './metrics.ts';
import type { AgentPlan } from './plan.ts';
import { applyRouteChanges, deviceState, foreignRoutesTo, planRouteChanges, readOwnedRoutes } from './routes.ts';
import { type Timing, timingFor } from './timing.ts';

export interface SyncContext {
  readonly plan: AgentPlan;
  readonly backend: Backend;
  readonly tunnelDevice: string;
  /** The shoot side forwards between the tunnel and the shoot network, so it needs ip_forward. */
  readonly needsForwarding: boolean;
  readonly run: CommandRunner;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
  /** Deadlines and the staleness bound; default: those of the default 30 s period. */
  readonly timing?: Timing;
  /** Milliseconds since the epoch; a parameter so that staleness can be tested without waiting. */
  readonly clock?: () => number;
}

export interface SyncStatus {
  /** The last sync succeeded and the live rules equal the desired ones. */
  readonly ready: boolean;
  /** Why not ready, for /readyz and the logs. */
  readonly reason: string;
}

/** A sync that could not reach the desired state; the message is the operator's explanation. */
export class SyncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncError';
  }
}

export function describeDiff(diff: RuleDiff): string {
  const parts = [
    [diff.missing.length, 'missing'],
    [diff.stale.length, 'stale'],
    [diff.foreign.length, 'foreign'],
    [diff.jumpsMissing.length, 'jumps missing'],
    [diff.jumpsDuplicated.length, 'jumps duplicated'],
    [diff.jumpsNotFirst.length, 'jumps not first'],
    [diff.chainsStale.length, 'chains stale'],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return shown.length === 0 ? 'in sync' : shown.join(', ');
}

export interface Syncer {
  /**
   * One convergence pass; every trigger (start, timer, SIGHUP) calls this. Never throws, and returns within the
   * sync deadline: past it, or when `stop` aborts (SIGTERM), its programs are killed and the sync has failed.
   */
  sync(trigger: string, stop?: AbortSignal): Promise<SyncStatus>;
  /** The last sync's outcome, not ready once the last success is older than the staleness bound. */
  status(): SyncStatus;
}

const secondsText = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/** Rejects when the signal aborts, so that a sync ends on time even if a killed program never reports back. */
const abortion = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => {
    const fail = (): void => reject(new SyncError('the sync was given up'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });

/**
 * Read → diff → (one atomic apply → read back and verify) → routes → ip_forward → metrics. Drift means the
 * live rules changed after this process had them in sync; rules that are ours but not planned before that are
 * stale, left by an earlier configuration.
 */
export function createSyncer(context: SyncContext): Syncer {
  const { plan, backend, metrics, logger } = context;
  const timing = context.timing ?? timingFor(DEFAULT_SYNC_PERIOD_SECONDS);
  const clock = context.clock ?? Date.now;
  const counters = new TranslationCounterTracker();
  let converged = false;
  let status: SyncStatus = { ready: false, reason: 'no sync has run yet' };
  let lastSuccessAt: number | undefined;

  metrics.syncPeriod.set(timing.periodMs / 1000);
  metrics.natExpected.set(plan.natExpected ? 1 : 0);
  metrics.rulesDesired.set(plan.desired.rules.length);

  function observe(live: LiveState, diff: RuleDiff): void {
    metrics.rulesInstalled.set(live.rules.length);
    metrics.natActive.set(diff.inSync && plan.desired.rules.length > 0 ? 1 : 0);
    addTranslations(metrics, counters.advance(live.rules));
  }

  async function convergeRules(run: CommandRunner): Promise<void> {
    const before = await readLive(backend, run);
    const found = diffRules(plan.desired, before);
    if (found.inSync) {
      observe(before, found);
      converged = true;
      return;
    }
    const drift = converged;
    try {
      await applyScript(backend, run, renderApply(backend, plan.desired, before), timing.lockWaitSeconds);
    } catch (error) {
      metrics.applyFailures.inc();
      observe(before, found);
      throw error;
    }
    const after = await readLive(backend, run);
    const verified = diffRules(plan.desired, after);
    observe(after, verified);
    if (!verified.inSync) {
      throw new SyncError(`the ${backend} rules still differ from the plan after the apply: ${describeDiff(verified)}`);
    }
    if (drift) metrics.driftRepairs.inc();
    else metrics.staleRulesRemoved.inc(found.stale.length);
    converged = true;
    logger.info(
      { found: describeDiff(found), drift, staleRemoved: drift ? 0 : found.stale.length, rules: plan.desired.rules.length },
      drift ? 'repaired rules changed from outside' : 'applied the rule set',
    );
  }

  async function convergeRoutes(run: CommandRunner): Promise<void> {
    const changes = planRouteChanges(plan.routes, await readOwnedRoutes(run));
    // Removals first: they never need the tunnel device, and must not wait for it.
    await applyRouteChanges(run, { replace: [], remove: changes.remove });
    if (changes.replace.length === 0) return;
    const state = await deviceState(run, context.tunnelDevice);
    if (state !== 'up') {
      throw new SyncError(`tunnel device ${context.tunnelDevice} is ${state === 'missing' ? 'not there yet' : 'down'}; its routes wait for it`);
    }
    // Never take over someone else's route to the same destination (what `ip route replace` would do).
    const foreign = await foreignRoutesTo(run, changes.replace);
    const free = changes.replace.filter((r) => !foreign.some((f) => f.destination === r.destination.text));
    if (free.length > 0) {
      await applyRouteChanges(run, { replace: free, remove: [] });
      logger.info({ routes: free.map((r) => `${r.destination.text} dev ${r.device}`) }, 'routes set');
    }
    if (foreign.length > 0) {
      const list = foreign.map((f) => `${f.destination} dev ${f.device} proto ${f.protocol}`).join(', ');
      throw new SyncError(`routes of someone else to our destinations, left alone: ${list}`);
    }
  }

  async function ensureForwarding(run: CommandRunner): Promise<void> {
    const { stdout } = await run(['sysctl', '-n', 'net.ipv4.ip_forward']);
    if (stdout.trim() === '1') return;
    await run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    logger.info('enabled net.ipv4.ip_forward');
  }

  async function converge(run: CommandRunner): Promise<void> {
    await convergeRules(run);
    await convergeRoutes(run);
    if (context.needsForwarding && plan.natExpected) await ensureForwarding(run);
  }

  /** Why a sync that ran into a deadline failed, naming the program that was cut off. */
  function deadlineReason(error: unknown, pastSyncDeadline: boolean, running: string | undefined): string | undefined {
    if (pastSyncDeadline) {
      const at = running === undefined ? '' : `; cut off at: ${running}`;
      return `the sync ran past its deadline of ${secondsText(timing.syncDeadlineMs)}${at}`;
    }
    return error instanceof CommandError && error.cutOff === 'deadline' ? error.message : undefined;
  }

  async function sync(trigger: string, stop?: AbortSignal): Promise<SyncStatus> {
    const stopTimer = metrics.syncDuration.startTimer();
    const deadline = AbortSignal.timeout(timing.syncDeadlineMs);
    const signal = stop ? AbortSignal.any([stop, deadline]) : deadline;
    let running: string | undefined;
    const bounded: CommandRunner = async (argv, input) => {
      running = argv.join(' ');
      const output = await context.run(argv, input, { signal });
      running = undefined;
      return output;
    };
    try {
      await Promise.race([converge(bounded), abortion(signal)]);
      metrics.syncs.inc({ result: 'success' });
      lastSuccessAt = clock();
      metrics.lastSuccess.set(lastSuccessAt / 1000);
      status = { ready: true, reason: 'in sync' };
      logger.debug({ trigger }, 'sync done');
    } catch (error) {
      metrics.syncs.inc({ result: 'failure' });
      const timedOut = deadlineReason(error, deadline.aborted, running);
      if (timedOut !== undefined) metrics.syncTimeouts.inc();
      const stopped = stop?.aborted === true && !deadline.aborted;
      const reason = stopped ? 'stopping: the sync was cut off' : (timedOut ?? (error instanceof Error ? error.message : String(error)));
      status = { ready: false, reason };
      logger.error({ trigger, err: reason }, stopped ? 'sync cut off by the stop signal' : 'sync failed; retrying next period');
    } finally {
      stopTimer();
    }
    return status;
  }

  function currentStatus(): SyncStatus {
    if (lastSuccessAt === undefined) return status;
    const age = clock() - lastSuccessAt;
    if (age <= timing.staleAfterMs) return status;
    const last = status.ready ? '' : `; last failure: ${status.reason}`;
    return {
      ready: false,
      reason: `the last successful sync was ${secondsText(age)} ago, more than ${secondsText(timing.staleAfterMs)}${last}`,
    };
  }

  return { sync, status: currentStatus };
}
