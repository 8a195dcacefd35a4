import { describe, expect, it } from 'vitest';
import { metricValue, parseMetrics, summarizeCapture, unmappedAddresses } from '../src/index.ts';

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

describe('summarizeCapture', () => {
  const output = [
    '00:00:00.000001 IP 241.1.0.10.41234 > 244.0.5.20.8080: Flags [S], seq 1, length 0',
    '00:00:00.000002 IP 244.0.5.20.8080 > 241.1.0.10.41234: Flags [S.], seq 2, ack 2, length 0',
    '00:00:00.000003 IP 241.1.0.10.41234 > 244.0.5.20.8080: Flags [.], ack 1, length 0',
    '00:00:00.000004 IP 241.1.0.10.50000 > 242.0.0.5.10250: Flags [S], seq 1, length 0',
    '00:00:00.000005 IP 241.1.0.10 > 243.0.0.10: ICMP echo request, id 1, seq 1, length 64',
    'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode',
    '',
  ].join('\n');

  it('groups packets into conversations with the server side on the right', () => {
    const summary = summarizeCapture(output);
    expect(summary.packets).toBe(5);
    expect(summary.flows).toEqual([
      { client: '241.1.0.10', server: '244.0.5.20', port: 8080, outbound: 2, inbound: 1 },
      { client: '241.1.0.10', server: '242.0.0.5', port: 10250, outbound: 1, inbound: 0 },
      { client: '241.1.0.10', server: '243.0.0.10', port: undefined, outbound: 1, inbound: 0 },
    ]);
    expect(summary.addresses).toEqual(['241.1.0.10', '244.0.5.20', '242.0.0.5', '243.0.0.10']);
    expect(unmappedAddresses(summary)).toEqual([]);
  });

  it('reports every address outside 241–244.0.0.0/8', () => {
    const summary = summarizeCapture('x IP 10.1.0.10.40000 > 244.0.5.20.8080: Flags [S]\nx IP 240.0.0.1.1 > 245.0.0.1.2: UDP\n');
    expect(unmappedAddresses(summary)).toEqual(['10.1.0.10', '245.0.0.1', '240.0.0.1']);
  });
});
