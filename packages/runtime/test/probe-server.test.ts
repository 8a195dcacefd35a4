import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type ProbeServer, type Readiness, startProbeServer } from '../src/index.ts';

let server: ProbeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('probe server', () => {
  it('serves metrics, liveness and readiness with the reason', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ role: 'seed' });
    collectDefaultMetrics({ register: registry });
    new Gauge({ name: 'overlap_agent_info', help: 'Build.', labelNames: ['version'], registers: [registry] }).set({ version: '1.2.3' }, 1);
    let status: Readiness = { ready: false, reason: 'no sync has run yet' };
    server = await startProbeServer({ address: { host: '127.0.0.1', port: 0 }, registry, readiness: () => status });
    const url = (path: string) => `http://127.0.0.1:${server!.port}${path}`;

    expect((await fetch(url('/healthz'))).status).toBe(200);
    const notReady = await fetch(url('/readyz'));
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe('no sync has run yet\n');
    status = { ready: true, reason: 'in sync' };
    expect((await fetch(url('/readyz?verbose'))).status).toBe(200);

    const scrape = await fetch(url('/metrics'));
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(text).toContain('overlap_agent_info{version="1.2.3",role="seed"} 1');
    expect(text).toContain('process_cpu_seconds_total');
    expect((await fetch(url('/nope'))).status).toBe(404);
    expect((await fetch(url('/metrics'), { method: 'POST' })).status).toBe(405);
  });

  it('fails to start, naming the cause, when the address is taken', async () => {
    server = await startProbeServer({ address: { host: '127.0.0.1', port: 0 }, registry: new Registry(), readiness: () => ({ ready: true, reason: 'ok' }) });
    const taken = startProbeServer({
      address: { host: '127.0.0.1', port: server.port },
      registry: new Registry(),
      readiness: () => ({ ready: true, reason: 'ok' }),
    });
    await expect(taken).rejects.toThrow(/EADDRINUSE/);
  });
});
