/** Metric family name → type, from the `# TYPE` lines of a Prometheus text exposition. */
export function metricFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(match[1] as string, match[2] as string);
  return families;
}

const SERIES_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/** Whether a name a query selects is exposed: a family itself, or a series of a histogram or summary family. */
export function exposes(families: ReadonlyMap<string, string>, name: string): boolean {
  if (families.has(name)) return true;
  return [...families].some(([family, type]) => (SERIES_SUFFIXES[type] ?? []).some((suffix) => name === `${family}${suffix}`));
}
