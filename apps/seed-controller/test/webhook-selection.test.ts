// Automatic mode against FakeApiServer — an in-process TEST DOUBLE of the Kubernetes API, not a cluster — which,
// as kube-apiserver does, calls the seed webhook only for Deployments in namespaces matching the webhook's
// namespaceSelector (here deploy/seed's: shoot namespaces the controller labelled).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTERS, deploymentPath, eventually, apartCluster, overlappingCluster, sampleDeployment } from '@overlap/test-support';
import type { RunningController } from '../src/controller/controller.ts';
import { WEBHOOK_NAMESPACE_LABEL } from '../src/inject/names.ts';
import { ControllerMetrics } from '../src/telemetry/metrics.ts';
import { Harness } from './support/controller-harness.ts';

const OVERLAP = 'shoot--dev--overlap';
const APART = 'shoot--dev--apart';
const NAMESPACES = '/api/v1/namespaces';
const MONITORING = (namespace: string, plural: string, version = 'v1') => `/apis/monitoring.coreos.com/${version}/namespaces/${namespace}/${plural}`;

const harness = new Harness();
let controller: RunningController;
/** Namespaces of the Deployments the webhook was called for. */
const admitted: string[] = [];

const containerNames = (namespace: string): string[] =>
  harness.api.get(`${deploymentPath(namespace)}/kube-apiserver`)!.spec.template.spec.containers.map((c: { name: string }) => c.name);
const labelOf = (namespace: string): string | undefined => harness.api.get(`${NAMESPACES}/${namespace}`)!.metadata.labels?.[WEBHOOK_NAMESPACE_LABEL];

/** gardenlet writing its kube-apiserver Deployment through the API (so the webhook is asked if selected). */
async function gardenletWrites(namespace: string, method: 'POST' | 'PUT'): Promise<void> {
  const deployment = sampleDeployment();
  deployment.metadata!.namespace = namespace;
  const path = method === 'POST' ? deploymentPath(namespace) : `${deploymentPath(namespace)}/kube-apiserver`;
  const response = await fetch(`${harness.api.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(deployment) });
  expect(response.status).toBeLessThan(300);
}

beforeAll(async () => {
  await harness.start();
  for (const name of [OVERLAP, APART]) harness.api.put(NAMESPACES, { metadata: { name, labels: { 'gardener.cloud/role': 'shoot' } } });
  harness.api.admissionNamespaceLabels = { 'gardener.cloud/role': 'shoot', [WEBHOOK_NAMESPACE_LABEL]: 'true' };
  controller = await harness.startController('replica-a', new ControllerMetrics('test', false));
  harness.useWebhookOf(controller);
  const viaWebhook = harness.api.admission!;
  harness.api.admission = (operation, object, old) => {
    admitted.push(object.metadata.namespace);
    return viaWebhook(operation, object, old);
  };
  // gardenlet creates both kube-apiservers before any Cluster is known: no namespace is selected yet.
  await gardenletWrites(OVERLAP, 'POST');
  await gardenletWrites(APART, 'POST');
  harness.api.put(CLUSTERS, overlappingCluster() as never);
  harness.api.put(CLUSTERS, apartCluster() as never);
});

afterAll(() => harness.close());

describe('automatic mode: the webhook sees only namespaces the controller labelled', () => {
  it('labels an overlapping shoot namespace before it needs the webhook, which then injects', async () => {
    await eventually(() => expect(containerNames(OVERLAP)).toContain('seed-vpn-agent'), 'injected');
    expect(labelOf(OVERLAP)).toBe('true');
  });

  it('never sends the Deployment of a shoot without an overlap to the webhook, whoever writes it', async () => {
    await gardenletWrites(APART, 'PUT');
    await controller.settled();
    expect(labelOf(APART)).toBeUndefined();
    expect(admitted).not.toContain(APART);
    expect(admitted).toContain(OVERLAP);
  });

  it("keeps Gardener's shoot monitoring objects beside the injection, and none where nothing is injected", async () => {
    for (const [plural, version] of [
      ['podmonitors', 'v1'],
      ['scrapeconfigs', 'v1alpha1'],
      ['prometheusrules', 'v1'],
    ] as const) {
      const [object] = await eventually(() => {
        const found = harness.api.list(MONITORING(OVERLAP, plural, version));
        expect(found).toHaveLength(1);
        return found;
      }, plural);
      expect(object!.metadata.labels).toMatchObject({ prometheus: 'shoot' });
      expect(harness.api.list(MONITORING(APART, plural, version))).toEqual([]);
    }
    const dashboards = harness.api
      .list(`/api/v1/namespaces/${OVERLAP}/configmaps`)
      .filter((c) => c.metadata.labels?.['dashboard.monitoring.gardener.cloud/shoot'] === 'true');
    expect(dashboards).toHaveLength(1);
  });

  it('when the overlap goes: removes the injection through the webhook, then the monitoring objects and the label', async () => {
    const moved = overlappingCluster();
    const networking = (moved.spec!.shoot as { spec: { networking: Record<string, string> } }).spec.networking;
    networking.pods = '100.96.0.0/11';
    networking.services = '100.64.0.0/13';
    harness.api.put(CLUSTERS, moved as never);
    await eventually(() => expect(containerNames(OVERLAP)).not.toContain('seed-vpn-agent'), 'injection removed');
    await eventually(() => expect(labelOf(OVERLAP)).toBeUndefined(), 'label removed');
    expect(harness.api.list(MONITORING(OVERLAP, 'podmonitors'))).toEqual([]);
    expect(harness.api.list(MONITORING(OVERLAP, 'prometheusrules'))).toEqual([]);
  });
});

describe("opt-in mode: gardenlet's extension label selects, the controller labels nothing", () => {
  const optIn = new Harness();
  const OPTED = 'shoot--dev--opted';
  const admittedHere: string[] = [];
  const names = (namespace: string): string[] =>
    optIn.api.get(`${deploymentPath(namespace)}/kube-apiserver`)!.spec.template.spec.containers.map((c: { name: string }) => c.name);

  beforeAll(async () => {
    await optIn.start();
    // gardenlet labels the namespace of a shoot that lists the extension type; OVERLAP lists none.
    optIn.api.put(NAMESPACES, { metadata: { name: OPTED, labels: { 'gardener.cloud/role': 'shoot', 'extensions.gardener.cloud/overlap': 'true' } } });
    optIn.api.put(NAMESPACES, { metadata: { name: OVERLAP, labels: { 'gardener.cloud/role': 'shoot' } } });
    optIn.api.admissionNamespaceLabels = { 'gardener.cloud/role': 'shoot', 'extensions.gardener.cloud/overlap': 'true' };
    const settings = optIn.config('replica-a').injection;
    const started = await optIn.startController('replica-a', new ControllerMetrics('test', false), { injection: { ...settings, extensionType: 'overlap' } });
    optIn.useWebhookOf(started);
    const viaWebhook = optIn.api.admission!;
    optIn.api.admission = (operation, object, old) => {
      admittedHere.push(object.metadata.namespace);
      return viaWebhook(operation, object, old);
    };
    for (const namespace of [OPTED, OVERLAP]) {
      const deployment = sampleDeployment();
      deployment.metadata!.namespace = namespace;
      optIn.api.put(deploymentPath(namespace), deployment as never);
    }
    const opted = { ...overlappingCluster(), metadata: { name: OPTED } };
    (opted.spec!.shoot as { spec: Record<string, unknown> }).spec.extensions = [{ type: 'overlap' }];
    optIn.api.put(CLUSTERS, opted as never);
    optIn.api.put(CLUSTERS, overlappingCluster() as never);
  });

  afterAll(() => optIn.close());

  it('injects the overlapping shoot that enables the extension, and leaves the one that does not alone', async () => {
    await eventually(() => expect(names(OPTED)).toContain('seed-vpn-agent'), 'opted-in shoot injected');
    expect(admittedHere).not.toContain(OVERLAP);
    expect(names(OVERLAP)).not.toContain('seed-vpn-agent');
    for (const namespace of [OPTED, OVERLAP]) {
      expect(optIn.api.get(`${NAMESPACES}/${namespace}`)!.metadata.labels?.[WEBHOOK_NAMESPACE_LABEL]).toBeUndefined();
    }
    expect(optIn.api.requests().filter((line) => line.startsWith('PATCH /api/v1/namespaces'))).toEqual([]);
  });
});
