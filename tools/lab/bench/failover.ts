// Time from a path failure to the first successful request, through the double NAT (an overlapping shoot) and
// without NAT (a shoot that does not overlap), on the lab's HA topology: two paths, the path controller switching
// its routes every 2 s at most, the tunnel controller following the announcement. Each lab fails its active path
// several times, alternating between the two.
//   node tools/lab/bench/failover.ts        (root; builds the agents and two throwaway labs, one after another)
import { type Lab, PATH_PERIOD_SECONDS, assertRoot, buildAgents, requestsAcrossPathFailure, throwawayLab, withLab, waitForAllPaths } from '../src/index.ts';

const TRIALS = 5;
const LOOP = { everyMs: 100, beforeMs: 1_000, afterMs: 8_000, requestTimeoutSeconds: 3 };

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function trials(lab: Lab): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < TRIALS; i += 1) {
    await waitForAllPaths(lab);
    const failover = await requestsAcrossPathFailure(lab, LOOP);
    if (failover.recoveryMs === undefined)
      throw new Error(`trial ${i + 1}: no request succeeded within ${LOOP.afterMs} ms of ${failover.failed.seedDevice} failing`);
    times.push(failover.recoveryMs);
  }
  return times;
}

assertRoot('bench');
await buildAgents();
const nat = await withLab(throwawayLab('bench'), trials);
const plain = await withLab(throwawayLab('bench', { shootPodNetworks: '100.96.0.0/16', shootServiceNetworks: '100.64.0.0/16' }), trials);

const figure = median(nat);
const floor = median(plain);
const goal = floor + PATH_PERIOD_SECONDS * 1000;
const s = (ms: number) => (ms / 1000).toFixed(2);
console.log(
  [
    `${TRIALS} failures per lab of the active path (its shoot end frozen), under a request to the shoot pod every ${LOOP.everyMs} ms`,
    `(through the CONNECT proxy with NAT, direct without); recovery = from the failure to the end of the first successful request started after it.`,
    '',
    '| path | recovery per trial (s) | median (s) |',
    '|---|---|---:|',
    `| double NAT (overlap, both agents translating) | ${nat.map(s).join(', ')} | ${s(figure)} |`,
    `| no NAT (no overlap, same paths and controllers) | ${plain.map(s).join(', ')} | ${s(floor)} |`,
    '',
    `Figure: ${s(figure)} s with NAT. Floor: ${s(floor)} s without NAT, same run. Goal: ≤ floor + the path controller's ${PATH_PERIOD_SECONDS} s period = ${s(goal)} s. ${figure <= goal ? 'Met' : 'NOT met'}.`,
  ].join('\n'),
);
