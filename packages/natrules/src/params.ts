import type { Mapping } from '@overlap/cidr';
import { InputError } from '@overlap/runtime';
import { assertDevicePattern, assertInterfaceName, deviceMatches } from './device.ts';
import type { NatParams } from './model.ts';

/** Group ids are 32-bit; 2^32-1 is the kernel's "no group" marker, so it cannot be matched. */
export function assertGid(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xfffffffe) {
    throw new InputError(field, String(value), 'is not a valid group id (an integer from 0 to 4294967294)');
  }
}

const describe = (m: Mapping): string => `${m.kind} ${m.original.text} → ${m.mapped.text}`;

/**
 * Lists that passed assertMappings. One plan's list is handed to the rules, routes and route dependencies of both
 * sides (`overlap plan`: four times, 10 000 mappings each); it is read-only, so one check answers for all of them.
 */
const checkedMappings = new WeakSet<readonly Mapping[]>();

/**
 * The mappings come from planMappings, which guarantees all of this; checking again keeps a hand-built plan
 * from producing rules that silently never match or that translate one address two ways.
 */
function assertMappings(mappings: readonly Mapping[]): void {
  if (checkedMappings.has(mappings)) return;
  // Per kind, the original networks seen: no key string per mapping (a plan checks 10 000 of them).
  const seen = new Map<string, Set<string>>();
  let seedPods = 0;
  for (const m of mappings) {
    if (m.original.family !== 'IPv4' || m.mapped.family !== 'IPv4') {
      throw new InputError('mappings', describe(m), 'is not IPv4; only IPv4 is translated');
    }
    if (m.original.prefix !== m.mapped.prefix) {
      throw new InputError('mappings', describe(m), 'maps between different prefix lengths');
    }
    const originals = seen.get(m.kind) ?? new Set<string>();
    if (originals.has(m.original.text)) throw new InputError('mappings', describe(m), 'maps the same network twice');
    seen.set(m.kind, originals.add(m.original.text));
    if (m.kind === 'seedPods') seedPods += 1;
    if (seedPods > 1) throw new InputError('mappings', describe(m), 'is a second seed pod network; there is only one');
  }
  checkedMappings.add(mappings);
}

export function assertNatParams(params: NatParams): void {
  assertDevicePattern(params.tunnelDevice, 'tunnelDevice');
  assertInterfaceName(params.egressDevice, 'egressDevice');
  // On the shoot the two devices tell the directions apart; one device for both would translate traffic twice.
  if (params.role === 'shoot' && deviceMatches(params.tunnelDevice, params.egressDevice)) {
    throw new InputError('egressDevice', params.egressDevice, `must not be matched by the tunnel device ${params.tunnelDevice}`);
  }
  assertGid(params.envoyGid, 'envoyGid');
  assertMappings(params.mappings);
}
