import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { VpnShootOutcome } from '../vpn-shoot/mutate-vpn-shoot.ts';

/** `client_aborted`: the client went away or was too slow; counted apart so that it never fires an error alert. */
export type AdmissionOutcome = 'injected' | 'removed' | 'unchanged' | 'gardener_managed' | 'waiting_for_objects' | 'error' | 'client_aborted';
export type VpnShootAdmissionOutcome = VpnShootOutcome | 'error' | 'client_aborted';

/** The controller's metrics, named as in docs/CONTRACTS.md. One registry per controller so tests stay isolated. */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly info = new Gauge({
    name: 'overlap_controller_info',
    help: 'Build of the overlap seed controller (always 1).',
    labelNames: ['version'] as const,
    registers: [this.registry],
  });
  readonly shoots = new Gauge({
    name: 'overlap_controller_shoots',
    help: 'Cluster objects the controller has seen.',
    registers: [this.registry],
  });
  readonly shootsOverlapping = new Gauge({
    name: 'overlap_controller_shoots_overlapping',
    help: 'Cluster objects of HA shoots whose networks overlap the seed pod network (injection wanted).',
    registers: [this.registry],
  });
  readonly shootOverlap = new Gauge({
    name: 'overlap_controller_shoot_overlap',
    help: 'Per shoot namespace: 1 if Envoy, egress selector and seed agent are to be injected, else 0.',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });
  readonly shootInvalid = new Gauge({
    name: 'overlap_controller_shoot_invalid',
    help: 'Per shoot namespace: 1 if its Cluster is skipped for bad input in the named field.',
    labelNames: ['namespace', 'field'] as const,
    registers: [this.registry],
  });
  readonly reconciles = new Counter({
    name: 'overlap_controller_reconciles_total',
    help: 'Reconciliations of one shoot namespace (owned objects, Deployment annotation), by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: 'overlap_controller_reconcile_errors_total',
    help: 'Reconciliations that failed and will be retried.',
    registers: [this.registry],
  });
  readonly driftRepairs = new Counter({
    name: 'overlap_controller_drift_repairs_total',
    help: 'Objects of the controller in shoot namespaces that someone deleted or edited and the reconciler put back, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'overlap_controller_leader',
    help: '1 while this replica holds the leader Lease (reconciles), else 0; the replicas together should sum to 1.',
    registers: [this.registry],
  });
  readonly admissions = new Counter({
    name: 'overlap_webhook_admission_requests_total',
    help: 'AdmissionReview requests answered by the webhook, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly admissionDuration = new Histogram({
    name: 'overlap_webhook_admission_duration_seconds',
    help: 'Time from receiving an AdmissionReview to sending the response.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly injections = new Counter({
    name: 'overlap_webhook_injections_total',
    help: 'Admissions that injected (or updated) Envoy, egress selector and seed agent, per shoot namespace.',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });
  readonly removals = new Counter({
    name: 'overlap_webhook_removals_total',
    help: 'Admissions that removed an earlier injection, per shoot namespace.',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });
  readonly vpnShootAdmissions = new Counter({
    name: 'overlap_shoot_webhook_admission_requests_total',
    help: 'AdmissionReview requests for vpn-shoot answered by the shoot webhook, by outcome (refused: admitted without the agent, with a warning).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly vpnShootAdmissionDuration = new Histogram({
    name: 'overlap_shoot_webhook_admission_duration_seconds',
    help: 'Time from receiving a vpn-shoot AdmissionReview to sending the response.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

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
