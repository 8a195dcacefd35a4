import { describe, expect, it } from 'vitest';
import { mergeCaptures, summarizeCapture, unmappedAddresses } from '../src/index.ts';

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

describe('mergeCaptures', () => {
  it('one conversation seen on two devices (the path switched during it) is one, its packets added up', () => {
    const path0 = summarizeCapture(
      [
        'x IP 241.1.0.10.41234 > 244.0.5.20.8080: Flags [S], seq 1, length 0',
        'x IP 244.0.5.20.8080 > 241.1.0.10.41234: Flags [S.], seq 2, ack 2, length 0',
        'x IP 241.1.0.10.50000 > 242.0.0.5.10250: Flags [S], seq 1, length 0',
      ].join('\n'),
    );
    const path1 = summarizeCapture('x IP 241.1.0.10.41234 > 244.0.5.20.8080: Flags [.], ack 1, length 0\n');
    expect(mergeCaptures([path0, path1])).toEqual({
      packets: 4,
      flows: [
        { client: '241.1.0.10', server: '244.0.5.20', port: 8080, outbound: 2, inbound: 1 },
        { client: '241.1.0.10', server: '242.0.0.5', port: 10250, outbound: 1, inbound: 0 },
      ],
      addresses: ['241.1.0.10', '244.0.5.20', '242.0.0.5'],
    });
  });
});
