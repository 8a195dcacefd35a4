// The exposition parsing the tests, the deploy checks and the lab share.
import { describe, expect, it } from 'vitest';
import { exposes, metricFamilies, metricValue, parseMetrics } from '../src/index.ts';

describe('parseMetrics', () => {
  const text = [
    '# HELP overlap_nat_active the live rules equal the desired set',
    '# TYPE overlap_nat_active gauge',
    'overlap_nat_active{role="seed",backend="iptables"} 1',
    'overlap_nat_translated_packets_total{role="seed",kind="pods",original="10.1.0.0/16",mapped="244.0.0.0/16",direction="forward"} 12',
    'overlap_nat_translated_packets_total{role="seed",kind="nodes",original="10.250.0.0/16",mapped="242.0.0.0/16",direction="forward"} 3',
    'overlap_agent_info{version="0.1.0",tunnel_device="a \\"quoted\\" name"} 1',
    'process_start_time_seconds 1.7e9 1700000000000',
    '',
  ].join('\n');

  it('reads names, labels (with escapes) and values', () => {
    const samples = parseMetrics(text);
    expect(samples).toHaveLength(5);
    expect(samples[3]).toEqual({ name: 'overlap_agent_info', labels: { version: '0.1.0', tunnel_device: 'a "quoted" name' }, value: 1 });
    expect(samples[4]).toEqual({ name: 'process_start_time_seconds', labels: {}, value: 1.7e9 });
  });

  it('sums the samples that match the given labels', () => {
    const samples = parseMetrics(text);
    expect(metricValue(samples, 'overlap_nat_translated_packets_total')).toBe(15);
    expect(metricValue(samples, 'overlap_nat_translated_packets_total', { kind: 'pods' })).toBe(12);
    expect(metricValue(samples, 'overlap_nat_translated_packets_total', { kind: 'services' })).toBe(0);
  });

  it('names the line that is not a sample', () => {
    expect(() => parseMetrics('ok 1\nthis is not a sample\n')).toThrow(/line 2/);
  });
});

describe('metric families of an exposition', () => {
  const exposition = [
    '# HELP overlap_sync_duration_seconds One sync.',
    '# TYPE overlap_sync_duration_seconds histogram',
    'overlap_sync_duration_seconds_bucket{le="+Inf"} 1',
    '# TYPE overlap_syncs_total counter',
    'overlap_syncs_total{result="success"} 1',
  ].join('\n');

  it('finds families and the series of histograms', () => {
    const families = metricFamilies(exposition);
    expect([...families]).toEqual([
      ['overlap_sync_duration_seconds', 'histogram'],
      ['overlap_syncs_total', 'counter'],
    ]);
    for (const name of ['overlap_sync_duration_seconds_bucket', 'overlap_sync_duration_seconds_count', 'overlap_syncs_total'])
      expect(exposes(families, name)).toBe(true);
    expect(exposes(families, 'overlap_syncs_total_bucket')).toBe(false);
    expect(exposes(families, 'overlap_sync_failures_total')).toBe(false);
  });
});
