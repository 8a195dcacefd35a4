// iperf3 throughput and request latency through the lab's OpenVPN tunnel, with the agents' double NAT (an
// overlapping shoot) and without NAT (the same tunnel, a shoot that does not overlap). Both labs are up at once and
// measured in PAIRS alternating pairs (NAT first, then no NAT first), so that both paths see the same moments of a
// shared machine; the no-NAT path is the floor. Goal (issue 12): median of the per-pair ratios NAT / no NAT ≥ 0.95.
// A third run per pair takes the no-NAT path again with the rules Gardener's vpn-shoot installs for every shoot,
// overlapping or not (vpn2's pkg/vpn_client/iptables.go: MASQUERADE out of eth0, FORWARD accept from the tunnel, the
// MSS clamp; ../shared/research/vpn2-ha-datapath.md), which the lab's plain vpn-shoot lacks: a real shoot's path
// without the double NAT, conntrack included. Printed beside the goal's figure, which keeps the bare floor.
//   node tools/lab/bench/throughput.ts [pairs, default 5]   (root; builds the agents and two throwaway labs)
import { waitFor } from '@overlap/test-support';
import { ENVOY_GID, type Lab, PORTS, assertRoot, buildAgents, down, inNetns, run, startDaemon, throwawayLab, up, attempt } from '../src/index.ts';

const SECONDS = 5;
const REQUESTS = 50;
const PAIRS = Math.max(5, Number(process.argv[2] ?? 5));
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

/** One iperf3 run of SECONDS s from the seed pod (as Envoy) to the shoot pod: Mbit/s received and the mean RTT. */
async function iperf(lab: Lab): Promise<{ mbits: number; rttMs: number }> {
  const { seed } = lab.spec.namespaces;
  const server = lab.spec.addresses.shootPod;
  const result = JSON.parse(
    await run(inNetns(seed, asEnvoy(['iperf3', '--client', server, '--port', String(PORTS.iperf), '--time', String(SECONDS), '--json'])), {
      timeoutMs: 60_000,
    }),
  ) as { end: { sum_received: { bits_per_second: number }; streams: Array<{ sender: { mean_rtt: number } }> } };
  return { mbits: result.end.sum_received.bits_per_second / 1e6, rttMs: (result.end.streams[0]?.sender.mean_rtt ?? NaN) / 1000 };
}

/** vpn-shoot's rules for every shoot (vpn2), in nft: masquerade out of eth0, forward from the tunnel, MSS clamp. */
const VPN_SHOOT_ALWAYS = [
  'add table ip bench-vpn-shoot',
  'add chain ip bench-vpn-shoot postrouting { type nat hook postrouting priority srcnat; }',
  'add rule ip bench-vpn-shoot postrouting oifname "eth0" masquerade',
  'add chain ip bench-vpn-shoot forward { type filter hook forward priority filter; }',
  'add rule ip bench-vpn-shoot forward iifname "bond0*" accept',
  'add chain ip bench-vpn-shoot mangle { type filter hook postrouting priority mangle; }',
  'add rule ip bench-vpn-shoot mangle tcp flags syn / syn,rst tcp option maxseg size set rt mtu',
].join('; ');

/** The no-NAT path with vpn-shoot's always-on rules in the shoot's VPN namespace, as one run of iperf(). */
async function iperfGardenerPlain(lab: Lab): Promise<{ mbits: number; rttMs: number }> {
  const { shoot } = lab.spec.namespaces;
  await run(inNetns(shoot, ['nft', VPN_SHOOT_ALWAYS]));
  try {
    return await iperf(lab);
  } finally {
    await run(inNetns(shoot, ['nft', 'delete table ip bench-vpn-shoot']));
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
const pairs: Array<{ nat: Run; plain: Run; gardener: Run }> = [];
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
      pairs.push({ nat, plain, gardener: await iperfGardenerPlain(plainLab) });
    } else {
      const plain = await iperf(plainLab);
      const nat = await iperf(natLab);
      pairs.push({ plain, nat, gardener: await iperfGardenerPlain(plainLab) });
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
const gardenerRatios = pairs.map((p) => p.gardener.mbits / p.plain.mbits);
const natToGardener = pairs.map((p) => p.nat.mbits / p.gardener.mbits);
console.log(
  [
    `OpenVPN (UDP, static key, AES-256-CBC) between two network namespaces; ${PAIRS} pairs of iperf3 TCP runs of ${SECONDS} s, alternating`,
    "which path goes first, and after each pair the no-NAT path once more with the rules Gardener's vpn-shoot installs for",
    'every shoot (MASQUERADE out of eth0, FORWARD accept from the tunnel, MSS clamp: conntrack on, as in a real shoot);',
    `then ${REQUESTS} sequential HTTP requests (new connection each) to the shoot pod per path.`,
    '',
    "| pair | first | double NAT Mbit/s | no NAT (floor) Mbit/s | ratio | no NAT, vpn-shoot's rules, Mbit/s | NAT / that | NAT mean RTT ms | no NAT mean RTT ms |",
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|',
    ...pairs.map(
      (p, i) =>
        `| ${i + 1} | ${i % 2 === 0 ? 'NAT' : 'no NAT'} | ${f(p.nat.mbits)} | ${f(p.plain.mbits)} | ${f(ratios[i]!, 2)} | ${f(p.gardener.mbits)} | ${f(natToGardener[i]!, 2)} | ${f(p.nat.rttMs, 2)} | ${f(p.plain.rttMs, 2)} |`,
    ),
    '',
    '| figure | value | goal | met |',
    '|---|---:|---:|---|',
    `| throughput ratio NAT / no NAT, median of ${PAIRS} pairs (min ${f(Math.min(...ratios), 2)}, max ${f(Math.max(...ratios), 2)}) | ${f(medianRatio, 2)} | ≥ ${GOAL_RATIO} | ${medianRatio >= GOAL_RATIO ? 'met' : 'not met'} |`,
    `| NAT / no NAT with vpn-shoot's always-on rules (a real shoot's path without the double NAT), median | ${f(median(natToGardener), 2)} | — | — |`,
    `| vpn-shoot's always-on rules / bare no NAT, median | ${f(median(gardenerRatios), 2)} | — | — |`,
    `| request median ms, NAT / no NAT (floor) | ${f(natRequests.medianMs, 2)} / ${f(plainRequests.medianMs, 2)} | — | — |`,
    `| request p90 ms, NAT / no NAT (floor) | ${f(natRequests.p90Ms, 2)} / ${f(plainRequests.p90Ms, 2)} | — | — |`,
  ].join('\n'),
);
