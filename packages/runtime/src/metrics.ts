import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Declares each metric once by name, HELP text and labels, registered in one registry. */
export interface MetricFactory {
  gauge<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  counter<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  histogram<L extends string = string>(name: string, help: string, buckets: readonly number[], labelNames?: readonly L[]): Histogram<L>;
}

export function metricFactory(registry: Registry): MetricFactory {
  const registers = [registry];
  const labels = <L extends string>(labelNames: readonly L[] | undefined) => (labelNames === undefined ? {} : { labelNames });
  return {
    gauge: (name, help, labelNames) => new Gauge({ name, help, registers, ...labels(labelNames) }),
    counter: (name, help, labelNames) => new Counter({ name, help, registers, ...labels(labelNames) }),
    histogram: (name, help, buckets, labelNames) => new Histogram({ name, help, buckets: [...buckets], registers, ...labels(labelNames) }),
  };
}
