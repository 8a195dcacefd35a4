import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RuleGroup } from '../../src/index.ts';
import { type RunningProcess, freePort, poll, startProcess } from '@overlap/test-support';

export interface RunningPrometheus {
  readonly url: string;
  readonly process: RunningProcess;
}

/**
 * Debian's Prometheus server with the alert rules, scraping one target every second and evaluating every second,
 * its data in `dir`. `job` and `honorLabels` mirror what the ServiceMonitor or PodMonitor sets.
 */
export async function startPrometheus(
  dir: string,
  groups: readonly RuleGroup[],
  target: { job: string; address: string; honorLabels: boolean; labels: Readonly<Record<string, string>> },
): Promise<RunningPrometheus> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'overlap.rules.yaml'), stringify({ groups }));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(dir, 'overlap.rules.yaml')],
      scrape_configs: [{ job_name: target.job, honor_labels: target.honorLabels, static_configs: [{ targets: [target.address], labels: target.labels }] }],
    }),
  );
  const url = `http://127.0.0.1:${await freePort()}`;
  const server = startProcess(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${url.slice('http://'.length)}`,
      '--log.level=warn',
    ],
    {},
  );
  await poll(async () => ((await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200 ? true : undefined));
  return { url, process: server };
}

/** GET on Prometheus' HTTP API, `data` of the answer. */
export async function prometheusApi<T>(prometheus: RunningPrometheus, path: string): Promise<T> {
  const reply = await fetch(`${prometheus.url}${path}`);
  return ((await reply.json()) as { data: T }).data;
}
