import type { Family } from '@overlap/cidr';
import { type Backend, type LiveState, type RuleDiff, type RuleSet, diffRules, renderApply } from '@overlap/natrules';
import type { Logger } from 'pino';
import { applyScript, readLive, readLiveIfAny } from './backend.ts';
import type { CommandRunner } from './command.ts';
import { TranslationCounterTracker } from './counters.ts';
import { type AgentMetrics, addTranslations } from './metrics.ts';
import type { AgentPlan } from './plan.ts';
import { type DependencyCheck, checkDependencies, describeMissingRoutes, readRouteTable } from './route-check.ts';
import { applyRouteChanges, deviceState, isOwned, ownedRoutesIn, planRouteChanges } from './routes.ts';

export interface SyncContext {
  readonly plan: AgentPlan;
  readonly backend: Backend;
  readonly tunnelDevice: string;
  /** The shoot side forwards between the tunnel and the shoot network, so it needs ip_forward. */
  readonly needsForwarding: boolean;
  readonly run: CommandRunner;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
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
    [diff.chainsStale.length, 'chains stale'],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return shown.length === 0 ? 'in sync' : shown.join(', ');
}

/** The /readyz and log wording of a plan that cannot translate. */
export const untranslatable = (problem: string): string => `cannot translate, so nothing is installed: ${problem}`;

export interface Syncer {
  /** One convergence pass; every trigger (start, timer, SIGHUP) calls this. Never throws. */
  sync(trigger: string): Promise<SyncStatus>;
  status(): SyncStatus;
}

/**
 * Per family: read → diff → (one atomic apply → read back and verify); then routes → ip_forward → metrics. Drift
 * means the live rules changed after this process had them in sync; rules that are ours but not planned before
 * that are stale, left by an earlier configuration.
 */
export function createSyncer(context: SyncContext): Syncer {
  const { plan, backend, run, metrics, logger } = context;
  const counters = new TranslationCounterTracker();
  const ruleSets: readonly RuleSet[] = [plan.desired, plan.desiredIPv6];
  const familyOf = (ruleSet: RuleSet): Family => ruleSet.family ?? 'IPv4';
  /** Per family, whether this process has had its rules in sync (so a difference later is drift). */
  const converged = new Set<Family>();
  /** The latest reading of each family, for the metrics. */
  const observed = new Map<Family, { live: LiveState; inSync: boolean }>();
  let status: SyncStatus = { ready: false, reason: 'no sync has run yet' };

  metrics.natExpected.set(plan.natExpected ? 1 : 0);
  metrics.natUntranslatable.set(plan.problem === undefined ? 0 : 1);
  metrics.rulesDesired.set(ruleSets.reduce((n, set) => n + set.rules.length, 0));
  const dependencyLabels = (check: Pick<DependencyCheck, 'dependency'>) => ({
    kind: check.dependency.kind,
    destination: check.dependency.destination.text,
    device: check.dependency.devicePattern,
    owner: check.dependency.owner,
  });
  // Unknown until the first check: reported as not in place rather than absent.
  for (const dependency of plan.routeDependencies) metrics.routeDependencyOk.set(dependencyLabels({ dependency }), 0);
  let lastMissing: string | undefined;

  function observe(family: Family, live: LiveState, diff: RuleDiff): void {
    observed.set(family, { live, inSync: diff.inSync });
  }

  function publishObservations(): void {
    const all = [...observed.values()];
    metrics.rulesInstalled.set(all.reduce((n, o) => n + o.live.rules.length, 0));
    metrics.natActive.set(all.every((o) => o.inSync) && plan.desired.rules.length > 0 ? 1 : 0);
    addTranslations(metrics, counters.advance(all.flatMap((o) => o.live.rules)));
  }

  async function convergeRuleSet(desired: RuleSet): Promise<void> {
    const family = familyOf(desired);
    const before = desired.rules.length > 0 ? await readLive(backend, run, family) : await readLiveIfAny(backend, run, family);
    if (!before) return;
    const found = diffRules(desired, before);
    observe(family, before, found);
    if (found.inSync) {
      converged.add(family);
      return;
    }
    const drift = converged.has(family);
    try {
      await applyScript(backend, run, renderApply(backend, desired, before), family);
    } catch (error) {
      metrics.applyFailures.inc();
      throw error;
    }
    const after = await readLive(backend, run, family);
    const verified = diffRules(desired, after);
    observe(family, after, verified);
    if (!verified.inSync) {
      throw new SyncError(`the ${backend} ${family} rules still differ from the plan after the apply: ${describeDiff(verified)}`);
    }
    if (drift) metrics.driftRepairs.inc();
    else metrics.staleRulesRemoved.inc(found.stale.length);
    converged.add(family);
    logger.info(
      { family, found: describeDiff(found), drift, staleRemoved: drift ? 0 : found.stale.length, rules: desired.rules.length },
      drift ? 'repaired rules changed from outside' : 'applied the rule set',
    );
  }

  async function convergeRules(): Promise<void> {
    try {
      for (const ruleSet of ruleSets) await convergeRuleSet(ruleSet);
    } finally {
      publishObservations();
    }
  }

  /** Returns why a route this side depends on is not in place (HA), or undefined. One read of the main table. */
  async function convergeRoutes(): Promise<string | undefined> {
    const table = await readRouteTable(run);
    const changes = planRouteChanges(plan.routes, ownedRoutesIn(table));
    // Removals first: they never need the tunnel device, and must not wait for it.
    await applyRouteChanges(run, { replace: [], remove: changes.remove });
    if (changes.remove.length > 0) logger.info({ routes: changes.remove.map((r) => `${r.destination} dev ${r.device}`) }, 'routes removed');
    if (changes.replace.length > 0) {
      const state = await deviceState(run, context.tunnelDevice);
      if (state !== 'up') {
        throw new SyncError(`tunnel device ${context.tunnelDevice} is ${state === 'missing' ? 'not there yet' : 'down'}; its routes wait for it`);
      }
      await applyRouteChanges(run, { replace: changes.replace, remove: [] });
      logger.info({ routes: changes.replace.map((r) => `${r.destination.text} dev ${r.device}`) }, 'routes set');
    }
    return observeDependencies(table.filter((r) => !isOwned(r)));
  }

  /** Only others' routes count: the dependencies are on the owners' routes, never on a leftover of ours. */
  function observeDependencies(others: Parameters<typeof checkDependencies>[1]): string | undefined {
    if (plan.routeDependencies.length === 0) return undefined;
    const checks = checkDependencies(plan.routeDependencies, others);
    for (const check of checks) metrics.routeDependencyOk.set(dependencyLabels(check), check.problem === undefined ? 1 : 0);
    const missing = describeMissingRoutes(checks);
    if (missing !== lastMissing) {
      if (missing !== undefined) logger.warn({ routes: missing }, 'a route this side depends on is missing');
      else logger.info({ routes: plan.routeDependencies.map((d) => d.destination.text) }, 'the routes this side depends on are in place');
      lastMissing = missing;
    }
    return missing;
  }

  async function ensureForwarding(): Promise<void> {
    const { stdout } = await run(['sysctl', '-n', 'net.ipv4.ip_forward']);
    if (stdout.trim() === '1') return;
    await run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    logger.info('enabled net.ipv4.ip_forward');
  }

  async function sync(trigger: string): Promise<SyncStatus> {
    const stopTimer = metrics.syncDuration.startTimer();
    try {
      await convergeRules();
      const missingRoute = await convergeRoutes();
      if (context.needsForwarding && plan.natExpected) await ensureForwarding();
      metrics.syncs.inc({ result: 'success' });
      metrics.lastSuccess.set(Date.now() / 1000);
      // Nothing of ours is left installed when the networks cannot be translated, which is all that can be done; not
      // ready, because nothing translates. With a missing owner's route the sync did its part, but traffic still
      // cannot flow, so not ready either.
      const notReady = plan.problem === undefined ? missingRoute : untranslatable(plan.problem);
      status = notReady === undefined ? { ready: true, reason: 'in sync' } : { ready: false, reason: notReady };
      logger.debug({ trigger }, 'sync done');
    } catch (error) {
      metrics.syncs.inc({ result: 'failure' });
      const reason = error instanceof Error ? error.message : String(error);
      status = { ready: false, reason };
      logger.error({ trigger, err: reason }, 'sync failed; retrying next period');
    } finally {
      stopTimer();
    }
    return status;
  }

  return { sync, status: () => status };
}
