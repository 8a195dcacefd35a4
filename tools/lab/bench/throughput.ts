// iperf3 throughput and request latency through the lab's OpenVPN tunnel, with the agents' double NAT (an
// overlapping shoot) and without NAT (the same tunnel, a shoot that does not overlap), in one run.
//   node tools/lab/bench/throughput.ts        (root; builds the agents and two throwaway labs, one after another)
import { ENVOY_GID, type Lab, PORTS, assertRoot, buildAgents, inNetns, run, startDaemon, throwawayLab, withLab, waitFor, attempt } from '../src/index.ts';

const SECONDS = 5;
const REQUESTS = 50;

interface Figures {
  readonly mbits: number;
  readonly rttMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
}

/** Runs the client as Envoy's group: only those connections get the seed-side NAT, as in the real pod. */
const asEnvoy = (argv: readonly string[]): string[] => ['setpriv', `--regid=${ENVOY_GID}`, '--clear-groups', ...argv];

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function measure(lab: Lab): Promise<Figures> {
  const { seed, pod } = lab.spec.namespaces;
  const server = lab.spec.addresses.shootPod;
  await startDaemon(lab.spec.options.runDir, { name: 'iperf3-server', netns: pod, argv: ['iperf3', '--server', '--port', String(PORTS.iperf)] });
  await waitFor('iperf3 server', async () =>
    (await attempt(inNetns(seed, asEnvoy(['bash', '-c', `exec 3<>/dev/tcp/${server}/${PORTS.iperf}`])))).ok ? true : undefined,
  );
  const iperf = JSON.parse(
    await run(inNetns(seed, asEnvoy(['iperf3', '--client', server, '--port', String(PORTS.iperf), '--time', String(SECONDS), '--json'])), {
      timeoutMs: 60_000,
    }),
  ) as { end: { sum_received: { bits_per_second: number }; streams: Array<{ sender: { mean_rtt: number } }> } };
  const loop = `for i in $(seq ${REQUESTS}); do curl -s -o /dev/null -w '%{time_total}\\n' http://${server}:${PORTS.pod}/; done`;
  const times = (await run(inNetns(seed, asEnvoy(['bash', '-c', loop])), { timeoutMs: 120_000 }))
    .trim()
    .split('\n')
    .map((s) => Number(s) * 1000)
    .sort((a, b) => a - b);
  return {
    mbits: iperf.end.sum_received.bits_per_second / 1e6,
    rttMs: (iperf.end.streams[0]?.sender.mean_rtt ?? NaN) / 1000,
    medianMs: quantile(times, 0.5),
    p90Ms: quantile(times, 0.9),
  };
}

assertRoot('bench');
await buildAgents();
const nat = await withLab(throwawayLab('bench'), measure);
const plain = await withLab(throwawayLab('bench', { shootPodNetworks: '100.96.0.0/16', shootServiceNetworks: '100.64.0.0/16' }), measure);

const f = (n: number, digits = 1) => n.toFixed(digits);
const row = (name: string, x: Figures) => `| ${name} | ${f(x.mbits)} | ${f(x.rttMs, 2)} | ${f(x.medianMs, 2)} | ${f(x.p90Ms, 2)} |`;
console.log(
  [
    `OpenVPN (UDP, static key, AES-256-CBC) between two network namespaces; iperf3 TCP for ${SECONDS} s, then ${REQUESTS} sequential HTTP requests (new connection each) to the shoot pod.`,
    '',
    '| path | throughput (Mbit/s) | mean TCP RTT under load (ms) | request median (ms) | request p90 (ms) |',
    '|---|---:|---:|---:|---:|',
    row('double NAT (overlap, both agents translating)', nat),
    row('no NAT (no overlap, same tunnel)', plain),
    `| ratio NAT / no NAT | ${f(nat.mbits / plain.mbits, 2)} | ${f(nat.rttMs / plain.rttMs, 2)} | ${f(nat.medianMs / plain.medianMs, 2)} | ${f(nat.p90Ms / plain.p90Ms, 2)} |`,
  ].join('\n'),
);
