import { InputError } from '@overlap/cidr';
import { isIP } from 'node:net';

/** The raw environment: every value may be missing. */
export type Env = Readonly<Record<string, string | undefined>>;

/** An unset or empty variable means "use the default", as in a Kubernetes manifest that sets `value: ""`. */
export function envValue(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function parseBoolean(env: Env, name: string, fallback: boolean): boolean {
  const value = envValue(env, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new InputError(name, value, 'must be true or false');
}

export function parseOneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = envValue(env, name);
  if (value === undefined) return fallback;
  const hit = allowed.find((a) => a === value);
  if (hit === undefined) throw new InputError(name, value, `must be one of ${allowed.join(', ')}`);
  return hit;
}

/** A decimal integer within [min, max]; `Number()` alone would accept "0x10", "1e3" and " ". */
export function parseInteger(env: Env, name: string, min: number, max: number): number | undefined {
  const value = envValue(env, name);
  if (value === undefined) return undefined;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new InputError(name, value, `must be an integer from ${min} to ${max}`);
  }
  return parsed;
}

/** Seconds as a plain decimal (fractions allowed, so tests and labs can run fast loops) within [min, max]. */
export function parseSeconds(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = envValue(env, name);
  if (value === undefined) return fallback;
  const parsed = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed >= min && parsed <= max)) throw new InputError(name, value, `must be a number of seconds from ${min} to ${max}`);
  return parsed;
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
export function parseListenAddress(env: Env, name: string, fallback: string): ListenAddress {
  const value = envValue(env, name) ?? fallback;
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new InputError(name, value, 'must be host:port (IPv6 host in brackets), port 0–65535');
  const host = match[1] ?? match[2] ?? '';
  if (isIP(host) === 0) throw new InputError(name, value, 'must have an IP address as host (e.g. the pod IP), not a name');
  return { host, port };
}
