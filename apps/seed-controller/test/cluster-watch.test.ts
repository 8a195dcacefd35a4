// Against FakeApiServer, an in-process TEST DOUBLE of the Kubernetes API (not a cluster).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOf } from './support/kube-client.ts';
import { eventually, FakeApiServer, cluster } from '@overlap/test-support';
import { CLUSTER_PAGE_SIZE, ClusterWatch } from '../src/controller/cluster-watch.ts';
import type { ClusterObject } from '../src/shoot/shoot-facts.ts';

const CLUSTERS = '/apis/extensions.gardener.cloud/v1alpha1/clusters';
const api = new FakeApiServer();
const known = new Map<string, ClusterObject>();
const calls: string[] = [];
const sink = {
  retain(names: ReadonlySet<string>) {
    calls.push(`retain ${[...names].join(',')}`);
    for (const name of known.keys()) if (!names.has(name)) known.delete(name);
  },
  upsert(c: ClusterObject) {
    calls.push(`upsert ${c.metadata!.name}`);
    known.set(c.metadata!.name!, c);
  },
  remove(name: string) {
    calls.push(`remove ${name}`);
    known.delete(name);
  },
};
let watch: ClusterWatch;
const FAST_RETRY = { initialMs: 20, maxMs: 200 };

beforeAll(async () => {
  await api.start();
  for (const name of ['a', 'b']) api.put(CLUSTERS, cluster({ name }) as never);
  watch = new ClusterWatch(clientOf(api), sink, pino({ level: 'silent' }), FAST_RETRY);
  await watch.start();
});
afterAll(async () => {
  watch.stop();
  await api.stop();
});

describe('ClusterWatch', () => {
  it('lists in pages, so that thousands of large Clusters are never held at once', async () => {
    const paged = new FakeApiServer();
    await paged.start();
    const names = Array.from({ length: 2 * CLUSTER_PAGE_SIZE + 1 }, (_, i) => `shoot--p--${String(i).padStart(3, '0')}`);
    for (const name of names) paged.put(CLUSTERS, cluster({ name }) as never);
    const seen: string[] = [];
    let retained: string[] = [];
    const pagedWatch = new ClusterWatch(
      clientOf(paged),
      { upsert: (c) => seen.push(c.metadata!.name!), remove: () => undefined, retain: (n) => (retained = [...n]) },
      pino({ level: 'silent' }),
      FAST_RETRY,
    );
    try {
      await pagedWatch.start();
      expect(paged.pagesServed).toBe(3);
      expect(seen).toEqual(names);
      expect(retained).toEqual(names);
    } finally {
      pagedWatch.stop();
      await paged.stop();
    }
  });

  it('lists, then follows changes', async () => {
    expect(calls).toEqual(['upsert a', 'upsert b', 'retain a,b']);
    await eventually(() => expect(api.watchCount()).toBe(1), 'watching');
    api.put(CLUSTERS, cluster({ name: 'c' }) as never);
    api.remove(`${CLUSTERS}/a`);
    await eventually(() => expect([...known.keys()].sort()).toEqual(['b', 'c']), 'c added, a removed');
  });

  it('watches again from where it was when the server ends the watch', async () => {
    calls.length = 0;
    api.closeWatches();
    await eventually(() => expect(api.watchCount()).toBe(1), 'watching again');
    api.put(CLUSTERS, cluster({ name: 'd' }) as never);
    await eventually(() => expect(known.has('d')).toBe(true), 'd seen');
    expect(calls).toEqual(['upsert d']);
  });

  it('lists afresh after 410 Gone, dropping what was deleted meanwhile', async () => {
    calls.length = 0;
    api.remove(`${CLUSTERS}/b`, { silently: true });
    api.closeWatches({ expired: true });
    await eventually(() => expect([...known.keys()].sort()).toEqual(['c', 'd']), 'relisted');
    expect(calls).toEqual(['upsert c', 'upsert d', 'retain c,d']);
  });
});
