// The Prometheus text exposition format as the tests, the deploy checks and the lab read it back: samples with
// their labels, and the metric families the `# TYPE` lines declare.

/** One sample of the Prometheus text exposition format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescapeLabel = (value: string): string => value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** Parses the samples of a /metrics page (comments and blank lines skipped); a malformed line is an error. */
export function parseMetrics(text: string): Sample[] {
  return text.split('\n').flatMap((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return [];
    const match = SAMPLE.exec(line.trim());
    if (!match) throw new Error(`metrics line ${index + 1} is not a sample: ${JSON.stringify(line)}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(LABEL)].map((m) => [m[1]!, unescapeLabel(m[2]!)]));
    return [{ name: match[1]!, labels, value: Number(match[3]) }];
  });
}

/** The sum of every sample of `name` whose labels include all of `where`. */
export function metricValue(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(where).every(([key, value]) => s.labels[key] === value)).reduce((sum, s) => sum + s.value, 0);
}

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
