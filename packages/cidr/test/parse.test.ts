import { describe, expect, it } from 'vitest';
import { InputError } from '@overlap/runtime';
import { RESERVED_RANGES, UNROUTABLE_RANGES, familyOf, overlaps, parseAddress, parseCidr, parseCidrList } from '../src/index.ts';
import { parseCidrGenerally } from '../src/cidr.ts';

describe('parseCidr', () => {
  it.each([
    ['10.1.0.0/16', '10.1.0.0/16', 'IPv4'],
    [' 10.1.0.0/16 ', '10.1.0.0/16', 'IPv4'],
    ['0.0.0.0/0', '0.0.0.0/0', 'IPv4'],
    ['10.1.5.20/32', '10.1.5.20/32', 'IPv4'],
    ['FD00:0:0::/64', 'fd00::/64', 'IPv6'],
    ['2001:db8:0:0:1:0:0:0/96', '2001:db8:0:0:1::/96', 'IPv6'],
    ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128', 'IPv6'],
    ['2001:0:0:1::/64', '2001:0:0:1::/64', 'IPv6'],
    ['::/0', '::/0', 'IPv6'],
  ])('normalises %j to %s', (input, text, family) => {
    const cidr = parseCidr(input, 'F');
    expect(cidr.text).toBe(text);
    expect(cidr.family).toBe(family);
  });

  it.each([
    ['10.1.0.0/33', 'is not a valid CIDR'],
    ['10.1.0.0', 'is not a valid CIDR'],
    ['10.1.0/16', 'is not a valid CIDR'],
    ['256.1.0.0/16', 'is not a valid CIDR'],
    ['10.1.0.0/-1', 'is not a valid CIDR'],
    ['', 'is not a valid CIDR'],
    ['fd00::/129', 'is not a valid CIDR'],
    ['hello', 'is not a valid CIDR'],
    ['10.1.5.0/16', 'has host bits set; the network is 10.1.0.0/16'],
    ['fd00::1/64', 'has host bits set; the network is fd00::/64'],
  ])('refuses %j naming field and value', (input, problem) => {
    const error = (() => {
      try {
        parseCidr(input, 'SHOOT_POD_NETWORKS');
      } catch (e) {
        return e;
      }
      throw new Error('expected a failure');
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`SHOOT_POD_NETWORKS: ${JSON.stringify(input)} ${problem}`);
    expect((error as InputError).field).toBe('SHOOT_POD_NETWORKS');
  });
});

describe('parseCidrList', () => {
  it('splits, trims, skips empty entries and drops duplicates', () => {
    expect(parseCidrList(' 10.1.0.0/16, ,10.2.0.0/16,10.1.0.0/16,', 'F').map((c) => c.text)).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    expect(parseCidrList('', 'F')).toEqual([]);
  });

  it('names the bad element, not the whole list', () => {
    expect(() => parseCidrList('10.1.0.0/16,10.2.0.0/99', 'SHOOT_NODE_NETWORKS')).toThrow('SHOOT_NODE_NETWORKS: "10.2.0.0/99" is not a valid CIDR');
  });
});

describe('parseAddress and families', () => {
  it('parses both families', () => {
    expect(parseAddress('10.1.5.20', 'A')).toMatchObject({ family: 'IPv4', text: '10.1.5.20', value: 167838996n });
    expect(parseAddress('fd00::0001', 'A').text).toBe('fd00::1');
    expect(() => parseAddress('10.1.5', 'POD_IP')).toThrow('POD_IP: "10.1.5" is not a valid IP address');
    expect(familyOf('::1')).toBe('IPv6');
  });
});

describe('overlaps (parity with Go IPNet.Contains either way)', () => {
  const c = (s: string) => parseCidr(s, 'x');
  it.each([
    ['10.1.0.0/16', '10.1.0.0/16', true],
    ['10.0.0.0/8', '10.1.5.0/24', true],
    ['10.1.5.0/24', '10.0.0.0/8', true],
    ['10.1.0.0/16', '10.2.0.0/16', false],
    ['10.1.255.0/24', '10.2.0.0/24', false],
    ['0.0.0.0/0', '192.168.0.0/16', true],
    ['10.0.0.0/8', 'fd00::/8', false],
    ['::/0', '10.0.0.0/8', false],
    ['fd00::/64', 'fd00::/48', true],
  ])('%s ~ %s is %s', (a, b, expected) => {
    expect(overlaps(c(a), c(b))).toBe(expected);
  });
});

describe('bounded input', () => {
  it('refuses more networks than any shoot has, in one short line', () => {
    const many = Array.from({ length: 1_000_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`).join(',');
    const error = (() => {
      try {
        parseCidrList(many, 'SHOOT_POD_NETWORKS');
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(error.message).toMatch(/^SHOOT_POD_NETWORKS: "10\.0\.0\.0\/24,.*… \(\d+ characters\)" has 1000000 entries; at most 65536 are accepted$/);
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('the reserved and unroutable ranges', () => {
  it('IPv6 ones made from their values are exactly what their text parses to', () => {
    const ranges = [...RESERVED_RANGES, ...UNROUTABLE_RANGES.map((u) => u.range)];
    expect(ranges.map((r) => r.text)).toEqual([
      '240.0.0.0/4',
      'fd8f:6d53:b97a:1::/96',
      '0.0.0.0/8',
      '127.0.0.0/8',
      '169.254.0.0/16',
      '224.0.0.0/4',
      '::1/128',
      'fe80::/10',
      'ff00::/8',
    ]);
    for (const range of ranges) expect(range).toEqual(parseCidrGenerally(range.text, 'F'));
  });
});
