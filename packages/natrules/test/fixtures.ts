import { type Mapping, parseNetworks, planMappings } from '@overlap/cidr';
import type { NatParams, Role } from '../src/index.ts';

/** One network of each kind plus the seed pods, the shoot pods overlapping the seed's: the common case. */
export const MAPPINGS: readonly Mapping[] = planMappings(
  parseNetworks({ seedPods: '10.1.0.0/16', pods: '10.1.0.0/16', services: '10.2.0.0/20', nodes: '10.250.0.0/24' }),
);

export const params = (role: Role, overrides: Partial<NatParams> = {}): NatParams => ({
  role,
  mappings: MAPPINGS,
  tunnelDevice: role === 'seed' ? 'bond0' : 'tun0',
  egressDevice: 'eth0',
  envoyGid: 31415,
  ...overrides,
});

/** Mappings for n shoot pod networks (/24s from 10.0.0.0/8) and a seed pod network, for size tests. */
export function manyMappings(n: number): Mapping[] {
  const pods = Array.from({ length: n }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`).join(',');
  return planMappings(parseNetworks({ seedPods: '100.64.0.0/16', pods }));
}
