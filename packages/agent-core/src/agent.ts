import type { Backend, Role } from '@overlap/natrules';
import { type CommandRunner, type Env, InputError, type Logger, createCommandRunner, createLogger, startProbeServer } from '@overlap/runtime';
import { BACKENDS, backendWorks, resolveBackend } from './backend.ts';
import { type AgentConfig, type BackendChoice, DEFAULT_SYNC_PERIOD_SECONDS, parseAgentConfig, parseCleanupConfig } from './config.ts';
import { operatorHint } from './hints.ts';
import { PeriodicRunner } from './loop.ts';
import { createAgentMetrics, setMappings } from './metrics.ts';
import { type AgentPlan, mappingsPerKind, planAgent } from './plan.ts';
import { INSPECT_USAGE, runInspect } from './inspect.ts';
import { PROBE_USAGE, runProbe } from './probe.ts';
import { createSyncer, untranslatable } from './sync.ts';
import { teardownRoutes, teardownRules } from './teardown.ts';
import { type Timing, timingFor } from './timing.ts';
import { VERSION } from './version.ts';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_BAD_CONFIG = 2;

const USAGE = `usage: main.js [run|cleanup|inspect|probe] [--help]   (all configuration by environment, see docs/CONTRACTS.md)

  run       converge the NAT rules (and routes) until SIGTERM, serving /metrics, /healthz and /readyz (default)
  cleanup   remove every rule and route the agent owns, then exit
  inspect   show the mappings, the live rules against the plan, counters, tunnel device, routes, forwarding
  probe     one CONNECT through Envoy to a shoot address, as kube-apiserver makes it (overlap diagnose runs it)`;

/** Operator subcommands, run beside the agent by `kubectl exec` (overlap diagnose does); they only read. */
const TOOLS: Readonly<Record<string, { usage: string; run: (role: Role, argv: readonly string[], env: Env, run: CommandRunner) => Promise<number> }>> = {
  inspect: { usage: INSPECT_USAGE, run: runInspect },
  probe: { usage: PROBE_USAGE, run: (role, argv) => runProbe(appName(role), argv) },
};

const appName = (role: Role): string => `${role}-vpn-agent`;

/** Configuration errors are one plain line (variable and value), readable in `kubectl logs` without a parser. */
function configFailure(role: Role, error: unknown): number {
  if (!(error instanceof InputError)) throw error;
  process.stderr.write(`${appName(role)}: invalid configuration: ${error.message}\n`);
  return EXIT_BAD_CONFIG;
}

/** `auto` cleans wherever it can, so leftovers of an earlier run with the other backend go too. */
async function cleanupBackends(choice: BackendChoice, run: CommandRunner): Promise<Backend[]> {
  if (choice !== 'auto') return [choice];
  const usable: Backend[] = [];
  for (const backend of BACKENDS) if (await backendWorks(backend, run)) usable.push(backend);
  return usable;
}

/** Teardown bounds do not depend on the sync period: they must fit the pod's grace period. */
const TEARDOWN_TIMING = timingFor(DEFAULT_SYNC_PERIOD_SECONDS);

/**
 * Removes what the agent owns within the teardown bound: each program has its own deadline and all of them
 * together the bound, so a stuck one cannot eat the grace period. Returns what could not be removed, and why.
 */
async function removeEverything(backends: readonly Backend[], logger: Logger): Promise<string[]> {
  const runner = createCommandRunner({ deadlineMs: TEARDOWN_TIMING.teardownCommandDeadlineMs });
  const timing = TEARDOWN_TIMING;
  const bound = AbortSignal.timeout(timing.teardownBoundMs);
  const run: CommandRunner = (argv, input) => runner(argv, input, { signal: bound });
  const notRemoved: string[] = [];
  const attempt = async (what: string, remove: () => Promise<unknown>): Promise<void> => {
    try {
      logger.info({ [what]: await remove() }, `removed owned ${what}`);
    } catch (error) {
      notRemoved.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  for (const backend of backends) await attempt(`${backend} rules`, () => teardownRules(backend, run, timing.lockWaitSeconds));
  await attempt('routes', () => teardownRoutes(run));
  if (notRemoved.length > 0) logger.error({ notRemoved }, 'teardown incomplete: these stay behind until the next agent or `cleanup` removes them');
  return notRemoved;
}

async function cleanup(role: Role, env: Env, run: CommandRunner): Promise<number> {
  let choice: BackendChoice;
  let logger: Logger;
  try {
    const config = parseCleanupConfig(role, env);
    choice = config.backend;
    logger = createLogger({ name: appName(role), level: config.logLevel });
  } catch (error) {
    return configFailure(role, error);
  }
  return (await removeEverything(await cleanupBackends(choice, run), logger)).length === 0 ? EXIT_OK : EXIT_FAILURE;
}

/** Rules of the backend not chosen are leftovers of an earlier configuration; both at once would translate twice. */
async function removeOtherBackend(chosen: Backend, run: CommandRunner, timing: Timing, logger: Logger): Promise<void> {
  const other = BACKENDS.find((b) => b !== chosen)!;
  if (!(await backendWorks(other, run))) return;
  const result = await teardownRules(other, run, timing.lockWaitSeconds);
  if (result.chainsRemoved > 0) logger.warn(result, 'removed leftovers of the other backend');
}

function waitForStop(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

async function serve(config: AgentConfig, plan: AgentPlan, logger: Logger): Promise<number> {
  // Listening from the start: a SIGTERM during start-up still ends in an orderly teardown.
  const stopped = waitForStop();
  const timing = timingFor(config.syncPeriodSeconds);
  const run = createCommandRunner({ deadlineMs: timing.commandDeadlineMs });
  const backend = await resolveBackend(config.backend, run);
  logger.info({ backend, requested: config.backend, version: VERSION, tunnelDevice: config.tunnelDevice, ipFamilies: config.ipFamilies }, 'backend chosen');
  const planned = { natExpected: plan.natExpected, ha: config.ha, overlap: plan.decision.overlap, mappings: plan.mappings.length };
  if (plan.problem !== undefined) logger.warn({ ...planned, problem: plan.problem }, `${untranslatable(plan.problem)} (${plan.decision.reason})`);
  else {
    logger.info(
      planned,
      plan.natExpected ? `translating: ${plan.decision.reason}` : `no translation on this side, nothing is installed: ${plan.decision.reason}`,
    );
  }
  if (plan.routeDependencies.length > 0) {
    logger.info(
      { routes: plan.routeDependencies.map((d) => `${d.destination.text} (${d.kind}) ${d.coverage} via ${d.devicePattern}`) },
      `HA: the routes belong to ${plan.routeDependencies[0]!.owner}; this agent adds none and checks these every sync`,
    );
  }
  const metrics = createAgentMetrics({ role: config.role, backend, version: VERSION, tunnelDevice: config.tunnelDevice });
  setMappings(metrics, mappingsPerKind(plan.mappings));
  const syncer = createSyncer({
    plan,
    backend,
    tunnelDevice: config.tunnelDevice,
    needsForwarding: config.role === 'shoot',
    run,
    metrics,
    logger,
    timing,
  });
  // Bound before any rule is touched: an address that cannot be served must not leave half-changed rules behind.
  const server = await startProbeServer({ address: config.metricsAddress, registry: metrics.registry, readiness: () => syncer.status() });
  logger.info({ address: `${config.metricsAddress.host}:${server.port}` }, 'serving /metrics, /healthz, /readyz');
  await removeOtherBackend(backend, run, timing, logger);

  const stopping = new AbortController();
  const loop = new PeriodicRunner((reason) => syncer.sync(reason, stopping.signal), timing.periodMs);
  const onHangup = (): void => loop.trigger('SIGHUP');
  process.on('SIGHUP', onHangup);
  loop.trigger('start');

  const signal = await stopped;
  process.off('SIGHUP', onHangup);
  logger.info({ signal, teardownBoundSeconds: timing.teardownBoundMs / 1000 }, 'stopping');
  // A running sync is cut off (its programs killed) rather than awaited: it may be stuck behind a lock.
  stopping.abort();
  await loop.stop();
  const ok = config.cleanupOnExit ? (await removeEverything([backend], logger)).length === 0 : true;
  if (!config.cleanupOnExit) logger.info('OVERLAP_CLEANUP_ON_EXIT=false: leaving the rules and routes in place');
  await server.close();
  return ok ? EXIT_OK : EXIT_FAILURE;
}

/**
 * The whole life of an agent process; resolves to its exit code. `run` (default) converges until SIGTERM/SIGINT,
 * `cleanup` removes everything the agent owns and exits.
 */
export async function runAgent(role: Role, argv: readonly string[], env: Env): Promise<number> {
  const [command = 'run', ...rest] = argv;
  const tool = Object.hasOwn(TOOLS, command) ? TOOLS[command] : undefined;
  if (['help', '--help', '-h'].includes(command) || rest.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(tool ? tool.usage : `${USAGE}\n`);
    return EXIT_OK;
  }
  // A stuck program must not hang `kubectl exec` (and so `overlap diagnose`): the agent's own deadline per command.
  if (tool) return tool.run(role, rest, env, createCommandRunner({ deadlineMs: TEARDOWN_TIMING.commandDeadlineMs }));
  if (rest.length > 0 || (command !== 'run' && command !== 'cleanup')) {
    process.stderr.write(`${appName(role)}: unknown arguments ${JSON.stringify(argv)}\n${USAGE}\n`);
    return EXIT_BAD_CONFIG;
  }
  if (command === 'cleanup') return cleanup(role, env, createCommandRunner({ deadlineMs: TEARDOWN_TIMING.teardownCommandDeadlineMs }));
  let config: AgentConfig;
  let plan: AgentPlan;
  try {
    config = parseAgentConfig(role, env);
    plan = planAgent(config);
  } catch (error) {
    return configFailure(role, error);
  }
  const logger = createLogger({ name: appName(role), level: config.logLevel, context: config.pod });
  try {
    return await serve(config, plan, logger);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const hint = operatorHint(reason, config.tunnelDevice);
    logger.fatal({ err: reason, ...(hint === undefined ? {} : { hint }) }, 'cannot run');
    return EXIT_FAILURE;
  }
}
