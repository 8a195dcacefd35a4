import { InputError } from '@overlap/runtime';

/**
 * A tunnel device match: one interface name (`tun0`), or a prefix ending in `+` (`bond0+`), the spelling of
 * iptables and of Gardener's vpn2. Gardener's HA data path creates its ip6tnl devices on the fly
 * (`bond0-ip6tnl<i>` in the kube-apiserver pod, `bond0ip6tnl<hex>` in vpn-shoot), so only a prefix matches them all.
 * nftables spells the same prefix `bond0*`; both spellings are accepted, the `+` one is what the model carries.
 */
const NAME_CHARS = 'A-Za-z0-9_.@-';
const INTERFACE_NAME = new RegExp(`^[${NAME_CHARS}]{1,15}$`);
/** The kernel's limit (IFNAMSIZ - 1) holds for the whole pattern too: iptables and nft both refuse longer ones. */
const DEVICE_PATTERN = new RegExp(`^[${NAME_CHARS}]{1,14}[+*]$`);

const WILDCARD = '+';

/**
 * The tunnel device match by mode. HA: Gardener's ip6tnl devices, matched as vpn2 does. Point-to-point (not HA):
 * one OpenVPN `tun0`, into which the agent also routes.
 */
export const TUNNEL_DEVICE_DEFAULTS = { ha: 'bond0+', pointToPoint: 'tun0' } as const;

export const isWildcard = (pattern: string): boolean => pattern.endsWith(WILDCARD);

/**
 * Linux accepts almost any byte in an interface name; this accepts the portable subset. It keeps names that
 * iptables would read as a wildcard (`+`) or that need quoting in a restore file or an nft script out.
 */
export function assertInterfaceName(value: string, field: string): void {
  if (!INTERFACE_NAME.test(value) || value === '.' || value === '..') {
    throw new InputError(field, value, 'is not a valid interface name (1–15 of A–Z a–z 0–9 _ . @ -)');
  }
}

/** Validates a device name or prefix pattern and returns it in the model's spelling (`bond0*` becomes `bond0+`). */
export function parseDevicePattern(value: string, field: string): string {
  if (DEVICE_PATTERN.test(value)) return `${value.slice(0, -1)}${WILDCARD}`;
  if (INTERFACE_NAME.test(value) && value !== '.' && value !== '..') return value;
  throw new InputError(field, value, 'is not a valid interface name or prefix pattern (1–15 of A–Z a–z 0–9 _ . @ -, a pattern ends in + or *)');
}

export function assertDevicePattern(value: string, field: string): void {
  if (parseDevicePattern(value, field) !== value) {
    throw new InputError(field, value, `is spelled with * here; the model spells the prefix pattern with ${WILDCARD}`);
  }
}

/** Whether a device of this name is matched by the pattern, as the kernel's iptables and nft matches decide. */
export function deviceMatches(pattern: string, device: string): boolean {
  return isWildcard(pattern) ? device.startsWith(pattern.slice(0, -1)) : device === pattern;
}

/** The pattern as nft writes it in `iifname`/`oifname` (a trailing `*`). */
export const nftDevice = (pattern: string): string => (isWildcard(pattern) ? `${pattern.slice(0, -1)}*` : pattern);

/**
 * Back from nft's spelling. A `+` in nft is a literal character, so such a name maps to something that re-renders
 * differently and the rule reads as foreign, which it is.
 */
export const fromNftDevice = (text: string): string => (text.endsWith('*') ? `${text.slice(0, -1)}${WILDCARD}` : text);
