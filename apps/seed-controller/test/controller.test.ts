// Runs the whole controller against FakeApiServer — an in-process TEST DOUBLE of the Kubernetes API (list/watch,
// CRUD, a mutating-webhook call for Deployments), not a cluster — with its real webhook served over HTTPS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  CLUSTERS,
  LEASES,
  configMapPath,
  deploymentPath,
  apartCluster,
  cluster,
  overlappingCluster,
  sampleDeployment,
} from '@overlap/test-support';
import type { RunningController } from '../src/controller/controller.ts';
import { INJECTED_ANNOTATION, PLAN_HASH_ANNOTATION } from '../src/inject/names.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../src/inject/settings.ts';
import { dashboardConfigMap } from '../src/monitoring/shoot-monitoring.ts';
import { planShoot } from '../src/shoot/shoot-plan.ts';
import { ControllerMetrics } from '../src/telemetry/metrics.ts';
import { Harness } from './support/controller-harness.ts';

const OVERLAP = 'shoot--dev--overlap';
const APART = 'shoot--dev--apart';
const BROKEN = 'shoot--dev--broken';
const GARDENER_MANAGED = 'shoot--dev--managed';

const harness = new Harness();
const metrics = new ControllerMetrics('test', false);
let leader: RunningController;

function seedDeployment(namespace: string): void {
  const deployment = sampleDeployment();
  deployment.metadata!.namespace = namespace;
  harness.api.put(deploymentPath(namespace), deployment as never);
}

const containerNames = (namespace: string): string[] =>
  harness.api.get(`${deploymentPath(namespace)}/kube-apiserver`)!.spec.template.spec.containers.map((c: { name: string }) => c.name);
const configMapNames = (namespace: string): string[] =>
  harness.api
    .list(configMapPath(namespace))
    .map((c) => c.metadata.name)
    .sort();
const gauge = async (metric: { get(): Promise<{ values: Array<{ labels: object; value: number }> }> }) =>
  (await metric.get()).values.map((v) => ({ ...v.labels, value: v.value }));

beforeAll(async () => {
  await harness.start();
  harness.api.put(CLUSTERS, overlappingCluster() as never);
  harness.api.put(CLUSTERS, apartCluster() as never);
  harness.api.put(CLUSTERS, cluster({ name: BROKEN, pods: '10.1.0.0/16', status: { nodes: ['242.0.0.0/16'] } }) as never);
  harness.api.put(CLUSTERS, cluster({ name: GARDENER_MANAGED, pods: '10.1.0.0/16' }) as never);
  for (const namespace of [OVERLAP, APART, BROKEN, GARDENER_MANAGED]) seedDeployment(namespace);
  const managed = harness.api.get(`${deploymentPath(GARDENER_MANAGED)}/kube-apiserver`)!;
  managed.spec.template.spec.containers.push({ name: 'envoy-proxy', image: 'envoy', command: ['envoy'] });
  harness.api.put(deploymentPath(GARDENER_MANAGED), managed);
  leader = await harness.startController('replica-a', metrics);
  harness.useWebhookOf(leader);
});

afterAll(() => harness.close());

describe('the controller against a test double of the Kubernetes API', () => {
  it('takes the Lease', async () => {
    await eventually(() => expect(leader.leading()).toBe(true), 'replica-a leads');
    expect(harness.api.get(`${LEASES}/overlap-seed-controller`)!.spec.holderIdentity).toBe('replica-a');
  });

  it('creates the content-hashed, immutable ConfigMaps of an overlapping HA shoot', async () => {
    const plan = planShoot(overlappingCluster(), DEFAULT_INJECTION_SETTINGS);
    // The shoot dashboard's ConfigMap too: the harness runs with Gardener's shoot monitoring.
    const names = [plan.configMaps!.egress, plan.configMaps!.envoy, dashboardConfigMap(OVERLAP)].map((configMap) => configMap.metadata!.name!);
    const expected = names.sort();
    await eventually(() => expect(configMapNames(OVERLAP)).toEqual(expected), 'ConfigMaps exist');
    const envoy = harness.api.get(`${configMapPath(OVERLAP)}/${plan.configMaps!.envoy.metadata!.name}`)!;
    expect(envoy.immutable).toBe(true);
    expect(envoy.data).toEqual(plan.configMaps!.envoy.data);
  });

  it('annotates the kube-apiserver Deployment, which sends it through the webhook: Envoy and agent injected', async () => {
    await eventually(
      () => expect(harness.api.get(`${deploymentPath(OVERLAP)}/kube-apiserver`)!.metadata.annotations?.[PLAN_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{16}$/),
      'plan hash written',
    );
    await eventually(() => expect(containerNames(OVERLAP)).toContain('envoy-proxy'), 'injected');
    expect(containerNames(OVERLAP)).toEqual(['kube-apiserver', 'vpn-client-0', 'vpn-client-1', 'vpn-path-controller', 'envoy-proxy', 'seed-vpn-agent']);
  });

  it('never touches the Deployment of a shoot that needs nothing, nor one where Gardener runs Envoy itself', async () => {
    await leader.settled();
    for (const namespace of [APART, GARDENER_MANAGED]) {
      const writes = harness.api.requests().filter((r) => r.includes(`/namespaces/${namespace}/`) && !r.startsWith('GET'));
      expect(writes).toEqual([]);
      expect(configMapNames(namespace)).toEqual([]);
    }
    expect(containerNames(GARDENER_MANAGED).filter((name) => name === 'envoy-proxy')).toHaveLength(1);
  });

  it('skips a bad Cluster with an event and a metric naming the field', async () => {
    const events = await eventually(() => {
      const found = harness.api.list('/api/v1/namespaces/default/events');
      expect(found).toHaveLength(1);
      return found;
    }, 'warning event');
    expect(events[0]).toMatchObject({
      type: 'Warning',
      reason: 'InvalidNetworks',
      involvedObject: { kind: 'Cluster', name: BROKEN },
      message: 'overlap: shoot skipped: spec.shoot.status.networking.nodes[0]: "242.0.0.0/16" intersects the reserved range 240.0.0.0/4',
    });
    expect(await gauge(metrics.shootInvalid)).toEqual([{ namespace: BROKEN, field: 'spec.shoot.status.networking.nodes[0]', value: 1 }]);
    expect(containerNames(BROKEN)).not.toContain('envoy-proxy');
  });

  it('exports the shoot gauges', async () => {
    expect(await gauge(metrics.shoots)).toEqual([{ value: 4 }]);
    expect(await gauge(metrics.shootsOverlapping)).toEqual([{ value: 2 }]);
    expect(await gauge(metrics.shootOverlap)).toEqual(
      expect.arrayContaining([
        { namespace: OVERLAP, value: 1 },
        { namespace: APART, value: 0 },
      ]),
    );
  });

  it('exposes every controller metric of CONTRACTS.md, each with HELP, on the metrics port', async () => {
    const text = await (await fetch(`http://127.0.0.1:${leader.statusPort}/metrics`)).text();
    const names = [
      'overlap_controller_info',
      'overlap_controller_shoots',
      'overlap_controller_shoots_overlapping',
      'overlap_controller_shoot_overlap',
      'overlap_controller_shoot_invalid',
      'overlap_controller_reconciles_total',
      'overlap_controller_reconcile_errors_total',
      'overlap_webhook_admission_requests_total',
      'overlap_webhook_admission_duration_seconds',
      'overlap_webhook_injections_total',
      'overlap_webhook_removals_total',
    ];
    for (const name of names) expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.+$`, 'm'));
    expect(text).toMatch(/^overlap_controller_info\{version="test"\} 1$/m);
    expect(text).toMatch(/^overlap_webhook_injections_total\{namespace="shoot--dev--overlap"\} [1-9]/m);
  });

  it('when the overlap goes away: re-admits, the webhook removes its parts, the ConfigMaps are collected', async () => {
    const moved = overlappingCluster();
    const networking = (moved.spec!.shoot as { spec: { networking: Record<string, string> } }).spec.networking;
    networking.pods = '100.96.0.0/11';
    networking.services = '100.64.0.0/13';
    harness.api.put(CLUSTERS, moved as never);
    await eventually(() => expect(containerNames(OVERLAP)).not.toContain('envoy-proxy'), 'injection removed');
    const deployment = harness.api.get(`${deploymentPath(OVERLAP)}/kube-apiserver`)!;
    expect(deployment.spec.template.metadata.annotations?.[INJECTED_ANNOTATION]).toBeUndefined();
    const original = sampleDeployment();
    expect(deployment.spec.template).toEqual(original.spec!.template);
    await eventually(() => expect(configMapNames(OVERLAP)).toEqual([]), 'ConfigMaps collected');
  });

  it('a second replica serves the webhook but does not reconcile until the leader steps down', async () => {
    const standby = await harness.startController('replica-b');
    await eventually(() => expect(standby.plans.lookup(OVERLAP).state).toBe('planned'), 'standby cache synced');
    expect(standby.leading()).toBe(false);
    harness.api.put(CLUSTERS, overlappingCluster() as never);
    await eventually(() => expect(containerNames(OVERLAP)).toContain('envoy-proxy'), 'leader re-injects');

    await leader.stop();
    harness.controllers.splice(harness.controllers.indexOf(leader), 1);
    harness.useWebhookOf(standby);
    await eventually(() => expect(standby.leading()).toBe(true), 'standby takes over');
    expect(harness.api.get(`${LEASES}/overlap-seed-controller`)!.spec).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });

    harness.api.remove(`${CLUSTERS}/${OVERLAP}`);
    await eventually(() => expect(configMapNames(OVERLAP)).toEqual([]), 'new leader cleans up after a deleted Cluster');
  });
});
