import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, MAX_SHOWN_VALUE, envValue, fromEnv, integerIn, oneOf, parseBoolean, parseListenAddress, secondsIn } from '../src/index.ts';

const message = (parse: () => unknown): string => {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('InputError', () => {
  it('cuts a long value in the message but keeps it whole on the error', () => {
    const value = 'x'.repeat(5000);
    const error = new InputError('F', value, 'is bad');
    expect(error.message).toBe(`F: "${'x'.repeat(MAX_SHOWN_VALUE)}… (5000 characters)" is bad`);
    expect(error.value).toBe(value);
  });
});

describe('env values', () => {
  it('treats unset, empty and blank as "use the default", and trims the rest', () => {
    const env = { EMPTY: '', BLANK: '  ', SET: ' 7 ' };
    expect([envValue(env, 'UNSET'), envValue(env, 'EMPTY'), envValue(env, 'BLANK'), envValue(env, 'SET')]).toEqual([undefined, undefined, undefined, '7']);
    expect(fromEnv(env, 'BLANK', integerIn(0, 9), 3)).toBe(3);
    expect(fromEnv(env, 'SET', integerIn(0, 9), 3)).toBe(7);
    expect(fromEnv(env, 'UNSET', integerIn(0, 9), undefined)).toBeUndefined();
  });

  it('names the variable and its value in one line', () => {
    expect(message(() => fromEnv({ IS_HA: 'yes' }, 'IS_HA', parseBoolean, false))).toBe('IS_HA: "yes" must be true or false');
  });
});

describe('value parsers', () => {
  it('parse what they print, whatever the case of a boolean', () => {
    expect([parseBoolean('TRUE', 'f'), parseBoolean('false', 'f')]).toEqual([true, false]);
    expect(oneOf(['a', 'b'])('b', 'f')).toBe('b');
    expect(message(() => oneOf(['a', 'b'])('c', '--x'))).toBe('--x: "c" must be one of a, b');
    expect(secondsIn(0.5, 10)('0.5', 'f')).toBe(0.5);
    expect(message(() => secondsIn(1, 10, { whole: true })('1.5', 'P'))).toBe('P: "1.5" must be a whole number of seconds from 1 to 10');
    expect(parseListenAddress('[::1]:8080', 'A')).toEqual({ host: '::1', port: 8080 });
    expect(parseListenAddress('0.0.0.0:0', 'A')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(message(() => parseListenAddress('localhost:80', 'A'))).toContain('must have an IP address as host');
  });

  it('integers: exactly the decimal integers in range, never hex, exponents or signs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: -10, max: 200 }), (a, b, n) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const parse = integerIn(min, max);
        if (n >= min && n <= max) expect(parse(String(n), 'N')).toBe(n);
        else expect(() => parse(String(n), 'N')).toThrow(`N: "${n}" must be an integer from ${min} to ${max}`);
      }),
    );
    for (const text of ['0x10', '1e1', '+5', ' 5', '5.0', '']) expect(() => integerIn(0, 100)(text, 'N')).toThrow(InputError);
  });

  it('seconds: any plain decimal in range, with fractions unless whole', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 99 }), (whole, hundredths) => {
        const text = `${whole}.${String(hundredths).padStart(2, '0')}`;
        const value = Number(text);
        const inRange = value >= 0.5 && value <= 5000;
        if (inRange) expect(secondsIn(0.5, 5000)(text, 'S')).toBe(value);
        else expect(() => secondsIn(0.5, 5000)(text, 'S')).toThrow('must be a number of seconds from 0.5 to 5000');
        expect(() => secondsIn(0, 10_000, { whole: true })(text, 'S')).toThrow('must be a whole number of seconds');
      }),
    );
  });

  it('listen addresses: every IPv4 and bracketed IPv6 host with any port round-trips', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 0, max: 65535 }), (host, port) => {
        const text = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        expect(parseListenAddress(text, 'A')).toEqual({ host, port });
      }),
    );
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 65536, max: 99_999 }), (host, port) => {
        expect(() => parseListenAddress(`${host}:${port}`, 'A')).toThrow('must be host:port');
      }),
    );
  });
});
