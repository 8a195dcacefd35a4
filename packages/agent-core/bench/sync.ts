// Sync time of the shoot agent for 10, 100 and 1000 mappings: the atomic apply (one iptables-restore or one nft -f,
// plus reading back and verifying) against the reference implementation's way, one `iptables -C` and one
// `iptables -A` process per rule. Runs as root in a network namespace of its own; prints a Markdown table.
//   node packages/agent-core/bench/sync.ts
import type { Backend } from '@overlap/natrules';
import { iptablesRuleArgs, ownedChainName } from '@overlap/natrules';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import {
  type AgentPlan,
  type CommandRunner,
  createAgentMetrics,
  createCommandRunner,
  createLogger,
  createNamespace,
  createSyncer,
  parseAgentConfig,
  planAgent,
  teardownRoutes,
  teardownRules,
} from '../src/index.ts';

const SIZES = [10, 100, 1000];
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

/** A fresh agent's first sync (nothing installed), then one more sync with nothing to change. */
async function atomicSync(plan: AgentPlan, backend: Backend, run: CommandRunner): Promise<{ first: number; steady: number }> {
  await clean(run);
  const syncer = createSyncer({
    plan,
    backend,
    tunnelDevice: 'tun0',
    needsForwarding: true,
    run,
    metrics: createAgentMetrics({ role: 'shoot', backend, version: 'bench', tunnelDevice: 'tun0' }),
    logger: createLogger('bench', 'silent'),
  });
  let ready = false;
  const first = await timed(async () => {
    ready = (await syncer.sync('bench')).ready;
  });
  if (!ready) throw new Error(`${backend}: the sync did not converge: ${syncer.status().reason}`);
  const steady = await timed(() => syncer.sync('bench'));
  return { first, steady };
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

const ms = (value: number): string => value.toFixed(value < 10 ? 1 : 0);

async function measureInside(): Promise<void> {
  const run = createCommandRunner();
  await run(['ip', 'tuntap', 'add', 'dev', 'tun0', 'mode', 'tun']);
  await run(['ip', 'link', 'set', 'tun0', 'up']);
  // The first transactions in a fresh namespace load modules and caches; they are not what a running agent pays.
  for (const backend of ['iptables', 'nftables'] as const) await atomicSync(planFor(SIZES[0]!), backend, run);
  const rows: string[] = [];
  for (const size of SIZES) {
    const plan = planFor(size);
    const repeats = size >= 1000 ? 1 : 3;
    const samples = { iptables: [] as number[], nftables: [] as number[], steadyIpt: [] as number[], steadyNft: [] as number[], perRule: [] as number[] };
    for (let i = 0; i < repeats; i += 1) {
      const ipt = await atomicSync(plan, 'iptables', run);
      const nft = await atomicSync(plan, 'nftables', run);
      samples.iptables.push(ipt.first);
      samples.steadyIpt.push(ipt.steady);
      samples.nftables.push(nft.first);
      samples.steadyNft.push(nft.steady);
      samples.perRule.push(await perRuleIptables(plan, run));
    }
    const [ipt, nft, perRule] = [median(samples.iptables), median(samples.nftables), median(samples.perRule)];
    rows.push(
      `| ${size} | ${plan.desired.rules.length} | ${ms(ipt)} | ${ms(nft)} | ${ms(perRule)} | ${(perRule / ipt).toFixed(1)}× | ${(perRule / nft).toFixed(1)}× | ${ms(median(samples.steadyIpt))} | ${ms(median(samples.steadyNft))} |`,
    );
    process.stderr.write(`bench sync: ${size} mappings done\n`);
  }
  await clean(run);
  console.log(
    [
      'Shoot agent, first sync from nothing installed (read, diff, one atomic apply, read back and verify, route,',
      'ip_forward) against one `iptables -C` + `iptables -A` process pair per rule (chains and jumps created first),',
      'as the reference implementation does. Steady = a later sync that finds everything in place (read and diff only).',
      `Times in ms, median of 3 runs (1 run for 1000 mappings); \`iptables --version\`: ${iptablesVersion()}.`,
      '',
      '| mappings | rules | atomic iptables-restore | atomic nft -f | iptables per rule | per rule ÷ atomic iptables | per rule ÷ atomic nft | steady iptables | steady nft |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
    ].join('\n'),
  );
}

const iptablesVersion = (): string => spawnSync('iptables', ['--version'], { encoding: 'utf8' }).stdout.trim();

async function main(): Promise<void> {
  if (process.argv.includes(INSIDE)) return measureInside();
  if (process.getuid?.() !== 0) throw new Error('the sync benchmark needs root (network namespaces, iptables, nft)');
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
