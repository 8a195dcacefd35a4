/**
 * Reading a live rule set parses the same few things again and again (each rule names its mapping's networks in the
 * match, the target and the comment, and every sync reads the same rules). Results that are immutable can be
 * shared; the bound keeps a long-running agent's memory flat whatever it is fed. The key alone decides the result
 * (further arguments only shape an error, which is never remembered).
 */
const MAX_ENTRIES = 65_536;

export function boundedMemo<Rest extends unknown[], T>(compute: (key: string, ...rest: Rest) => T): (key: string, ...rest: Rest) => T {
  const cache = new Map<string, T>();
  return (key, ...rest) => {
    if (cache.has(key)) return cache.get(key) as T;
    const value = compute(key, ...rest);
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(key, value);
    return value;
  };
}
