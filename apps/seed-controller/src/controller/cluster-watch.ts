import type { BackoffOptions, Logger } from '@overlap/runtime';
import type { KubeClient } from '../kube/client.ts';
import { resourcePath } from '../kube/request.ts';
import type { ClusterObject } from '../shoot/shoot-facts.ts';
import { ListWatch } from './list-watch.ts';

export const CLUSTERS = { group: 'extensions.gardener.cloud', version: 'v1alpha1', plural: 'clusters' } as const;

/** Where the Cluster stream goes; the raw objects themselves are not kept. */
export interface ClusterSink {
  upsert(cluster: ClusterObject): void;
  /** A complete list (its pages were upserted) has ended: every Cluster it lacked is gone. */
  retain(names: ReadonlySet<string>): void;
  remove(name: string): void;
}

/**
 * Clusters per page of the initial list. A Cluster embeds its Shoot, Seed and CloudProfile, often 50–300 KiB, so an
 * unpaginated list of thousands is hundreds of MiB of JSON held at once; a page is turned into plans and dropped.
 */
export const CLUSTER_PAGE_SIZE = 50;
/** A broken list/watch is retried after 2 s, then doubling with jitter up to 30 s (client-go's reflector caps at 30 s too). */
export const RESTART_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 30_000 };

/**
 * Every Cluster, listed and watched — an informer without its object cache. A Cluster embeds the whole Shoot, Seed
 * and CloudProfile (often hundreds of KiB); the controller needs a few fields of each, which the sink turns into a
 * plan at once.
 */
export class ClusterWatch extends ListWatch<ClusterObject> {
  constructor(client: KubeClient, sink: ClusterSink, logger: Logger, retry: BackoffOptions = RESTART_BACKOFF) {
    const names = { upsert: (cluster: ClusterObject) => sink.upsert(cluster), retain: (keys: ReadonlySet<string>) => sink.retain(keys) };
    super(client, { ...names, remove: (cluster) => cluster.metadata?.name && sink.remove(cluster.metadata.name) }, logger, {
      what: 'Cluster',
      path: resourcePath(CLUSTERS),
      pageSize: CLUSTER_PAGE_SIZE,
      retry,
    });
  }
}
