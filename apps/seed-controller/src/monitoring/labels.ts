/**
 * The labels Gardener's monitoring stack selects on (gardener/gardener docs/extensions/logging-and-monitoring.md):
 * the Prometheus in each shoot namespace picks up prometheus-operator objects labelled `prometheus: shoot`, its
 * Plutono the ConfigMaps labelled `dashboard.monitoring.gardener.cloud/shoot: "true"`.
 */
export const SHOOT_PROMETHEUS_LABEL = { prometheus: 'shoot' } as const;
export const SHOOT_DASHBOARD_LABEL = { 'dashboard.monitoring.gardener.cloud/shoot': 'true' } as const;

/** Scrape jobs: fixed names, so alerts and panels do not depend on how a monitor object is named. */
export const AGENT_JOB = 'overlap-vpn-agent';
export const ENVOY_JOB = 'overlap-envoy-proxy';

/**
 * The agents' metrics that the alerts and dashboards use (kept by the `keep` relabelings; everything else an agent
 * exports, Node's process metrics, is dropped before storage). deploy/test checks every query against this list.
 */
export const AGENT_METRICS = [
  'overlap_agent_info',
  'overlap_nat_expected',
  'overlap_nat_active',
  'overlap_nat_untranslatable',
  'overlap_nat_mappings',
  'overlap_nat_rules_desired',
  'overlap_nat_rules_installed',
  'overlap_nat_translated_packets_total',
  'overlap_nat_translated_bytes_total',
  'overlap_syncs_total',
  'overlap_sync_duration_seconds_bucket',
  'overlap_sync_last_success_timestamp_seconds',
  'overlap_apply_failures_total',
  'overlap_drift_repairs_total',
  'overlap_stale_rules_removed_total',
] as const;

/** Envoy's statistics the shoot dashboard shows: the CONNECT tunnels kube-apiserver opens towards the shoot. */
export const ENVOY_METRICS = ['envoy_cluster_upstream_cx_active', 'envoy_cluster_upstream_cx_total', 'envoy_cluster_upstream_cx_connect_fail'] as const;

/** A `keep` regex matching exactly these metric names. */
export const keepRegex = (names: readonly string[]): string => `^(${names.join('|')})$`;

/** Where docs/OPERATIONS.md is published; every alert's `runbook_url` is a section of it. */
export const RUNBOOK_BASE = 'https://github.com/overlap-project/overlap/blob/main/docs/OPERATIONS.md';
/** The GitHub anchor of the runbook section `### <alert>` under "Runbooks". */
export const runbookUrl = (alert: string): string => `${RUNBOOK_BASE}#${alert.toLowerCase()}`;
