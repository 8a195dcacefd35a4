// iperf3 throughput and request latency through the lab's OpenVPN tunnel, with the agents' double NAT (an
// overlapping shoot) and without it (the same tunnel, a shoot that does not overlap). Both labs are as `up` builds
// them, vpn2's own rules at both tunnel ends included: vpn2 installs them for every shoot, so connection tracking runs
// there on every real seed and shoot, overlapping or not (topology.ts vpn2RuleCommands). Both labs are up at once
// and measured in PAIRS alternating pairs (NAT first, then no NAT first), so that both paths see the same moments of
// a shared machine. Goal (issue 12): median of the per-pair ratios NAT / no NAT ≥ 0.95.
// After each pair the bare tunnel runs once: the no-overlap lab with vpn2's rules and their tables removed, so no
// netfilter hook — hence no connection tracking — runs at either end (checked: its conntrack tables stay empty). No
// real shoot has that path; it is the floor of the tunnel itself, printed beside the goal's figure.
//   node tools/lab/bench/throughput.ts [pairs, default 9]   (root; builds the agents and two throwaway labs)
import { waitFor } from '@overlap/test-support';
import {
  ENVOY_GID,
  type Lab,
  PORTS,
  assertRoot,
  attempt,
  buildAgents,
  down,
  inNetns,
  run,
  startDaemon,
  throwawayLab,
  up,
  vpn2RuleCommands,
} from '../src/index.ts';

// Each run lasts SECONDS after the first OMIT (TCP's slow start, left out of iperf3's result).
const SECONDS = 10;
const OMIT = 2;
const REQUESTS = 50;
const PAIRS = Math.max(5, Number(process.argv[2] ?? 9));
const GOAL_RATIO = 0.95;

/** Runs the client as Envoy's group: only those connections get the seed-side NAT, as in the real pod. */
const asEnvoy = (argv: readonly string[]): string[] => ['setpriv', `--regid=${ENVOY_GID}`, '--clear-groups', ...argv];

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function startServer(lab: Lab): Promise<void> {
  const { seed, pod } = lab.spec.namespaces;
  const server = lab.spec.addresses.shootPod;
  await startDaemon(lab.spec.options.runDir, { name: 'iperf3-server', netns: pod, argv: ['iperf3', '--server', '--port', String(PORTS.iperf)] });
  await waitFor('iperf3 server', async () =>
    (await attempt(inNetns(seed, asEnvoy(['bash', '-c', `exec 3<>/dev/tcp/${server}/${PORTS.iperf}`])))).ok ? true : undefined,
  );
}

/** One iperf3 run of SECONDS s (after OMIT) from the seed pod (as Envoy) to the shoot pod: Mbit/s received and the mean RTT. */
async function iperf(lab: Lab): Promise<{ mbits: number; rttMs: number }> {
  const { seed } = lab.spec.namespaces;
  const server = lab.spec.addresses.shootPod;
  const result = JSON.parse(
    await run(
      inNetns(seed, asEnvoy(['iperf3', '--client', server, '--port', String(PORTS.iperf), '--time', String(SECONDS), '--omit', String(OMIT), '--json'])),
      {
        timeoutMs: 60_000,
      },
    ),
  ) as { end: { sum_received: { bits_per_second: number }; streams: Array<{ sender: { mean_rtt: number } }> } };
  return { mbits: result.end.sum_received.bits_per_second / 1e6, rttMs: (result.end.streams[0]?.sender.mean_rtt ?? NaN) / 1000 };
}

// The iptables (nf_tables) tables vpn2's rules live in; in the no-overlap lab nothing else is in them.
const VPN2_TABLES = ['filter', 'nat', 'mangle'];

/** One run of iperf() on the bare tunnel: the lab's vpn2 rules and their tables removed, put back afterwards. */
async function iperfBare(lab: Lab): Promise<{ mbits: number; rttMs: number }> {
  const ends = [lab.spec.namespaces.seed, lab.spec.namespaces.shoot];
  for (const ns of ends) {
    for (const table of VPN2_TABLES) await attempt(inNetns(ns, ['nft', 'delete', 'table', 'ip', table]));
    await attempt(inNetns(ns, ['conntrack', '-F']));
  }
  try {
    const result = await iperf(lab);
    for (const ns of ends) {
      const tracked = Number((await run(inNetns(ns, ['conntrack', '-C']))).trim());
      if (tracked !== 0) throw new Error(`the bare tunnel is not bare: ${tracked} connections tracked in ${ns}`);
    }
    return result;
  } finally {
    for (const command of vpn2RuleCommands(lab.spec)) await run(command);
  }
}

/** REQUESTS sequential HTTP requests, a new connection each: median and p90 in ms. */
async function requests(lab: Lab): Promise<{ medianMs: number; p90Ms: number }> {
  const { seed } = lab.spec.namespaces;
  const server = lab.spec.addresses.shootPod;
  const loop = `for i in $(seq ${REQUESTS}); do curl -s -o /dev/null -w '%{time_total}\\n' http://${server}:${PORTS.pod}/; done`;
  const times = (await run(inNetns(seed, asEnvoy(['bash', '-c', loop])), { timeoutMs: 120_000 }))
    .trim()
    .split('\n')
    .map((s) => Number(s) * 1000)
    .sort((a, b) => a - b);
  return { medianMs: quantile(times, 0.5), p90Ms: quantile(times, 0.9) };
}

assertRoot('bench');
await buildAgents();
const natOptions = throwawayLab('bench');
const plainOptions = throwawayLab('bench', { shootPodNetworks: '100.96.0.0/16', shootServiceNetworks: '100.64.0.0/16' });
type Run = { mbits: number; rttMs: number };
const pairs: Array<{ nat: Run; plain: Run; bare: Run }> = [];
let natRequests: { medianMs: number; p90Ms: number };
let plainRequests: { medianMs: number; p90Ms: number };
try {
  const natLab = await up(natOptions);
  const plainLab = await up(plainOptions);
  await startServer(natLab);
  await startServer(plainLab);
  for (let i = 0; i < PAIRS; i += 1) {
    // Alternate which path goes first, so that neither always meets the start of a burst of someone else's load.
    if (i % 2 === 0) {
      const nat = await iperf(natLab);
      const plain = await iperf(plainLab);
      pairs.push({ nat, plain, bare: await iperfBare(plainLab) });
    } else {
      const plain = await iperf(plainLab);
      const nat = await iperf(natLab);
      pairs.push({ plain, nat, bare: await iperfBare(plainLab) });
    }
  }
  natRequests = await requests(natLab);
  plainRequests = await requests(plainLab);
} finally {
  await down(natOptions);
  await down(plainOptions);
}

const sorted = (values: number[]): number[] => values.toSorted((a, b) => a - b);
const median = (values: number[]): number => sorted(values)[Math.floor(values.length / 2)]!;
const ratios = pairs.map((p) => p.nat.mbits / p.plain.mbits);
const f = (n: number, digits = 1) => n.toFixed(digits);
const medianRatio = median(ratios);
const natToBare = pairs.map((p) => p.nat.mbits / p.bare.mbits);
const plainToBare = pairs.map((p) => p.plain.mbits / p.bare.mbits);
console.log(
  [
    `OpenVPN (UDP, static key, AES-256-CBC) between two network namespaces, vpn2's own rules at both ends in both labs; ${PAIRS} pairs`,
    `of iperf3 TCP runs of ${SECONDS} s (the first ${OMIT} s of slow start left out), alternating which path goes first, and after each`,
    'pair the bare tunnel (no netfilter at either end, no connection tracking: no real shoot has it) once; then',
    `${REQUESTS} sequential HTTP requests (new connection each) to the shoot pod per path.`,
    '',
    '| pair | first | double NAT Mbit/s | no NAT Mbit/s | ratio | bare tunnel (floor) Mbit/s | NAT / bare | no NAT / bare | NAT mean RTT ms | no NAT mean RTT ms |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...pairs.map(
      (p, i) =>
        `| ${i + 1} | ${i % 2 === 0 ? 'NAT' : 'no NAT'} | ${f(p.nat.mbits)} | ${f(p.plain.mbits)} | ${f(ratios[i]!, 2)} | ${f(p.bare.mbits)} | ${f(natToBare[i]!, 2)} | ${f(plainToBare[i]!, 2)} | ${f(p.nat.rttMs, 2)} | ${f(p.plain.rttMs, 2)} |`,
    ),
    '',
    '| figure | value | goal | met |',
    '|---|---:|---:|---|',
    `| throughput ratio NAT / no NAT, median of ${PAIRS} pairs (min ${f(Math.min(...ratios), 2)}, max ${f(Math.max(...ratios), 2)}) | ${f(medianRatio, 2)} | ≥ ${GOAL_RATIO} | ${medianRatio >= GOAL_RATIO ? 'met' : 'not met'} |`,
    `| NAT / bare tunnel (floor), median | ${f(median(natToBare), 2)} | — | — |`,
    `| no NAT / bare tunnel (floor): what vpn2's rules cost every shoot, median | ${f(median(plainToBare), 2)} | — | — |`,
    `| request median ms, NAT / no NAT | ${f(natRequests.medianMs, 2)} / ${f(plainRequests.medianMs, 2)} | — | — |`,
    `| request p90 ms, NAT / no NAT | ${f(natRequests.p90Ms, 2)} / ${f(plainRequests.p90Ms, 2)} | — | — |`,
  ].join('\n'),
);
