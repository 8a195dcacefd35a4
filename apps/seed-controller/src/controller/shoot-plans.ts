import { InputError } from '@overlap/runtime';
import type { InjectionSettings } from '../inject/settings.ts';
import type { ClusterObject } from '../shoot/shoot-facts.ts';
import { planShoot } from '../shoot/shoot-plan.ts';
import type { ControllerMetrics } from '../telemetry/metrics.ts';
import type { PlanEntry } from '../webhook/admission.ts';

/**
 * The plan of every shoot the Cluster watch has seen, kept current on each event. The webhook reads it on every
 * admission (every replica keeps one), and the reconciler is told which namespaces changed.
 */
export class ShootPlans {
  readonly #entries = new Map<string, PlanEntry>();
  readonly #settings: InjectionSettings;
  readonly #metrics: ControllerMetrics;
  readonly #onChange: (namespace: string) => void;

  constructor(settings: InjectionSettings, metrics: ControllerMetrics, onChange: (namespace: string) => void) {
    this.#settings = settings;
    this.#metrics = metrics;
    this.#onChange = onChange;
  }

  lookup = (namespace: string): PlanEntry => this.#entries.get(namespace) ?? { state: 'unknown' };

  namespaces(): string[] {
    return [...this.#entries.keys()];
  }

  /** A fresh list of every Cluster has ended: plans for the ones it lacked are dropped. */
  retain(names: ReadonlySet<string>): void {
    for (const namespace of this.namespaces()) if (!names.has(namespace)) this.remove(namespace);
  }

  upsert(cluster: ClusterObject): void {
    const namespace = cluster.metadata?.name;
    if (!namespace) return;
    const previous = this.#entries.get(namespace);
    const next = this.#plan(cluster);
    this.#entries.set(namespace, next);
    this.#forgetMetrics(namespace, previous);
    if (next.state === 'planned') this.#metrics.shootOverlap.set({ namespace }, next.plan.decision.inject ? 1 : 0);
    else if (next.state === 'invalid') this.#metrics.shootInvalid.set({ namespace, field: fieldOf(next.error) }, 1);
    this.#updateTotals();
    if (!previous || signature(previous) !== signature(next)) this.#onChange(namespace);
  }

  remove(namespace: string): void {
    const previous = this.#entries.get(namespace);
    if (!previous) return;
    this.#entries.delete(namespace);
    this.#forgetMetrics(namespace, previous);
    this.#updateTotals();
    this.#onChange(namespace);
  }

  #plan(cluster: ClusterObject): PlanEntry {
    try {
      return { state: 'planned', plan: planShoot(cluster, this.#settings) };
    } catch (error) {
      // Anything else is a bug of ours; skipping this shoot still beats losing the informer for all of them.
      return { state: 'invalid', error: error instanceof Error ? error : new Error(String(error)) };
    }
  }

  #forgetMetrics(namespace: string, previous: PlanEntry | undefined): void {
    this.#metrics.shootOverlap.remove({ namespace });
    if (previous?.state === 'invalid') this.#metrics.shootInvalid.remove({ namespace, field: fieldOf(previous.error) });
  }

  #updateTotals(): void {
    let overlapping = 0;
    for (const entry of this.#entries.values()) if (entry.state === 'planned' && entry.plan.decision.inject) overlapping += 1;
    this.#metrics.shoots.set(this.#entries.size);
    this.#metrics.shootsOverlapping.set(overlapping);
  }
}

const fieldOf = (error: Error): string => (error instanceof InputError ? error.field : 'unknown');

function signature(entry: PlanEntry): string {
  if (entry.state === 'planned') return `planned ${entry.plan.hash}`;
  if (entry.state === 'invalid') return `invalid ${entry.error.message}`;
  return 'unknown';
}
