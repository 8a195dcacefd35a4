import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * Makes equal `data` values of the cached owned objects one string in memory. Many are the same in every shoot (the
 * 40 KB Plutono dashboard), and each object parsed from the API server carries its own copy: 13 MiB per thousand
 * shoots. One value is remembered per data key, the one last seen, so the table stays as small as the set of keys.
 */
export class SharedData {
  readonly #last = new Map<string, string>();

  /** Replaces, in place, each value equal to the last one seen under its key by that one. */
  share(object: KubernetesObject): void {
    const data = (object as KubernetesObject & { data?: Record<string, string> }).data;
    if (!data) return;
    for (const [key, value] of Object.entries(data)) {
      const last = this.#last.get(key);
      if (last === value) data[key] = last;
      else this.#last.set(key, value);
    }
  }
}
