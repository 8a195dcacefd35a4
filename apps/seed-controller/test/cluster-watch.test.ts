// Against FakeApiServer, an in-process TEST DOUBLE of the Kubernetes API (not a cluster).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterWatch } from '../src/controller/cluster-watch.ts';
import type { ClusterObject } from '../src/shoot/shoot-facts.ts';
import { eventually } from './support/eventually.ts';
import { FakeApiServer } from './support/fake-apiserver.ts';
import { cluster } from './support/fixtures.ts';

const CLUSTERS = '/apis/extensions.gardener.cloud/v1alpha1/clusters';
const api = new FakeApiServer();
const known = new Map<string, ClusterObject>();
const calls: string[] = [];
const sink = {
  replace(clusters: readonly ClusterObject[]) {
    calls.push(`replace ${clusters.map((c) => c.metadata!.name).join(',')}`);
    known.clear();
    for (const c of clusters) known.set(c.metadata!.name!, c);
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

beforeAll(async () => {
  await api.start();
  for (const name of ['a', 'b']) api.put(CLUSTERS, cluster({ name }) as never);
  watch = new ClusterWatch(api.kubeConfig(), sink, pino({ level: 'silent' }), 20);
  await watch.start();
});
afterAll(async () => {
  watch.stop();
  await api.stop();
});

describe('ClusterWatch', () => {
  it('lists, then follows changes', async () => {
    expect(calls).toEqual(['replace a,b']);
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
    expect(calls).toEqual(['replace c,d']);
  });
});
