// Memory and CPU of the bundled agents (apps/seed-vpn-agent, apps/shoot-vpn-agent: dist/main.js) syncing 100
// mappings with the nftables backend, each in a network namespace of its own, under Node flag sets: as the images
// start them (their Dockerfile's ENTRYPOINT), no flags, and each flag added. RSS from /proc after the window (and the
// peak of 250 ms samples), CPU seconds (user + system of the node process and its children) over the window, beside
// the floor: a bare `node` with the same flags, measured in the same run. Every agent of one sample runs at the same
// time, so that all of them see the same load of a shared machine. Needs root.
//   node packages/agent-core/bench/agent-memory.ts [window seconds, default 30] [samples, default 5]
// The window syncs once a second (OVERLAP_SYNC_PERIOD=1): 30 s are 30 syncs, more than 2 min at the default 30 s.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageNodeFlags } from '@overlap/setup';
import { type Namespace, createNamespace, addTunnel } from '@overlap/test-support';

const WINDOW_S = Number(process.argv[2] ?? 30);
const SAMPLES = Number(process.argv[3] ?? 5);
/** Issue 12: at most 60 MiB RSS with 100 mappings. */
const GOAL_MIB = 60;
const ROOT = join(import.meta.dirname, '../../..');
const APPS = [
  { role: 'seed', app: 'seed-vpn-agent', tunnel: 'bond0', ha: 'true' },
  { role: 'shoot', app: 'shoot-vpn-agent', tunnel: 'tun0', ha: 'false' },
] as const;

const image = imageNodeFlags(join(ROOT, 'apps/seed-vpn-agent/Dockerfile'));
if (JSON.stringify(image) !== JSON.stringify(imageNodeFlags(join(ROOT, 'apps/shoot-vpn-agent/Dockerfile')))) {
  throw new Error('the two agent images start node with different flags');
}
const FLAG_SETS: ReadonlyArray<{ name: string; flags: readonly string[] }> = [
  { name: 'none', flags: [] },
  { name: '--max-semi-space-size=1', flags: ['--max-semi-space-size=1'] },
  { name: '+ --lite-mode', flags: ['--max-semi-space-size=1', '--lite-mode'] },
  { name: '+ --single-threaded', flags: ['--max-semi-space-size=1', '--lite-mode', '--single-threaded'] },
].filter((set) => JSON.stringify(set.flags) !== JSON.stringify(image));
const SETS = [{ name: `image: ${image.join(' ') || '(none)'}`, flags: image }, ...FLAG_SETS];

/** 100 mappings: 99 shoot pod /24s and the seed pod network (overlapping the first). */
const pods = Array.from({ length: 99 }, (_, i) => `10.1.${i}.0/24`).join(',');
const env = (tunnel: string, ha: string): Record<string, string> => ({
  PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
  IS_HA: ha,
  SEED_POD_NETWORK: '10.1.0.0/16',
  SHOOT_POD_NETWORKS: pods,
  OVERLAP_BACKEND: 'nftables',
  OVERLAP_METRICS_ADDRESS: '127.0.0.1:9150',
  OVERLAP_SYNC_PERIOD: '1',
  OVERLAP_LOG_LEVEL: 'warn',
  ...(tunnel === 'bond0' ? {} : { OVERLAP_TUNNEL_DEVICE: tunnel }),
});

const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** user + system seconds of the process and of its waited-for children (the nft, ip processes it starts). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 3; utime 14, stime 15, cutime 16, cstime 17 → indexes 11..14 here.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / 100;
}

interface Running {
  set: string;
  role: string;
  child: ChildProcess;
  ns: Namespace;
  peak: number;
}

async function startAgent(set: { name: string; flags: readonly string[] }, agent: (typeof APPS)[number]): Promise<Running> {
  const ns = await createNamespace('mem');
  await addTunnel(ns.run, agent.tunnel);
  const bundle = join(ROOT, 'apps', agent.app, 'dist/main.js');
  const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, ...set.flags, bundle], {
    env: env(agent.tunnel, agent.ha),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { set: set.name, role: agent.role, child, ns, peak: 0 };
}

async function bareNode(flags: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...flags, '-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return rssMiB(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

for (const agent of APPS) {
  const build = spawnSync(process.execPath, ['build.ts'], { cwd: join(ROOT, 'apps', agent.app), stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`building ${agent.app} failed`);
}

type Key = string;
const results = new Map<Key, { rss: number[]; peak: number[]; cpu: number[] }>();
const floors = new Map<string, number[]>();
for (let sample = 0; sample < SAMPLES; sample += 1) {
  for (const set of SETS) floors.set(set.name, [...(floors.get(set.name) ?? []), await bareNode(set.flags)]);
  const running: Running[] = [];
  try {
    for (const set of SETS) for (const agent of APPS) running.push(await startAgent(set, agent));
    const sampler = setInterval(() => {
      for (const r of running) {
        try {
          r.peak = Math.max(r.peak, rssMiB(r.child.pid!));
        } catch {
          // exited; reported below
        }
      }
    }, 250);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000));
    clearInterval(sampler);
    for (const r of running) {
      if (r.child.exitCode !== null) throw new Error(`${r.role} agent (${r.set}) exited with ${r.child.exitCode}`);
      const key = `${r.role} | ${r.set}`;
      const entry = results.get(key) ?? { rss: [], peak: [], cpu: [] };
      const rss = rssMiB(r.child.pid!);
      entry.rss.push(rss);
      entry.peak.push(Math.max(r.peak, rss));
      entry.cpu.push(cpuSeconds(r.child.pid!));
      results.set(key, entry);
    }
  } finally {
    for (const r of running) {
      r.child.kill('SIGTERM');
      if (r.child.exitCode === null) await once(r.child, 'exit');
      await r.ns.delete();
    }
  }
}

const sorted = (values: number[]): number[] => values.toSorted((a, b) => a - b);
const median = (values: number[]): number => sorted(values)[Math.floor(values.length / 2)]!;
const f = (value: number): string => value.toFixed(1);
console.log(`### Agents with 100 mappings (nftables), ${SAMPLES} samples of ${WINDOW_S} s at one sync per second\n`);
console.log('RSS and CPU in each sample after the window; min / median over the samples. Floor: bare `node` with the same flags.\n');
console.log('| agent | node flags | RSS MiB min / median | goal | met | peak RSS MiB (median) | CPU s in the window (median) | floor RSS MiB min / median |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [key, entry] of results) {
  const set = key.split(' | ')[1]!;
  const floor = floors.get(set)!;
  const met = median(entry.rss) <= GOAL_MIB ? 'met' : 'not met';
  console.log(
    `| ${key} | ${f(Math.min(...entry.rss))} / ${f(median(entry.rss))} | ≤ ${GOAL_MIB} | ${met} | ${f(median(entry.peak))} | ${median(entry.cpu).toFixed(2)} | ${f(Math.min(...floor))} / ${f(median(floor))} |`,
  );
}
