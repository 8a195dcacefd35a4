import { type Address, containsAddress, formatAddress } from './cidr.ts';
import type { Mapping } from './packing.ts';

class UnmappedAddressError extends Error {
  constructor(address: Address, side: 'original' | 'mapped') {
    super(`${address.text} is not inside any ${side} network of the mappings`);
    this.name = 'UnmappedAddressError';
  }
}

function move(address: Address, from: Mapping['original'], to: Mapping['mapped']): Address {
  const value = to.address + (address.value - from.address);
  return { family: to.family, value, text: formatAddress(to.family, value) };
}

/** NETMAP semantics: the prefix is replaced, the host bits are kept. */
export function translate(mappings: readonly Mapping[], address: Address): Address {
  const hit = mappings.find((m) => containsAddress(m.original, address));
  if (!hit) throw new UnmappedAddressError(address, 'original');
  return move(address, hit.original, hit.mapped);
}

export function untranslate(mappings: readonly Mapping[], address: Address): Address {
  const hit = mappings.find((m) => containsAddress(m.mapped, address));
  if (!hit) throw new UnmappedAddressError(address, 'mapped');
  return move(address, hit.mapped, hit.original);
}
