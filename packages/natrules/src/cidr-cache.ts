import { type Cidr, parseCidr } from '@overlap/cidr';

/**
 * Reading a live rule set parses the same few networks again and again (each rule names its mapping's networks
 * in the match, the target and the comment, and every sync reads the same rules), and a validating parse costs
 * about 10 µs. Cidr values are immutable, so sharing them is safe; the bound keeps a long-running agent's memory
 * flat whatever it is fed.
 */
const MAX_ENTRIES = 65_536;
const cache = new Map<string, Cidr>();

export function parseCidrCached(text: string, field: string): Cidr {
  const hit = cache.get(text);
  if (hit) return hit;
  const cidr = parseCidr(text, field);
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(text, cidr);
  return cidr;
}
