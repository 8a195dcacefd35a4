import { CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import { Backoff, type BackoffOptions, type Logger } from '@overlap/runtime';
import type { ClusterObject } from '../shoot/shoot-facts.ts';
import { apiErrorCause } from '../telemetry/api-error.ts';

export const CLUSTER_GROUP = 'extensions.gardener.cloud';
export const CLUSTER_VERSION = 'v1alpha1';
const CLUSTERS_PATH = `/apis/${CLUSTER_GROUP}/${CLUSTER_VERSION}/clusters`;

/** Where the Cluster stream goes; the raw objects themselves are not kept. */
export interface ClusterSink {
  upsert(cluster: ClusterObject): void;
  /** A complete list (its pages were upserted) has ended: every Cluster it lacked is gone. */
  retain(names: ReadonlySet<string>): void;
  remove(name: string): void;
}

type Listed = { items: ClusterObject[]; metadata?: { resourceVersion?: string; continue?: string } };

/**
 * Clusters per page of the initial list. A Cluster embeds its Shoot, Seed and CloudProfile, often 50–300 KiB, so an
 * unpaginated list of thousands is hundreds of MiB of JSON held at once; a page is turned into plans and dropped.
 */
export const CLUSTER_PAGE_SIZE = 50;
/** A broken list/watch is retried after 2 s, then doubling with jitter up to 30 s (client-go's reflector caps at 30 s too). */
export const RESTART_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 30_000 };
const gone = (error: unknown): boolean => [(error as { code?: number }).code, (error as { statusCode?: number }).statusCode].includes(410);

/**
 * List, then watch from the list's resourceVersion, relisting when the server says it is too old (410) — an
 * informer without its object cache. A Cluster embeds the whole Shoot, Seed and CloudProfile (often hundreds of
 * KiB); the controller needs a few fields of each, which the sink turns into a plan at once.
 */
export class ClusterWatch {
  readonly #api: CustomObjectsApi;
  readonly #watch: Watch;
  readonly #sink: ClusterSink;
  readonly #logger: Logger;
  readonly #backoff: Backoff;
  #resourceVersion = '';
  #stopped = false;
  /** When the list or watch last broke, undefined while it works; starts broken until the first list. */
  #brokenSince: number | undefined = Date.now();
  #request: AbortController | undefined;
  /** Named in every error line: which API server could not be reached. */
  readonly #server: string;

  constructor(config: KubeConfig, sink: ClusterSink, logger: Logger, retry: BackoffOptions = RESTART_BACKOFF) {
    this.#api = config.makeApiClient(CustomObjectsApi);
    this.#watch = new Watch(config);
    this.#sink = sink;
    this.#logger = logger;
    this.#backoff = new Backoff(retry);
    this.#server = config.getCurrentCluster()?.server ?? 'unknown';
  }

  /** Resolves after the first successful list, then keeps the sink current until stop(). */
  start(): Promise<void> {
    return new Promise((listed) => void this.#run(listed));
  }

  /** How long the stream has been broken (0 while it works): a broken stream means every plan may be stale. */
  brokenForMs(now = Date.now()): number {
    return this.#brokenSince === undefined ? 0 : now - this.#brokenSince;
  }

  stop(): void {
    this.#stopped = true;
    this.#request?.abort();
  }

  async #run(listed: () => void): Promise<void> {
    while (!this.#stopped) {
      try {
        if (this.#resourceVersion === '') {
          this.#resourceVersion = await this.#listInPages();
          this.#working();
          listed();
        }
        await this.#watchUntilClosed();
      } catch (error) {
        if (this.#stopped) return;
        this.#brokenSince ??= Date.now();
        if (gone(error)) this.#resourceVersion = '';
        this.#logger.warn({ server: this.#server, cause: apiErrorCause(error) }, 'Cluster list/watch failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, this.#backoff.next()));
      }
    }
  }

  #working(): void {
    this.#brokenSince = undefined;
    this.#backoff.reset();
  }

  /** Upserts every Cluster page by page, then drops those not listed; the list's resourceVersion to watch from. */
  async #listInPages(): Promise<string> {
    const names = new Set<string>();
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const page = (await this.#api.listClusterCustomObject({
        group: CLUSTER_GROUP,
        version: CLUSTER_VERSION,
        plural: 'clusters',
        limit: CLUSTER_PAGE_SIZE,
        ...(token ? { _continue: token } : {}),
      })) as Listed;
      for (const cluster of page.items) {
        if (cluster.metadata?.name) names.add(cluster.metadata.name);
        this.#sink.upsert(cluster);
      }
      resourceVersion = page.metadata?.resourceVersion ?? '';
      token = page.metadata?.continue || undefined;
    } while (token && !this.#stopped);
    this.#sink.retain(names);
    return resourceVersion;
  }

  /** Resolves when the server ends the watch (it does every few minutes), rejects when the connection fails. */
  #watchUntilClosed(): Promise<void> {
    return new Promise((resolve, reject) => {
      let ended = false;
      this.#watch
        .watch(
          CLUSTERS_PATH,
          { resourceVersion: this.#resourceVersion, allowWatchBookmarks: true },
          (type: string, object: ClusterObject & { code?: number; metadata?: { resourceVersion?: string } }) => {
            if (type === 'ERROR') {
              if (object.code === 410) this.#resourceVersion = '';
              return;
            }
            this.#resourceVersion = object.metadata?.resourceVersion ?? this.#resourceVersion;
            this.#working();
            if (type === 'ADDED' || type === 'MODIFIED') this.#sink.upsert(object);
            else if (type === 'DELETED' && object.metadata?.name) this.#sink.remove(object.metadata.name);
          },
          (error: unknown) => {
            ended = true;
            if (error) reject(error);
            else resolve();
          },
        )
        .then((request) => {
          // The server accepted the watch from our resourceVersion: nothing was missed since the last event.
          if (!ended) this.#working();
          this.#request = request;
          if (this.#stopped) request.abort();
        }, reject);
    });
  }
}
