import { isIP } from 'node:net';
import { InputError } from './errors.ts';

/**
 * Turns one setting's text into its value or throws InputError naming the field (a flag or an env variable) and
 * the value. The same parsers serve flags and env, so a setting reads the same wherever it is given.
 */
export type ValueParser<T> = (value: string, field: string) => T;

/** The raw environment: every value may be missing. */
export type Env = Readonly<Record<string, string | undefined>>;

/** An unset or empty variable means "use the default", as in a Kubernetes manifest that sets `value: ""`. */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** The parsed variable, or `fallback` when it is unset or empty. */
export function fromEnv<T, F = T>(env: Env, name: string, parse: ValueParser<T>, fallback: F): T | F {
  const value = envValue(env, name);
  return value === undefined ? fallback : parse(value, name);
}

export const parseBoolean: ValueParser<boolean> = (value, field) => {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new InputError(field, value, 'must be true or false');
};

export function oneOf<T extends string>(allowed: readonly T[]): ValueParser<T> {
  return (value, field) => {
    const hit = allowed.find((a) => a === value);
    if (hit === undefined) throw new InputError(field, value, `must be one of ${allowed.join(', ')}`);
    return hit;
  };
}

/** A decimal integer within [min, max]; `Number()` alone would accept "0x10", "1e3" and " ". */
export function integerIn(min: number, max: number): ValueParser<number> {
  return (value, field) => {
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InputError(field, value, `must be an integer from ${min} to ${max}`);
    }
    return parsed;
  };
}

/**
 * Seconds as a plain decimal within [min, max]: fractions allowed (tests and labs run fast loops) unless `whole`
 * (a Lease duration is an integer in the API).
 */
export function secondsIn(min: number, max: number, options: { readonly whole?: boolean } = {}): ValueParser<number> {
  const pattern = options.whole ? /^\d+$/ : /^\d+(\.\d+)?$/;
  const what = options.whole ? 'a whole number of seconds' : 'a number of seconds';
  return (value, field) => {
    const parsed = pattern.test(value) ? Number(value) : Number.NaN;
    if (!(parsed >= min && parsed <= max)) throw new InputError(field, value, `must be ${what} from ${min} to ${max}`);
    return parsed;
  };
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `host:port`, with an IPv6 host in brackets (`[::]:9150`), as Go and Prometheus write listen addresses. The host
 * is an IP address, never a name: a name that does not resolve would only fail when the server starts, and the
 * pod IP comes from the downward API anyway (`$(POD_IP):9150`).
 */
export const parseListenAddress: ValueParser<ListenAddress> = (value, field) => {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new InputError(field, value, 'must be host:port (IPv6 host in brackets), port 0–65535');
  const host = match[1] ?? match[2] ?? '';
  if (isIP(host) === 0) throw new InputError(field, value, 'must have an IP address as host (e.g. the pod IP), not a name');
  return { host, port };
};
