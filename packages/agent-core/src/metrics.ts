import { KINDS, type Kind } from '@overlap/cidr';
import type { Backend, Role } from '@overlap/natrules';
import { metricFactory } from '@overlap/runtime';
import { type Counter, type Gauge, type Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TranslationIncrement } from './counters.ts';

const TRANSLATION_LABELS = ['kind', 'original', 'mapped', 'direction'] as const;

/** The agents' metrics as docs/CONTRACTS.md names them; `role` and `backend` are on every series. */
export interface AgentMetrics {
  readonly registry: Registry;
  readonly natExpected: Gauge;
  readonly natActive: Gauge;
  readonly natUntranslatable: Gauge;
  readonly mappings: Gauge<'kind'>;
  readonly rulesDesired: Gauge;
  readonly rulesInstalled: Gauge;
  readonly translatedPackets: Counter<(typeof TRANSLATION_LABELS)[number]>;
  readonly translatedBytes: Counter<(typeof TRANSLATION_LABELS)[number]>;
  readonly syncDuration: Histogram;
  readonly syncs: Counter<'result'>;
  readonly lastSuccess: Gauge;
  readonly syncPeriod: Gauge;
  readonly syncTimeouts: Counter;
  readonly applyFailures: Counter;
  readonly driftRepairs: Counter;
  readonly staleRulesRemoved: Counter;
  readonly routeDependencyOk: Gauge<'kind' | 'destination' | 'device' | 'owner'>;
}

export interface AgentInfo {
  readonly role: Role;
  readonly backend: Backend;
  readonly version: string;
  readonly tunnelDevice: string;
}

export function createAgentMetrics(info: AgentInfo): AgentMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role: info.role, backend: info.backend });
  collectDefaultMetrics({ register: registry });
  const metric = metricFactory(registry);

  const agentInfo = metric.gauge('overlap_agent_info', 'Build and configuration of this agent; always 1.', ['version', 'tunnel_device']);
  agentInfo.set({ version: info.version, tunnel_device: info.tunnelDevice }, 1);

  const mappings = metric.gauge('overlap_nat_mappings', 'Networks this side translates, per kind.', ['kind']);
  for (const kind of KINDS) mappings.set({ kind }, 0);

  const syncs = metric.counter('overlap_syncs_total', 'Syncs (read live rules, diff, apply if needed, verify, ensure routes), by result.', ['result']);
  for (const result of ['success', 'failure']) syncs.inc({ result }, 0);

  return {
    registry,
    mappings,
    syncs,
    natExpected: metric.gauge('overlap_nat_expected', '1 if the overlap decision says this side must translate, else 0.'),
    natActive: metric.gauge('overlap_nat_active', '1 if the live rules equal the desired, non-empty rule set, else 0.'),
    natUntranslatable: metric.gauge(
      'overlap_nat_untranslatable',
      '1 if this side must translate but its networks cannot be translated (the reason is in the log and /readyz), else 0.',
    ),
    rulesDesired: metric.gauge('overlap_nat_rules_desired', 'Rules the plan wants.'),
    rulesInstalled: metric.gauge('overlap_nat_rules_installed', 'Rules found live in the owned chains or table, ours or not.'),
    translatedPackets: metric.counter(
      'overlap_nat_translated_packets_total',
      'Packets that hit a translation rule, from its kernel counter (forward = original to mapped).',
      TRANSLATION_LABELS,
    ),
    translatedBytes: metric.counter(
      'overlap_nat_translated_bytes_total',
      'Bytes of the packets that hit a translation rule, from its kernel counter.',
      TRANSLATION_LABELS,
    ),
    syncDuration: metric.histogram(
      'overlap_sync_duration_seconds',
      'Duration of one whole sync: read, diff, apply, verify, routes.',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    lastSuccess: metric.gauge('overlap_sync_last_success_timestamp_seconds', 'Unix time of the last successful sync.'),
    syncPeriod: metric.gauge(
      'overlap_sync_period_seconds',
      'The configured sync period (OVERLAP_SYNC_PERIOD); alerts measure the age of the last success in periods.',
    ),
    syncTimeouts: metric.counter(
      'overlap_sync_timeouts_total',
      'Syncs that failed because a program or the whole sync ran past its deadline (the log names the program).',
    ),
    applyFailures: metric.counter('overlap_apply_failures_total', 'Rule set applies (iptables-restore or nft -f) that failed.'),
    driftRepairs: metric.counter('overlap_drift_repairs_total', 'Syncs that found the applied rules changed from outside and put them back.'),
    routeDependencyOk: metric.gauge(
      'overlap_route_dependency_ok',
      'HA: 1 if the route to this mapped block that the owner (Gardener path or tunnel controller) installs is in place through the tunnel devices, else 0.',
      ['kind', 'destination', 'device', 'owner'],
    ),
    staleRulesRemoved: metric.counter('overlap_stale_rules_removed_total', 'Rules removed because the plan no longer has them.'),
  };
}

export function setMappings(metrics: AgentMetrics, counts: Readonly<Record<Kind, number>>): void {
  for (const kind of KINDS) metrics.mappings.set({ kind }, counts[kind]);
}

export function addTranslations(metrics: AgentMetrics, increments: readonly TranslationIncrement[]): void {
  for (const { labels, packets, bytes } of increments) {
    metrics.translatedPackets.inc({ ...labels }, Number(packets));
    metrics.translatedBytes.inc({ ...labels }, Number(bytes));
  }
}
