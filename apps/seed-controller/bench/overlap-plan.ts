// `overlap plan` for 10 000 shoot networks: in process (argument parsing, validation, decision, packing, both
// sides' rules, patches, objects, the text report) and end to end (`node dist/overlap.js plan …`, a fresh process
// loading the bundle). The floors beside them are measured in the same run: the bare process (`node -e 0`) and,
// in process, the same report for a single network. Goals from issue 12: ≤ 100 ms in process, ≤ 250 ms end to end.
//   node apps/seed-controller/bench/overlap-plan.ts
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';

const APP = join(import.meta.dirname, '..');
const SAMPLES = 7;

/** n disjoint /24s over the three shoot kinds; the seed pod network overlaps the first pod networks. */
function networkFlags(n: number): string[] {
  const lists: string[][] = [[], [], []];
  for (let i = 0; i < n; i += 1) {
    const j = Math.floor(i / 3);
    lists[i % 3]!.push(`${10 + (i % 3)}.${j >> 8}.${j & 255}.0/24`);
  }
  const [pods, services, nodes] = lists.map((l) => l.join(','));
  return [
    '--seed-pods',
    '10.0.0.0/16',
    '--shoot-pods',
    pods!,
    ...(services ? ['--shoot-services', services] : []),
    ...(nodes ? ['--shoot-nodes', nodes] : []),
    '--ha',
  ];
}

const sink = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

function timeMs(work: () => void): number {
  const start = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function samples(work: () => void, count = SAMPLES): number[] {
  return Array.from({ length: count }, () => timeMs(work)).toSorted((a, b) => a - b);
}

const median = (sorted: readonly number[]): number => sorted[Math.floor(sorted.length / 2)]!;
const f = (ms: number): string => ms.toFixed(ms < 10 ? 1 : 0);

function inProcess(argv: string[]): void {
  const status = main(['plan', ...argv], sink(), process.stderr);
  if (status !== 0) throw new Error(`overlap plan exited ${String(status)}`);
}

function endToEnd(argv: readonly string[]): void {
  const run = spawnSync(process.execPath, argv, { cwd: APP, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error(`${argv.join(' ').slice(0, 80)} exited ${String(run.status ?? run.signal)}`);
}

const build = spawnSync('npx', ['nx', 'run', '@overlap/seed-controller:build', '--output-style=static'], { stdio: 'ignore' });
if (build.status !== 0) throw new Error('building dist/overlap.js failed');

const large = networkFlags(10_000);
const small = networkFlags(1);
inProcess(large); // warm-up: the first call also compiles the code
const rows = [
  {
    what: 'in process, 10 000 networks',
    floorName: 'in process, 1 network',
    goal: 100,
    sorted: samples(() => inProcess(large)),
    floor: samples(() => inProcess(small)),
  },
  {
    what: 'end to end, 10 000 networks',
    floorName: '`node -e 0`',
    goal: 250,
    sorted: samples(() => endToEnd(['dist/overlap.js', 'plan', ...large])),
    floor: samples(() => endToEnd(['-e', '0'])),
  },
];

console.log(`### overlap plan, 10 000 shoot networks (${SAMPLES} samples each, ms)\n`);
console.log('| what | min | median | goal | met | floor (same run) | floor min | floor median |');
console.log('|---|---:|---:|---:|---|---|---:|---:|');
for (const r of rows) {
  const met = median(r.sorted) <= r.goal ? 'met' : 'not met';
  console.log(
    `| ${r.what} | ${f(r.sorted[0]!)} | ${f(median(r.sorted))} | ≤ ${r.goal} | ${met} | ${r.floorName} | ${f(r.floor[0]!)} | ${f(median(r.floor))} |`,
  );
}
console.log('\n"met" compares the median with the goal. The machine is shared: compare a figure with its floor, not with another run.');
