// Sync time of the shoot agent for 10, 100 and 1000 mappings, each figure beside its goal and the floor measured in
// the same run: the first sync (nothing installed) against the kernel's own apply + read (one raw iptables-restore or
// nft -f of the same script, one raw iptables-save or nft -j list), the sync after it (whose read verifies the apply
// and is parsed afresh), a no-op sync (the one after that: nothing counted in between, as in an idle period) and a
// no-op sync after a TCP connection moved the MSS clamp's counters (as in a period with traffic) against the raw read,
// and the reference implementation's way (one `iptables -C` and one `iptables -A` process per rule) against the
// atomic sync. Goals (issue 12), set at 1000 mappings, where the rules rather than process starts dominate: first
// ≤ 1.3 × (apply + read), no-op ≤ 1.3 × read; per rule ÷ atomic ≥ 40× at 100 mappings. Rows of other sizes show
// their figures with no goal. SAMPLES runs per size, min / median. Runs as root in a network namespace of its own;
// prints Markdown tables.
//   node packages/agent-core/bench/sync.ts
import type { Backend } from '@overlap/natrules';
import { APPLY_COMMAND, EMPTY_LIVE_STATE, READ_COMMAND, iptablesRuleArgs, ownedChainName, renderApply } from '@overlap/natrules';
import { spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type CommandRunner, createCommandRunner, createLogger } from '@overlap/runtime';
import { addTunnel, createNamespace, isRoot } from '@overlap/test-support';
import { type AgentPlan, createAgentMetrics, createSyncer, parseAgentConfig, planAgent, teardownRoutes, teardownRules } from '../src/index.ts';

const SIZES = [10, 100, 1000];
/** Seven, not the five the issue asks for at least: medians on a shared machine settle better. */
const SAMPLES = 7;
/** The per-rule way takes 2 processes per rule (~25 s per run at 1000 mappings); its goal is at 100. */
const PER_RULE_UP_TO = 100;
const GOALS = { first: 1.3, noop: 1.3, at: 1000, perRule: 40, perRuleAt: 100 };
const INSIDE = '--inside-namespace';

/** n mappings: n - 1 shoot pod networks (/24s) and the seed pod network. */
function planFor(mappings: number): AgentPlan {
  const pods = Array.from({ length: mappings - 1 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`).join(',');
  return planAgent(parseAgentConfig('shoot', { SEED_POD_NETWORK: '100.64.0.0/16', SHOOT_POD_NETWORKS: pods }));
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

const median = (values: number[]): number => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function clean(run: CommandRunner): Promise<void> {
  for (const backend of ['iptables', 'nftables'] as const) await teardownRules(backend, run);
  await teardownRoutes(run);
}

/** Runs one TCP connection over loopback: its SYN and SYN-ACK pass the MSS clamp, whose counters move. */
type Traffic = () => Promise<void>;

async function loopbackTraffic(): Promise<{ traffic: Traffic; close: () => void }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const traffic: Traffic = () =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', reject);
    });
  return { traffic, close: () => server.close() };
}

interface AtomicTimes {
  readonly first: number;
  readonly verify: number;
  readonly steady: number;
  readonly counted: number;
}

/**
 * A fresh agent's first sync (nothing installed), the sync that verifies it, one more with nothing to change, and
 * one with nothing to change but counters that moved.
 */
async function atomicSync(plan: AgentPlan, backend: Backend, run: CommandRunner, traffic: Traffic): Promise<AtomicTimes> {
  await clean(run);
  const syncer = createSyncer({
    plan,
    backend,
    tunnelDevice: 'tun0',
    needsForwarding: true,
    run,
    metrics: createAgentMetrics({ role: 'shoot', backend, version: 'bench', tunnelDevice: 'tun0' }),
    logger: createLogger({ name: 'bench', level: 'silent' }),
  });
  let ready = false;
  const first = await timed(async () => {
    ready = (await syncer.sync('bench')).ready;
  });
  if (!ready) throw new Error(`${backend}: the sync did not converge: ${syncer.status().reason}`);
  const verify = await timed(() => syncer.sync('bench'));
  const steady = await timed(() => syncer.sync('bench'));
  await traffic();
  const counted = await timed(() => syncer.sync('bench'));
  return { first, verify, steady, counted };
}

/** The reference implementation: create chains and jumps, then check and append each rule with its own process. */
async function perRuleIptables(plan: AgentPlan, run: CommandRunner): Promise<number> {
  await clean(run);
  return timed(async () => {
    const chains = new Map(plan.desired.rules.map((r) => [`${r.table} ${r.hook}`, r]));
    for (const rule of chains.values()) {
      const chain = ownedChainName(rule.hook);
      await run(['iptables', '-t', rule.table, '-N', chain]);
      await run(['iptables', '-t', rule.table, '-I', rule.hook.toUpperCase(), '1', '-j', chain]);
    }
    for (const rule of plan.desired.rules) {
      const { table, chain, args } = iptablesRuleArgs(rule);
      const check = await run(['iptables', '-t', table, '-C', chain, ...args]).then(
        () => true,
        () => false,
      );
      if (!check) await run(['iptables', '-t', table, '-A', chain, ...args]);
    }
  });
}

/** The floors: the backend's own apply of the same script into nothing, and its own read of the result. */
async function rawApplyAndRead(plan: AgentPlan, backend: Backend, run: CommandRunner): Promise<{ apply: number; read: number }> {
  await clean(run);
  const script = renderApply(backend, plan.desired, EMPTY_LIVE_STATE(backend));
  const apply = await timed(() => run([...APPLY_COMMAND[backend]], script));
  const read = await timed(() => run([...READ_COMMAND[backend]]));
  return { apply, read };
}

const ms = (value: number): string => value.toFixed(value < 10 ? 1 : 0);
const minMedian = (values: number[]): string => `${ms(Math.min(...values))} / ${ms(median(values))}`;
const met = (ok: boolean): string => (ok ? 'met' : 'not met');
/** The goal and whether it is met, or dashes where the issue sets no goal. */
const goalCells = (hasGoal: boolean, goal: string, ok: boolean): string => (hasGoal ? `${goal} | ${met(ok)}` : '— | —');

async function measureInside(): Promise<void> {
  const run = createCommandRunner();
  await addTunnel(run, 'tun0');
  const { traffic, close } = await loopbackTraffic();
  // The first transactions in a fresh namespace load modules and caches; they are not what a running agent pays.
  for (const backend of ['iptables', 'nftables'] as const) await atomicSync(planFor(SIZES[0]!), backend, run, traffic);
  const rows: string[] = [];
  const ratioRows: string[] = [];
  for (const size of SIZES) {
    const plan = planFor(size);
    const perRule: number[] = [];
    const atomicFirst: Record<Backend, number[]> = { iptables: [], nftables: [] };
    for (const backend of ['iptables', 'nftables'] as const) {
      const first: number[] = [];
      const verify: number[] = [];
      const noop: number[] = [];
      const counted: number[] = [];
      const floorFirst: number[] = [];
      const floorRead: number[] = [];
      for (let i = 0; i < SAMPLES; i += 1) {
        // Floor and sync alternate, so that both meet the same moments of a shared machine.
        const raw = await rawApplyAndRead(plan, backend, run);
        floorFirst.push(raw.apply + raw.read);
        floorRead.push(raw.read);
        const sync = await atomicSync(plan, backend, run, traffic);
        first.push(sync.first);
        verify.push(sync.verify);
        noop.push(sync.steady);
        counted.push(sync.counted);
        if (backend === 'iptables' && size <= PER_RULE_UP_TO) perRule.push(await perRuleIptables(plan, run));
      }
      atomicFirst[backend] = first;
      const firstRatio = median(first) / median(floorFirst);
      const verifyRatio = median(verify) / median(floorRead);
      const noopRatio = median(noop) / median(floorRead);
      const countedRatio = median(counted) / median(floorRead);
      const hasGoal = size === GOALS.at;
      rows.push(
        `| ${size} | ${backend} | ${minMedian(first)} | ${minMedian(floorFirst)} | ${firstRatio.toFixed(2)} | ${goalCells(hasGoal, `≤ ${GOALS.first}`, firstRatio <= GOALS.first)} | ` +
          `${minMedian(verify)} | ${verifyRatio.toFixed(2)} | ${minMedian(floorRead)} | ${minMedian(noop)} | ${noopRatio.toFixed(2)} | ` +
          `${minMedian(counted)} | ${countedRatio.toFixed(2)} | ${goalCells(hasGoal, `≤ ${GOALS.noop}`, Math.max(noopRatio, countedRatio) <= GOALS.noop)} |`,
      );
    }
    if (perRule.length > 0) {
      for (const backend of ['iptables', 'nftables'] as const) {
        const ratio = median(perRule) / median(atomicFirst[backend]);
        const goal = size === GOALS.perRuleAt ? `≥ ${GOALS.perRule}` : '—';
        ratioRows.push(
          `| ${size} | ${minMedian(perRule)} | ${backend} | ${minMedian(atomicFirst[backend])} | ${ratio.toFixed(1)}× | ${goal} | ${size === GOALS.perRuleAt ? met(ratio >= GOALS.perRule) : '—'} |`,
        );
      }
    }
    process.stderr.write(`bench sync: ${size} mappings done\n`);
  }
  await clean(run);
  close();
  console.log(
    [
      'Shoot agent, first sync from nothing installed (both families and the route table read side by side, diff,',
      'one atomic apply, routes, ip_forward), the sync after it (its read verifies the apply: parsed afresh) and two',
      'no-op syncs (everything in place, as every later period): one with nothing counted since the last read (an idle',
      'period: the read equals the last one), one after a TCP connection moved the MSS clamp’s counters (a period with',
      'traffic: the counters are taken out, the rules not parsed again). Floors measured in the same run: the raw apply of',
      `the same script plus the raw read, and the raw read alone. ms, min / median of ${SAMPLES} runs; ratios of the`,
      `medians. The goals are set for ${GOALS.at} mappings, where the rules dominate; with fewer, a process start (5–8 ms`,
      'here) is most of every figure, so those rows show no goal. The no-op goal holds for both no-op syncs.',
      `\`iptables --version\`: ${iptablesVersion()}.`,
      '',
      '| mappings | backend | first sync | floor: apply + read | ratio | goal | met | verifying sync | ratio to read | floor: read | no-op sync, idle | ratio | no-op sync, counters moved | ratio | goal | met |',
      '|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
      ...rows,
      '',
      `The reference implementation's way, one \`iptables -C\` + \`iptables -A\` process pair per rule (chains and jumps first),`,
      `against the atomic first sync (up to ${PER_RULE_UP_TO} mappings; min / median of ${SAMPLES}, ratio of the medians):`,
      '',
      '| mappings | per rule ms | atomic backend | atomic first sync ms | per rule ÷ atomic | goal | met |',
      '|---:|---:|---|---:|---:|---:|---|',
      ...ratioRows,
    ].join('\n'),
  );
}

const iptablesVersion = (): string => spawnSync('iptables', ['--version'], { encoding: 'utf8' }).stdout.trim();

async function main(): Promise<void> {
  if (process.argv.includes(INSIDE)) return measureInside();
  if (!isRoot) throw new Error('the sync benchmark needs root (network namespaces, iptables, nft)');
  const ns = await createNamespace('agent-bench');
  try {
    // Every command then starts directly, as in a pod, not through `ip netns exec`.
    const inner = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, import.meta.filename, INSIDE], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (inner.status !== 0) throw new Error(`the measurement failed (exit ${inner.status ?? inner.signal})`);
  } finally {
    await ns.delete();
  }
}

await main();
