import { afterEach, describe, expect, it } from 'vitest';
import { type HealthServer, type SyncStatus, createAgentMetrics, startHealthServer } from '../src/index.ts';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health server', () => {
  it('serves metrics, liveness and readiness with the reason', async () => {
    const metrics = createAgentMetrics({ role: 'seed', backend: 'nftables', version: '1.2.3', tunnelDevice: 'bond0' });
    let status: SyncStatus = { ready: false, reason: 'no sync has run yet' };
    server = await startHealthServer({ host: '127.0.0.1', port: 0 }, metrics.registry, () => status);
    const url = (path: string) => `http://127.0.0.1:${server!.port}${path}`;

    expect((await fetch(url('/healthz'))).status).toBe(200);
    const notReady = await fetch(url('/readyz'));
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe('no sync has run yet\n');
    status = { ready: true, reason: 'in sync' };
    expect((await fetch(url('/readyz'))).status).toBe(200);

    const scrape = await fetch(url('/metrics'));
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(text).toContain('overlap_agent_info{version="1.2.3",tunnel_device="bond0",role="seed",backend="nftables"} 1');
    expect(text).toContain('process_cpu_seconds_total');
    expect((await fetch(url('/nope'))).status).toBe(404);
    expect((await fetch(url('/metrics'), { method: 'POST' })).status).toBe(405);
  });
});

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
