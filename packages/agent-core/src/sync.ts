import type { Family } from '@overlap/cidr';
import {
  type Backend,
  type LiveReading,
  type LiveState,
  type Route,
  type RuleDiff,
  type RuleSet,
  createLiveParser,
  diffRules,
  keptRules,
  renderApply,
} from '@overlap/natrules';
import { CommandError, type CommandRunner, type Logger, type Readiness } from '@overlap/runtime';
import { applyScript, readNftRuleset, readOutput, readOutputIfAny } from './backend.ts';
import { type Forwarding, procSysForwarding } from './forwarding.ts';
import { DEFAULT_SYNC_PERIOD_SECONDS } from './config.ts';
import { type CountedRule, TranslationCounterTracker } from './counters.ts';
import { operatorHint } from './hints.ts';
import { type AgentMetrics, addTranslations } from './metrics.ts';
import type { AgentPlan } from './plan.ts';
import { type DependencyCheck, type KernelRoute, checkDependencies, describeMissingRoutes, readRouteTable } from './route-check.ts';
import { applyRouteChanges, deviceState, foreignRoutesTo, isOwned, ownedRoutesIn, planRouteChanges } from './routes.ts';
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
  /** How ip_forward is read and set; default: /proc/sys of the agent's own network namespace. */
  readonly forwarding?: Forwarding;
}

/** Ready: the last sync succeeded and the live rules equal the desired ones; the reason goes to /readyz and the logs. */
type SyncStatus = Readiness;

/** A sync that could not reach the desired state; the message is the operator's explanation. */
class SyncError extends Error {
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

/** The /readyz and log wording of a plan that cannot translate. */
export const untranslatable = (problem: string): string => `cannot translate, so nothing is installed: ${problem}`;

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

/** What the metrics show of one family: the rules in place and their counters, from a read or from an apply. */
interface Observation {
  readonly installed: number;
  readonly inSync: boolean;
  readonly counted: readonly CountedRule[];
}

/**
 * Per family: read → diff → (one atomic apply, if not in sync); then routes → ip_forward, with the metrics worked out
 * while the route change runs. The apply is one transaction (iptables-restore, nft -f), so its success means the
 * rules are exactly the script's: the next period's read is the verification, and a difference found then is drift.
 * Drift means the live rules changed after this process had them in place; rules that are ours but not planned
 * before that are stale, left by an earlier configuration. The families' reads and the route table's (one `ip`
 * process, only where routes matter) run side by side, so a sync waits for one read, not three.
 */
export function createSyncer(context: SyncContext): Syncer {
  const { plan, backend, metrics, logger } = context;
  const timing = context.timing ?? timingFor(DEFAULT_SYNC_PERIOD_SECONDS);
  const clock = context.clock ?? Date.now;
  const counters = new TranslationCounterTracker();
  const ruleSets: readonly RuleSet[] = [plan.desired, plan.desiredIPv6];
  const familyOf = (ruleSet: RuleSet): Family => ruleSet.family ?? 'IPv4';
  /** Per family, whether this process has had its rules in sync (so a difference later is drift). */
  const converged = new Set<Family>();
  /** Families with nothing desired whose read found nothing of ours: not read again. */
  const emptyConfirmed = new Set<Family>();
  const forwarding = context.forwarding ?? procSysForwarding();
  /** Per family: its reads parsed only when more than the counters changed, and the diff of the last parse. */
  const parsers = new Map(ruleSets.map((set) => [familyOf(set), createLiveParser(backend, familyOf(set))]));
  const lastDiff = new Map<Family, RuleDiff>();
  /** The latest state of each family, for the metrics. */
  const observed = new Map<Family, Observation>();
  /** Some family's counters may have moved since the metrics last took them. */
  let observationsChanged = true;
  /** Nothing of ours was in the route table, and nothing is desired or depended on there: not read again. */
  let routesEmptyConfirmed = false;
  /** The last route table had routes through nexthop objects (newer vpn2 in HA): read those beside it. */
  let nexthopsExpected = false;
  const routesMatter = (): boolean => plan.routes.length > 0 || plan.routeDependencies.length > 0 || !routesEmptyConfirmed;
  let status: SyncStatus = { ready: false, reason: 'no sync has run yet' };
  let lastSuccessAt: number | undefined;

  metrics.syncPeriod.set(timing.periodMs / 1000);
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
    // The parser hands back the very rules of its previous reading when nothing moved: nothing new to count.
    if (observed.get(family)?.counted === live.rules) return;
    observed.set(family, { installed: live.rules.length, inSync: diff.inSync, counted: live.rules });
    observationsChanged = true;
  }

  /** After a successful apply: the desired rules, kept ones with the counters the script carried over, new ones at 0. */
  function observeApplied(family: Family, desired: RuleSet, before: LiveState): void {
    const kept = keptRules(desired, before);
    const counted = desired.rules.map((rule) => {
      const twin = kept.get(rule);
      return { rule, packets: twin?.packets ?? 0n, bytes: twin?.bytes ?? 0n };
    });
    observed.set(family, { installed: desired.rules.length, inSync: true, counted });
    observationsChanged = true;
  }

  function publishObservations(): void {
    const all = [...observed.values()];
    metrics.rulesInstalled.set(all.reduce((n, o) => n + o.installed, 0));
    metrics.natActive.set(all.every((o) => o.inSync) && plan.desired.rules.length > 0 ? 1 : 0);
    // Counters the tracker has taken already would give no increment: with thousands of rules, not worth summing.
    if (observationsChanged) addTranslations(metrics, counters.advance(all.flatMap((o) => o.counted)));
    observationsChanged = false;
  }

  /** A family with nothing desired that was found empty stays so (nobody else writes our table): no read per sync. */
  const needsRead = (desired: RuleSet): boolean => desired.rules.length > 0 || !emptyConfirmed.has(familyOf(desired));

  /** The output of the family's read; undefined when it cannot hold rules of ours. */
  function readRuleSet(run: CommandRunner, desired: RuleSet): Promise<string | undefined> {
    const family = familyOf(desired);
    return desired.rules.length > 0 ? readOutput(backend, run, family) : readOutputIfAny(backend, run, family);
  }

  async function convergeRuleSet(run: CommandRunner, desired: RuleSet, output: string | undefined): Promise<void> {
    if (output === undefined) return;
    const family = familyOf(desired);
    const reading: LiveReading = parsers.get(family)!(output);
    const before = reading.live;
    const found = (reading.unchanged ? lastDiff.get(family) : undefined) ?? diffRules(desired, before);
    lastDiff.set(family, found);
    observe(family, before, found);
    if (found.inSync) {
      converged.add(family);
      if (desired.rules.length === 0) emptyConfirmed.add(family);
      return;
    }
    const drift = converged.has(family);
    try {
      await applyScript(backend, run, renderApply(backend, desired, before), family, timing.lockWaitSeconds);
    } catch (error) {
      metrics.applyFailures.inc();
      throw error;
    }
    observeApplied(family, desired, before);
    if (drift) metrics.driftRepairs.inc();
    else metrics.staleRulesRemoved.inc(found.stale.length);
    converged.add(family);
    logger.info(
      { family, found: describeDiff(found), drift, staleRemoved: drift ? 0 : found.stale.length, rules: desired.rules.length },
      drift ? 'repaired rules changed from outside' : 'applied the rule set',
    );
  }

  /**
   * The families' reads run side by side (a first sync reads both, and the IPv6 one finds nothing of ours on most
   * hosts); their applies follow one after the other, IPv4 first, each only if the one before succeeded.
   */
  async function convergeRules(run: CommandRunner): Promise<void> {
    const reading = ruleSets.filter(needsRead);
    // nft lists every table in one process: where both families are read (a first sync, a dual-stack shoot), one
    // read serves both, and each family's parser takes its own table from it.
    const shared = backend === 'nftables' && reading.length > 1 ? readNftRuleset(run) : undefined;
    const outputs = ruleSets.map((ruleSet) => (needsRead(ruleSet) ? (shared ?? readRuleSet(run, ruleSet)) : Promise.resolve(undefined)));
    // A failing read is reported where it is awaited; if an earlier family fails first, nobody awaits it.
    for (const output of outputs) output.catch(() => undefined);
    for (const [at, ruleSet] of ruleSets.entries()) await convergeRuleSet(run, ruleSet, await outputs[at]);
  }

  /**
   * Sets routes into the tunnel device. The kernel refuses a route through a device that is missing or down, so
   * only then is the device looked at, to say which of the two it is.
   */
  async function setRoutes(run: CommandRunner, routes: readonly Route[]): Promise<void> {
    try {
      await applyRouteChanges(run, { replace: routes, remove: [] });
    } catch (error) {
      // Cut off (deadline, stop): the device says nothing about that, and nothing more is to be started.
      if (error instanceof CommandError && error.cutOff !== undefined) throw error;
      const state = await deviceState(run, context.tunnelDevice);
      if (state === 'up') throw error;
      throw new SyncError(`tunnel device ${context.tunnelDevice} is ${state === 'missing' ? 'not there yet' : 'down'}; its routes wait for it`);
    }
  }

  /** Returns why a route this side depends on is not in place (HA), or undefined. From one read of the main table. */
  async function convergeRoutes(run: CommandRunner, table: readonly KernelRoute[]): Promise<string | undefined> {
    nexthopsExpected = table.some((r) => r.nexthopId !== undefined);
    const changes = planRouteChanges(plan.routes, ownedRoutesIn(table));
    // Removals first: they never need the tunnel device, and must not wait for it.
    if (changes.remove.length > 0) {
      await applyRouteChanges(run, { replace: [], remove: changes.remove });
      logger.info({ routes: changes.remove.map((r) => `${r.destination} dev ${r.device}`) }, 'routes removed');
    }
    // Never take over someone else's route to the same destination (what `ip route replace` would do).
    const foreign = foreignRoutesTo(table, changes.replace);
    const free = changes.replace.filter((r) => !foreign.some((f) => f.destination === r.destination.text));
    if (free.length > 0) {
      await setRoutes(run, free);
      logger.info({ routes: free.map((r) => `${r.destination.text} dev ${r.device}`) }, 'routes set');
    }
    if (foreign.length > 0) {
      const list = foreign.map((f) => `${f.destination} dev ${f.device} proto ${f.protocol}`).join(', ');
      throw new SyncError(`routes of someone else to our destinations, left alone: ${list}`);
    }
    if (plan.routes.length === 0 && changes.remove.length === 0) routesEmptyConfirmed = true;
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
    if (await forwarding.enabled()) return;
    await forwarding.enable();
    logger.info('enabled net.ipv4.ip_forward');
  }

  /** Returns why a route this side depends on is missing (HA), or undefined. */
  async function converge(run: CommandRunner): Promise<string | undefined> {
    // Started first: the rule read's process is under way while the route read's starts.
    const rules = convergeRules(run);
    // The route table does not depend on the rules: read beside them, so the sync waits for one read, not two.
    const routeTable = routesMatter() ? readRouteTable(run, { nexthopsExpected }) : undefined;
    // Its failure is reported where it is awaited; if the rules fail first, nobody awaits it.
    routeTable?.catch(() => undefined);
    let routes: Promise<string | undefined> = Promise.resolve(undefined);
    try {
      await rules;
      // Routes change only once the rules are in place. Their process, if any, is started before the metrics are
      // worked out, which then costs no time of its own.
      if (routeTable !== undefined) routes = convergeRoutes(run, await routeTable);
    } finally {
      publishObservations();
    }
    const missingRoute = await routes;
    if (context.needsForwarding && plan.natExpected) await ensureForwarding();
    return missingRoute;
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
    /** The programs running now: the rule and the route read run side by side. */
    const running = new Set<string>();
    const bounded: CommandRunner = async (argv, input) => {
      const command = argv.join(' ');
      running.add(command);
      try {
        const output = await context.run(argv, input, { signal });
        running.delete(command);
        return output;
      } catch (error) {
        // A program that was cut off stays named: the deadline's reason says where the sync stopped.
        if (!(error instanceof CommandError && error.cutOff !== undefined)) running.delete(command);
        throw error;
      }
    };
    try {
      const missingRoute = await Promise.race([converge(bounded), abortion(signal)]);
      metrics.syncs.inc({ result: 'success' });
      lastSuccessAt = clock();
      metrics.lastSuccess.set(lastSuccessAt / 1000);
      // Nothing of ours is left installed when the networks cannot be translated, which is all that can be done; not
      // ready, because nothing translates. With a missing owner's route the sync did its part, but traffic still
      // cannot flow, so not ready either.
      const notReady = plan.problem === undefined ? missingRoute : untranslatable(plan.problem);
      status = notReady === undefined ? { ready: true, reason: 'in sync' } : { ready: false, reason: notReady };
      logger.debug({ trigger }, 'sync done');
    } catch (error) {
      metrics.syncs.inc({ result: 'failure' });
      const timedOut = deadlineReason(error, deadline.aborted, running.size === 0 ? undefined : [...running].join(' and '));
      if (timedOut !== undefined) metrics.syncTimeouts.inc();
      const stopped = stop?.aborted === true && !deadline.aborted;
      const reason = stopped ? 'stopping: the sync was cut off' : (timedOut ?? (error instanceof Error ? error.message : String(error)));
      status = { ready: false, reason };
      const hint = stopped ? undefined : operatorHint(reason, context.tunnelDevice);
      logger.error(
        { trigger, err: reason, ...(hint === undefined ? {} : { hint }) },
        stopped ? 'sync cut off by the stop signal' : 'sync failed; retrying next period',
      );
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
