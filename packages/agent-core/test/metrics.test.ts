import { describe, expect, it } from 'vitest';
import { createAgentMetrics } from '../src/index.ts';

describe('agent metrics', () => {
  it('gives every overlap_ metric HELP text and Prometheus naming', async () => {
    const metrics = createAgentMetrics({ role: 'shoot', backend: 'iptables', version: 'v', tunnelDevice: 'tun0' });
    const all = await metrics.registry.getMetricsAsJSON();
    const ours = all.filter((m) => m.name.startsWith('overlap_'));
    expect(ours.map((m) => m.name).sort()).toEqual(
      [
        'overlap_agent_info',
        'overlap_apply_failures_total',
        'overlap_drift_repairs_total',
        'overlap_nat_active',
        'overlap_nat_expected',
        'overlap_nat_mappings',
        'overlap_nat_rules_desired',
        'overlap_nat_rules_installed',
        'overlap_nat_translated_bytes_total',
        'overlap_nat_translated_packets_total',
        'overlap_nat_untranslatable',
        'overlap_route_dependency_ok',
        'overlap_stale_rules_removed_total',
        'overlap_sync_duration_seconds',
        'overlap_sync_last_success_timestamp_seconds',
        'overlap_sync_period_seconds',
        'overlap_sync_timeouts_total',
        'overlap_syncs_total',
      ].sort(),
    );
    for (const metric of ours) {
      expect(metric.help.length, metric.name).toBeGreaterThan(10);
      if (String(metric.type) === 'counter') expect(metric.name).toMatch(/_total$/);
      else expect(metric.name).not.toMatch(/_total$/);
    }
  });
});
