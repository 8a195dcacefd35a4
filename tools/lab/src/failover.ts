import { waitFor } from '@overlap/test-support';
import { setTimeout as sleep } from 'node:timers/promises';
import { failPath, restorePath, seedRouteDevice } from './data-path.ts';
import { attempt, inNetns } from './exec.ts';
import type { Lab } from './launch.ts';
import type { LabPath } from './paths.ts';
import { type Answer, controlPlanePath, request, tunnelAddress } from './proof.ts';

/** One request of the loop: when it started and ended relative to the failure (negative: before it). */
export interface TimedAnswer {
  readonly startMs: number;
  readonly endMs: number;
  readonly answer: Answer;
}

export interface Failover {
  /** From the failure to the end of the first successful request started after it; undefined if none succeeded. */
  readonly recoveryMs: number | undefined;
  readonly answers: readonly TimedAnswer[];
}

/** Pure: the recovery time of a request loop around a failure at time 0. */
export function recoveryTime(answers: readonly TimedAnswer[]): number | undefined {
  const recovered = answers.filter((a) => a.startMs >= 0 && a.answer.ok).map((a) => a.endMs);
  return recovered.length === 0 ? undefined : Math.min(...recovered);
}

export interface FailoverOptions {
  /** A new request starts this often, whether the ones before have answered or not. */
  readonly everyMs: number;
  /** How long the loop runs before the failure, and after it. */
  readonly beforeMs: number;
  readonly afterMs: number;
  /** Each request's own limit (curl --max-time). */
  readonly requestTimeoutSeconds: number;
}

const FAILOVER_LOOP: FailoverOptions = { everyMs: 100, beforeMs: 1_000, afterMs: 5_000, requestTimeoutSeconds: 3 };

/** Until every path answers the path controller's probe again (after a failure was undone). */
export async function waitForAllPaths(lab: Lab, timeoutMs = 30_000): Promise<void> {
  for (const path of lab.spec.paths) {
    await waitFor(
      `${path.seedDevice} to answer again`,
      async () => {
        const ping = await attempt(
          inNetns(lab.spec.namespaces.seed, ['ping', '-6', '-n', '-q', '-c', '1', '-W', '1', '-I', path.seedDevice, path.shootAddress]),
        );
        return ping.ok ? true : undefined;
      },
      timeoutMs,
      500,
    );
  }
}

/**
 * Requests to the shoot pod, as the control plane sends them (through the proxy when translating), started at a
 * steady pace; the active path fails in the middle. It is frozen and thawed again before returning, so the lab is
 * whole afterwards (the path controller stays on the path it switched to, as vpn2's does).
 */
export async function requestsAcrossPathFailure(lab: Lab, options: FailoverOptions = FAILOVER_LOOP): Promise<Failover & { failed: LabPath }> {
  const target = lab.spec.targets.find((t) => t.kind === 'pods');
  if (!target) throw new Error('a path failure needs a shoot pod target');
  const active = await seedRouteDevice(lab, tunnelAddress(lab.spec, target));
  const path = lab.spec.paths.find((p) => p.seedDevice === active);
  if (!path) throw new Error(`the shoot pod is routed through ${active ?? 'nothing'}, not through an HA path`);
  const via = controlPlanePath(lab);
  let failedAt: number | undefined;
  const pending: Array<Promise<{ started: number; ended: number; answer: Answer }>> = [];
  const loopStart = Date.now();
  try {
    while (Date.now() - loopStart < options.beforeMs + options.afterMs) {
      if (failedAt === undefined && Date.now() - loopStart >= options.beforeMs) {
        failPath(lab, path);
        failedAt = Date.now();
      }
      const started = Date.now();
      pending.push(request(lab, target, via, options.requestTimeoutSeconds).then((answer) => ({ started, ended: Date.now(), answer })));
      await sleep(options.everyMs);
    }
    const zero = failedAt ?? loopStart;
    const answers = (await Promise.all(pending)).map((a): TimedAnswer => ({ startMs: a.started - zero, endMs: a.ended - zero, answer: a.answer }));
    return { recoveryMs: recoveryTime(answers), answers, failed: path };
  } finally {
    restorePath(lab, path);
  }
}
