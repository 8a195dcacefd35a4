// How long planning takes (what `overlap plan` and every agent sync compute before touching the kernel) for
// 1, 100 and 10 000 shoot networks: parse and validate, decide, pack, build and render both sides' rules. This is the
// breakdown; the goals (≤ 100 ms in process, ≤ 250 ms end to end) are checked by apps/seed-controller/bench/overlap-plan.ts.
import { decideOverlap, parseNetworks, planMappings, type Mapping } from '@overlap/cidr';
import { EMPTY_LIVE_STATE, type Backend, desiredRules, renderApply } from '@overlap/natrules';

const KIND_OCTET = { pods: 10, services: 11, nodes: 12 } as const;

/** n disjoint /24s spread over the three kinds; the seed pod network overlaps the first pod networks. */
function rawNetworks(n: number) {
  const lists: Record<keyof typeof KIND_OCTET, string[]> = { pods: [], services: [], nodes: [] };
  const kinds = Object.keys(KIND_OCTET) as Array<keyof typeof KIND_OCTET>;
  for (let i = 0; i < n; i += 1) {
    const kind = kinds[i % 3]!;
    const j = Math.floor(i / 3);
    lists[kind].push(`${KIND_OCTET[kind]}.${j >> 8}.${j & 255}.0/24`);
  }
  return { seedPods: '10.0.0.0/16', pods: lists.pods.join(','), services: lists.services.join(','), nodes: lists.nodes.join(',') };
}

function render(mappings: Mapping[], backend: Backend): number {
  let size = 0;
  for (const role of ['seed', 'shoot'] as const) {
    const rules = desiredRules({ role, mappings, tunnelDevice: 'tun0', egressDevice: 'eth0', envoyGid: 31415 });
    size += renderApply(backend, rules, EMPTY_LIVE_STATE(backend)).length;
  }
  return size;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure<T>(runs: number, work: () => T): { ms: number; result: T } {
  let result = work(); // warm-up, and the value to report
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    result = work();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: median(samples), result };
}

console.log('| networks | mappings | parse + validate (ms) | decide (ms) | pack (ms) | rules + iptables text (ms) | rules + nft text (ms) | total (ms) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const n of [1, 100, 10_000]) {
  const runs = n >= 10_000 ? 5 : 50;
  const raw = rawNetworks(n);
  const parsed = measure(runs, () => parseNetworks(raw));
  const decided = measure(runs, () => decideOverlap(parsed.result));
  if (!decided.result.overlap) throw new Error('benchmark input must overlap');
  const packed = measure(runs, () => planMappings(parsed.result));
  const iptables = measure(runs, () => render(packed.result, 'iptables'));
  const nft = measure(runs, () => render(packed.result, 'nftables'));
  const total = parsed.ms + decided.ms + packed.ms + iptables.ms;
  const f = (ms: number) => ms.toFixed(ms < 1 ? 3 : 1);
  console.log(`| ${n} | ${packed.result.length} | ${f(parsed.ms)} | ${f(decided.ms)} | ${f(packed.ms)} | ${f(iptables.ms)} | ${f(nft.ms)} | ${f(total)} |`);
}
console.log('\nMedian of 50 runs (5 for 10 000) after one warm-up; both roles rendered; "total" counts the iptables path.');
