import { waitFor } from '@overlap/test-support';
import { curlIn } from './exec.ts';
import type { Lab } from './launch.ts';
import { PORTS } from './spec.ts';

export async function prometheusQuery(lab: Lab, expression: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const url = `http://127.0.0.1:${PORTS.prometheus}/api/v1/query?query=${encodeURIComponent(expression)}`;
  const body = JSON.parse(await curlIn(lab.spec.namespaces.monitor, url)) as {
    status: string;
    error?: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`Prometheus query ${expression} failed: ${body.error ?? body.status}`);
  return body.data.result;
}

export interface Counter {
  readonly role: string;
  readonly kind: string;
  readonly original: string;
  readonly mapped: string;
  readonly direction: string;
  readonly packets: number;
}

export async function natCounters(lab: Lab): Promise<Counter[]> {
  const result = await prometheusQuery(lab, 'sum by (role, kind, original, mapped, direction) (overlap_nat_translated_packets_total)');
  return result
    .map(({ metric, value }) => ({
      role: metric['role'] ?? '',
      kind: metric['kind'] ?? '',
      original: metric['original'] ?? '',
      mapped: metric['mapped'] ?? '',
      direction: metric['direction'] ?? '',
      packets: Number(value[1]),
    }))
    .sort(
      (a, b) => a.role.localeCompare(b.role) || a.kind.localeCompare(b.kind) || a.original.localeCompare(b.original) || a.direction.localeCompare(b.direction),
    );
}

export interface ScrapeTarget {
  readonly job: string;
  /** The pod the target is, when the scrape job labels it (the monitoring objects do). */
  readonly pod?: string;
  readonly url: string;
  readonly health: string;
}

export async function scrapeTargets(lab: Lab): Promise<ScrapeTarget[]> {
  const result = await prometheusQuery(lab, 'up');
  return result.map(({ metric, value }) => ({
    job: metric['job'] ?? '',
    ...(metric['pod'] === undefined ? {} : { pod: metric['pod'] }),
    url: metric['instance'] ?? '',
    health: value[1] === '1' ? 'up' : 'down',
  }));
}

/** Waits for Prometheus' first successful scrape of both agents (a fresh Prometheus has no `up` yet). */
export async function bothAgentsScraped(lab: Lab): Promise<ScrapeTarget[]> {
  return waitFor(
    'Prometheus to scrape both agents',
    async () => {
      const targets = await scrapeTargets(lab);
      return targets.length === 2 && targets.every((t) => t.health === 'up') ? targets : undefined;
    },
    4 * lab.spec.options.scrapeIntervalSeconds * 1000 + 10_000,
    500,
  );
}
