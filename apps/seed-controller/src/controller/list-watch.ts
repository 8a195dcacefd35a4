import type { KubernetesObject } from '@kubernetes/client-node';
import { Backoff, type BackoffOptions, type Logger } from '@overlap/runtime';
import type { KubeClient } from '../kube/client.ts';
import { type ObjectList, type Query, httpStatus } from '../kube/request.ts';
import { apiErrorCause } from '../telemetry/api-error.ts';

/** Where a list/watch stream goes: each object as it arrives, its removal, and the end of a complete list. */
export interface ListWatchSink<T extends KubernetesObject> {
  upsert(object: T): void;
  remove(object: T): void;
  /** A complete list (its pages were upserted) has ended: every object whose key it lacked is gone. */
  retain(keys: ReadonlySet<string>): void;
}

/** `namespace/name`, or the name of a cluster-scoped object: what retain() is given. */
export const objectKey = (object: KubernetesObject): string =>
  object.metadata?.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : (object.metadata?.name ?? '');

export interface ListWatchOptions {
  /** What the stream is of, for the log line when it breaks (`Cluster`, `Secret`). */
  readonly what: string;
  /** The cluster-wide collection path, e.g. /api/v1/secrets. */
  readonly path: string;
  readonly labelSelector?: string | undefined;
  /** Objects per page of a list: the most the controller holds at once while listing. */
  readonly pageSize: number;
  readonly retry: BackoffOptions;
}

type Event<T> = T & { code?: number; metadata?: { resourceVersion?: string } };

/**
 * List, then watch from the list's resourceVersion, relisting when the server says it is too old (410) and
 * retrying a broken list or watch with backoff: client-go's reflector, handing every object to a sink. Fields no
 * reader needs (managedFields, often the largest part of a small object) are dropped as objects arrive.
 */
export class ListWatch<T extends KubernetesObject> {
  readonly #client: KubeClient;
  readonly #sink: ListWatchSink<T>;
  readonly #logger: Logger;
  readonly #options: ListWatchOptions;
  readonly #backoff: Backoff;
  #resourceVersion = '';
  #stopped = false;
  /** When the list or watch last broke, undefined while it works; starts broken until the first list. */
  #brokenSince: number | undefined = Date.now();
  readonly #abort = new AbortController();

  constructor(client: KubeClient, sink: ListWatchSink<T>, logger: Logger, options: ListWatchOptions) {
    this.#client = client;
    this.#sink = sink;
    this.#logger = logger;
    this.#options = options;
    this.#backoff = new Backoff(options.retry);
  }

  /** Resolves after the first successful list, then keeps the sink current until stop(). */
  start(): Promise<void> {
    return new Promise((listed) => void this.#run(listed));
  }

  /** How long the stream has been broken (0 while it works). */
  brokenForMs(now = Date.now()): number {
    return this.#brokenSince === undefined ? 0 : now - this.#brokenSince;
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
  }

  async #run(listed: () => void): Promise<void> {
    while (!this.#stopped) {
      try {
        if (this.#resourceVersion === '') {
          this.#resourceVersion = await this.#listInPages();
          if (this.#stopped) return;
          this.#working();
          listed();
        }
        await this.#watchUntilClosed();
      } catch (error) {
        if (this.#stopped) return;
        this.#brokenSince ??= Date.now();
        if (httpStatus(error) === 410) this.#resourceVersion = '';
        this.#logger.warn({ server: this.#client.server, cause: apiErrorCause(error) }, `${this.#options.what} list/watch failed; retrying`);
        await new Promise((resolve) => setTimeout(resolve, this.#backoff.next()));
      }
    }
  }

  #working(): void {
    this.#brokenSince = undefined;
    this.#backoff.reset();
  }

  /** Upserts every object page by page, then has the sink drop those not listed; the resourceVersion to watch from. */
  async #listInPages(): Promise<string> {
    const keys = new Set<string>();
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const query: Query = { labelSelector: this.#options.labelSelector, limit: this.#options.pageSize, continue: token };
      const page = await this.#client.get<ObjectList<T>>(this.#options.path, query);
      for (const object of page.items) {
        keys.add(objectKey(object));
        this.#sink.upsert(trimmed(object));
      }
      resourceVersion = page.metadata?.resourceVersion ?? '';
      token = page.metadata?.continue || undefined;
    } while (token && !this.#stopped);
    this.#sink.retain(keys);
    return resourceVersion;
  }

  /** Resolves when the server ends the watch (it does every few minutes), rejects when the connection fails. */
  #watchUntilClosed(): Promise<void> {
    const query = { labelSelector: this.#options.labelSelector, resourceVersion: this.#resourceVersion, allowWatchBookmarks: true };
    return this.#client.watch<Event<T>>(
      this.#options.path,
      query,
      ({ type, object }) => {
        if (type === 'ERROR') {
          if (object.code === 410) this.#resourceVersion = '';
          return;
        }
        this.#resourceVersion = object.metadata?.resourceVersion ?? this.#resourceVersion;
        this.#working();
        if (type === 'ADDED' || type === 'MODIFIED') this.#sink.upsert(trimmed(object));
        else if (type === 'DELETED') this.#sink.remove(trimmed(object));
      },
      this.#abort.signal,
      // The server accepted the watch from our resourceVersion: nothing was missed since the last event.
      () => this.#working(),
    );
  }
}

function trimmed<T extends KubernetesObject>(object: T): T {
  if (object.metadata?.managedFields) delete object.metadata.managedFields;
  return object;
}
