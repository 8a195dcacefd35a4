import { KINDS, type Kind } from '@overlap/cidr';
import type { Backend, Role } from '@overlap/natrules';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
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
  const registers = [registry];

  const agentInfo = new Gauge({
    name: 'overlap_agent_info',
    help: 'Build and configuration of this agent; always 1.',
    labelNames: ['version', 'tunnel_device'],
    registers,
  });
  agentInfo.set({ version: info.version, tunnel_device: info.tunnelDevice }, 1);

  const mappings = new Gauge({
    name: 'overlap_nat_mappings',
    help: 'Networks this side translates, per kind.',
    labelNames: ['kind'],
    registers,
  });
  for (const kind of KINDS) mappings.set({ kind }, 0);

  const syncs = new Counter({
    name: 'overlap_syncs_total',
    help: 'Syncs (read live rules, diff, apply if needed, verify, ensure routes), by result.',
    labelNames: ['result'],
    registers,
  });
  for (const result of ['success', 'failure']) syncs.inc({ result }, 0);

  return {
    registry,
    mappings,
    syncs,
    natExpected: new Gauge({
      name: 'overlap_nat_expected',
      help: '1 if the overlap decision says this side must translate, else 0.',
      registers,
    }),
    natActive: new Gauge({
      name: 'overlap_nat_active',
      help: '1 if the live rules equal the desired, non-empty rule set, else 0.',
      registers,
    }),
    natUntranslatable: new Gauge({
      name: 'overlap_nat_untranslatable',
      help: '1 if this side must translate but its networks cannot be translated (the reason is in the log and /readyz), else 0.',
      registers,
    }),
    rulesDesired: new Gauge({ name: 'overlap_nat_rules_desired', help: 'Rules the plan wants.', registers }),
    rulesInstalled: new Gauge({
      name: 'overlap_nat_rules_installed',
      help: 'Rules found live in the owned chains or table, ours or not.',
      registers,
    }),
    translatedPackets: new Counter({
      name: 'overlap_nat_translated_packets_total',
      help: 'Packets that hit a translation rule, from its kernel counter (forward = original to mapped).',
      labelNames: TRANSLATION_LABELS,
      registers,
    }),
    translatedBytes: new Counter({
      name: 'overlap_nat_translated_bytes_total',
      help: 'Bytes of the packets that hit a translation rule, from its kernel counter.',
      labelNames: TRANSLATION_LABELS,
      registers,
    }),
    syncDuration: new Histogram({
      name: 'overlap_sync_duration_seconds',
      help: 'Duration of one whole sync: read, diff, apply, verify, routes.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'overlap_sync_last_success_timestamp_seconds',
      help: 'Unix time of the last successful sync.',
      registers,
    }),
    syncPeriod: new Gauge({
      name: 'overlap_sync_period_seconds',
      help: 'The configured sync period (OVERLAP_SYNC_PERIOD); alerts measure the age of the last success in periods.',
      registers,
    }),
    syncTimeouts: new Counter({
      name: 'overlap_sync_timeouts_total',
      help: 'Syncs that failed because a program or the whole sync ran past its deadline (the log names the program).',
      registers,
    }),
    applyFailures: new Counter({
      name: 'overlap_apply_failures_total',
      help: 'Rule set applies (iptables-restore or nft -f) that failed.',
      registers,
    }),
    driftRepairs: new Counter({
      name: 'overlap_drift_repairs_total',
      help: 'Syncs that found the applied rules changed from outside and put them back.',
      registers,
    }),
    routeDependencyOk: new Gauge({
      name: 'overlap_route_dependency_ok',
      help: 'HA: 1 if the route to this mapped block that the owner (Gardener path or tunnel controller) installs is in place through the tunnel devices, else 0.',
      labelNames: ['kind', 'destination', 'device', 'owner'],
      registers,
    }),
    staleRulesRemoved: new Counter({
      name: 'overlap_stale_rules_removed_total',
      help: 'Rules removed because the plan no longer has them.',
      registers,
    }),
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
