import { metricFactory } from '@overlap/runtime';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { VpnShootOutcome } from '../vpn-shoot/mutate-vpn-shoot.ts';

/** `client_aborted`: the client went away or was too slow; counted apart so that it never fires an error alert. */
export type AdmissionOutcome = 'injected' | 'removed' | 'unchanged' | 'gardener_managed' | 'waiting_for_objects' | 'error' | 'client_aborted';
export type VpnShootAdmissionOutcome = VpnShootOutcome | 'error' | 'client_aborted';

/** Seconds, for both webhooks: an admission is answered from memory, in well under a millisecond when all is well. */
const ADMISSION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** The controller's metrics, named as in docs/CONTRACTS.md. One registry per controller so tests stay isolated. */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly #metric = metricFactory(this.registry);
  readonly info = this.#metric.gauge('overlap_controller_info', 'Build of the overlap seed controller (always 1).', ['version']);
  readonly shoots = this.#metric.gauge('overlap_controller_shoots', 'Cluster objects the controller has seen.');
  readonly shootsOverlapping = this.#metric.gauge(
    'overlap_controller_shoots_overlapping',
    'Cluster objects of HA shoots whose networks overlap the seed pod network (injection wanted).',
  );
  readonly shootOverlap = this.#metric.gauge(
    'overlap_controller_shoot_overlap',
    'Per shoot namespace: 1 if Envoy, egress selector and seed agent are to be injected, else 0.',
    ['namespace'],
  );
  readonly shootInvalid = this.#metric.gauge(
    'overlap_controller_shoot_invalid',
    'Per shoot namespace: 1 if its Cluster is skipped for bad input in the named field.',
    ['namespace', 'field'],
  );
  readonly reconciles = this.#metric.counter(
    'overlap_controller_reconciles_total',
    'Reconciliations of one shoot namespace (owned objects, Deployment annotation), by result.',
    ['result'],
  );
  readonly reconcileErrors = this.#metric.counter('overlap_controller_reconcile_errors_total', 'Reconciliations that failed and will be retried.');
  readonly driftRepairs = this.#metric.counter(
    'overlap_controller_drift_repairs_total',
    'Objects of the controller in shoot namespaces that someone deleted or edited and the reconciler put back, by kind.',
    ['kind'],
  );
  readonly leader = this.#metric.gauge(
    'overlap_controller_leader',
    '1 while this replica holds the leader Lease (reconciles), else 0; the replicas together should sum to 1.',
  );
  readonly admissions = this.#metric.counter('overlap_webhook_admission_requests_total', 'AdmissionReview requests answered by the webhook, by outcome.', [
    'outcome',
  ]);
  readonly admissionDuration = this.#metric.histogram(
    'overlap_webhook_admission_duration_seconds',
    'Time from receiving an AdmissionReview to sending the response.',
    ADMISSION_BUCKETS,
  );
  readonly injections = this.#metric.counter(
    'overlap_webhook_injections_total',
    'Admissions that injected (or updated) Envoy, egress selector and seed agent, per shoot namespace.',
    ['namespace'],
  );
  readonly removals = this.#metric.counter('overlap_webhook_removals_total', 'Admissions that removed an earlier injection, per shoot namespace.', [
    'namespace',
  ]);
  readonly vpnShootAdmissions = this.#metric.counter(
    'overlap_shoot_webhook_admission_requests_total',
    'AdmissionReview requests for vpn-shoot answered by the shoot webhook, by outcome (refused: admitted without the agent, with a warning).',
    ['outcome'],
  );
  readonly vpnShootAdmissionDuration = this.#metric.histogram(
    'overlap_shoot_webhook_admission_duration_seconds',
    'Time from receiving a vpn-shoot AdmissionReview to sending the response.',
    ADMISSION_BUCKETS,
  );

  constructor(version: string, processMetrics = true) {
    this.info.set({ version }, 1);
    this.leader.set(0);
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  recordAdmission(outcome: AdmissionOutcome, namespace: string | undefined, seconds: number): void {
    this.admissions.inc({ outcome });
    this.admissionDuration.observe(seconds);
    if (namespace && outcome === 'injected') this.injections.inc({ namespace });
    if (namespace && outcome === 'removed') this.removals.inc({ namespace });
  }

  recordVpnShootAdmission(outcome: VpnShootAdmissionOutcome, seconds: number): void {
    this.vpnShootAdmissions.inc({ outcome });
    this.vpnShootAdmissionDuration.observe(seconds);
  }
}
