import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '@overlap/runtime';
import { assertDevicePattern, deviceMatches, isWildcard, nftDevice, parseDevicePattern } from '../src/index.ts';
import { fromNftDevice } from '../src/device.ts';

const NAME_CHAR = fc.constantFrom(...'abcxyzAZ09_.@-');
const name = (min: number, max: number) => fc.string({ unit: NAME_CHAR, minLength: min, maxLength: max }).filter((n) => n !== '.' && n !== '..');

describe('parseDevicePattern', () => {
  it.each([
    ['tun0', 'tun0'],
    ['bond0+', 'bond0+'],
    ['bond0*', 'bond0+'],
    ['a-name-long-015', 'a-name-long-015'],
    ['a-pattern-l-14+', 'a-pattern-l-14+'],
  ])('%s → %s', (value, expected) => {
    expect(parseDevicePattern(value, 'F')).toBe(expected);
  });

  it.each(['', '+', '*', 'bond0**', 'bo+nd0', 'bond0+*', 'a-pattern-l-015+', 'a-name-too-long0', 'eth 0', '..', 'tun\\*'])(
    'refuses %j naming the field and value',
    (value) => {
      const call = () => parseDevicePattern(value, 'OVERLAP_TUNNEL_DEVICE');
      expect(call).toThrow(InputError);
      expect(call).toThrow(`OVERLAP_TUNNEL_DEVICE: ${JSON.stringify(value)} is not a valid interface name or prefix pattern`);
    },
  );

  it('assertDevicePattern takes only the model spelling', () => {
    expect(() => assertDevicePattern('bond0+', 'F')).not.toThrow();
    expect(() => assertDevicePattern('bond0*', 'F')).toThrow('F: "bond0*" is spelled with * here');
  });
});

describe('deviceMatches', () => {
  it.each([
    ['bond0+', 'bond0', true],
    ['bond0+', 'bond0-ip6tnl0', true],
    ['bond0+', 'bond0ip6tnl1a2b', true],
    ['bond0+', 'bond1', false],
    ['bond0+', 'tun0', false],
    ['tun0', 'tun0', true],
    ['tun0', 'tun01', false],
    ['bond0', 'bond0-ip6tnl0', false],
  ])('%s matches %s: %s', (pattern, device, expected) => {
    expect(deviceMatches(pattern, device)).toBe(expected);
  });

  it('a pattern matches exactly the names starting with its prefix; a name only itself', () => {
    fc.assert(
      fc.property(name(1, 14), name(0, 15), (prefix, device) => {
        expect(deviceMatches(`${prefix}+`, device)).toBe(device.startsWith(prefix));
        expect(deviceMatches(prefix, device)).toBe(device === prefix);
        expect(deviceMatches(`${prefix}+`, prefix + device)).toBe(true);
      }),
    );
  });
});

describe('nft spelling', () => {
  it('a pattern is written with * and read back; a name is unchanged both ways', () => {
    expect(nftDevice('bond0+')).toBe('bond0*');
    expect(nftDevice('tun0')).toBe('tun0');
    fc.assert(
      fc.property(name(1, 14), fc.boolean(), (prefix, wildcard) => {
        const pattern = wildcard ? `${prefix}+` : prefix;
        expect(isWildcard(pattern)).toBe(wildcard);
        expect(fromNftDevice(nftDevice(pattern))).toBe(pattern);
        expect(parseDevicePattern(nftDevice(pattern), 'F')).toBe(pattern);
      }),
    );
  });

  it('a literal + in nft is no pattern of ours: it reads back into something that renders differently', () => {
    expect(nftDevice(fromNftDevice('tun+'))).not.toBe('tun+');
  });
});
