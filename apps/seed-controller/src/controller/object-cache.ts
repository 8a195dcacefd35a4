import type { KubernetesObject } from '@kubernetes/client-node';
import { type ListWatchSink, objectKey } from './list-watch.ts';

type Change = 'add' | 'update' | 'delete';

/**
 * The objects of one kind as a list/watch last showed them, by namespace and name, telling listeners of each change
 * (an informer's store). Fed by a ListWatch.
 */
export class ObjectCache<T extends KubernetesObject = KubernetesObject> implements ListWatchSink<T> {
  readonly #byNamespace = new Map<string, Map<string, T>>();
  readonly #listeners: Record<Change, Array<(object: T) => void>> = { add: [], update: [], delete: [] };

  on(change: Change, listener: (object: T) => void): void {
    this.#listeners[change].push(listener);
  }

  get(name: string, namespace = ''): T | undefined {
    return this.#byNamespace.get(namespace)?.get(name);
  }

  list(namespace: string): T[] {
    return [...(this.#byNamespace.get(namespace)?.values() ?? [])];
  }

  upsert(object: T): void {
    const { namespace = '', name = '' } = object.metadata ?? {};
    const names = this.#byNamespace.get(namespace) ?? new Map<string, T>();
    this.#byNamespace.set(namespace, names);
    const known = names.has(name);
    names.set(name, object);
    this.#emit(known ? 'update' : 'add', object);
  }

  remove(object: T): void {
    const { namespace = '', name = '' } = object.metadata ?? {};
    const names = this.#byNamespace.get(namespace);
    const known = names?.get(name);
    if (!names || !known) return;
    names.delete(name);
    if (names.size === 0) this.#byNamespace.delete(namespace);
    this.#emit('delete', known);
  }

  retain(keys: ReadonlySet<string>): void {
    for (const names of [...this.#byNamespace.values()]) {
      for (const object of [...names.values()]) if (!keys.has(objectKey(object))) this.remove(object);
    }
  }

  #emit(change: Change, object: T): void {
    for (const listener of this.#listeners[change]) listener(object);
  }
}
