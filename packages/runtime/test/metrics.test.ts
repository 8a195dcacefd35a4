import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricFactory } from '../src/index.ts';

describe('metricFactory', () => {
  it('declares each kind once by name, HELP and labels, in the given registry only', async () => {
    const registry = new Registry();
    const metric = metricFactory(registry);
    metric.gauge('x_ready', 'Whether x is ready.').set(1);
    metric.counter('x_events_total', 'Events by kind.', ['kind']).inc({ kind: 'a' });
    metric.histogram('x_seconds', 'Time taken.', [0.1, 1]).observe(0.5);
    const text = await registry.metrics();
    expect(text).toContain('# HELP x_ready Whether x is ready.\n# TYPE x_ready gauge\nx_ready 1');
    expect(text).toContain('# TYPE x_events_total counter\nx_events_total{kind="a"} 1');
    expect(text).toContain('x_seconds_bucket{le="1"} 1');
    expect(() => metric.gauge('x_ready', 'Again.')).toThrow(/already been registered/);
  });
});
