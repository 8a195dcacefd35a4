// `overlap uninstall` against FakeApiServer — an in-process TEST DOUBLE of the Kubernetes API, not a cluster — after
// the real controller (webhook over HTTPS) has injected into two shoots and issued their objects.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTERS, deploymentPath, eventually, cluster, sampleDeployment } from '@overlap/test-support';
import type { RunningController } from '../src/controller/controller.ts';
import { WEBHOOK_NAMESPACE_LABEL } from '../src/inject/names.ts';
import { OWN_OBJECTS } from '../src/uninstall/own-objects.ts';
import { Harness } from './support/controller-harness.ts';
import { runOverlap as overlap } from './support/run-overlap.ts';

const [ONE, TWO, APART, BROKEN] = ['shoot--dev--one', 'shoot--dev--two', 'shoot--dev--apart', 'shoot--dev--broken'] as const;
const SHOOTS = [ONE, TWO, APART, BROKEN];
const WEBHOOK = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
const CONTROLLER_DEPLOYMENT = '/apis/apps/v1/namespaces/overlap-system/deployments';
const PODS = '/api/v1/namespaces/overlap-system/pods';
const OWNED = [
  '/api/v1/configmaps',
  '/api/v1/secrets',
  '/apis/resources.gardener.cloud/v1alpha1/managedresources',
  '/apis/monitoring.coreos.com/v1/podmonitors',
  '/apis/monitoring.coreos.com/v1alpha1/scrapeconfigs',
  '/apis/monitoring.coreos.com/v1/prometheusrules',
];

const harness = new Harness();
const dir = mkdtempSync(join(tmpdir(), 'ovl-uninstall-'));
const kubeconfig = join(dir, 'kubeconfig');
let controller: RunningController | undefined;
const before = new Map<string, unknown>();

/** The Deployment as stored, less what the API server changes on every write. */
const deploymentOf = (namespace: string) => {
  const { metadata, ...rest } = harness.api.get(`${deploymentPath(namespace)}/kube-apiserver`)!;
  const { resourceVersion: _ignored, ...kept } = metadata;
  return { ...rest, metadata: kept };
};
const ours = () =>
  OWNED.flatMap((path) => harness.api.list(path)).filter((o) => o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'overlap-seed-controller');
/** Shoot namespaces carrying the seed webhook's label (automatic mode). */
const labelled = (): string[] =>
  harness.api
    .list('/api/v1/namespaces')
    .filter((n) => n.metadata.labels?.[WEBHOOK_NAMESPACE_LABEL] === 'true')
    .map((n) => n.metadata.name)
    .sort();
const ownPath = (object: (typeof OWN_OBJECTS)[number]): string => {
  const plural = `${object.kind.toLowerCase()}s`.replace('ys', 'ies');
  const admission = '/apis/admissionregistration.k8s.io/v1';
  const groups: Record<string, string> = {
    MutatingWebhookConfiguration: admission,
    ValidatingAdmissionPolicy: admission,
    ValidatingAdmissionPolicyBinding: admission,
    Deployment: '/apis/apps/v1',
    Namespace: '/api/v1',
    ConfigMap: '/api/v1',
  };
  const group = groups[object.kind] ?? '/apis/rbac.authorization.k8s.io/v1';
  return `${group}/${object.namespace ? `namespaces/${object.namespace}/` : ''}${plural}`;
};

beforeAll(async () => {
  await harness.start();
  const api = harness.api;
  api.writeKubeconfig(kubeconfig);
  // The install: the controller's own objects (as deploy/seed has them) and a running controller pod.
  for (const object of OWN_OBJECTS) api.put(ownPath(object), { metadata: { name: object.name, ...(object.namespace ? { namespace: object.namespace } : {}) } });
  api.put(PODS, { metadata: { name: 'overlap-seed-controller-0', labels: { 'app.kubernetes.io/name': 'overlap-seed-controller' } } });
  api.put(CLUSTERS, cluster({ name: ONE, pods: '10.1.0.0/16' }) as never);
  api.put(CLUSTERS, cluster({ name: TWO, pods: '10.2.0.0/16' }) as never);
  api.put(CLUSTERS, cluster({ name: APART, pods: '100.96.0.0/11' }) as never);
  api.put(CLUSTERS, cluster({ name: BROKEN, pods: '10.1.0.0/16', status: { nodes: ['242.0.0.0/16'] } }) as never);
  for (const namespace of SHOOTS) {
    api.put('/api/v1/namespaces', { metadata: { name: namespace, labels: { 'gardener.cloud/role': 'shoot' } } });
    const deployment = sampleDeployment();
    deployment.metadata!.namespace = namespace;
    api.put(deploymentPath(namespace), deployment as never);
    before.set(namespace, deploymentOf(namespace));
  }
  const running = await harness.startController('replica-a');
  controller = running;
  harness.useWebhookOf(running);
  const viaWebhook = api.admission!;
  // The API server calls the webhook only while its configuration exists.
  api.admission = (...args) => (api.get(`${WEBHOOK}/overlap-seed-controller`) ? viaWebhook(...args) : Promise.resolve(undefined));
  // Deleting the controller's Deployment ends its pods (and so this in-process controller).
  const stopper = setInterval(() => {
    if (controller && !api.get(`${CONTROLLER_DEPLOYMENT}/overlap-seed-controller`)) {
      const stopping = controller;
      controller = undefined;
      harness.controllers.splice(harness.controllers.indexOf(stopping), 1);
      void stopping.stop().then(() => api.remove(`${PODS}/overlap-seed-controller-0`));
    }
  }, 50);
  stopper.unref();
  for (const namespace of [ONE, TWO]) {
    await eventually(() => expect(JSON.stringify(deploymentOf(namespace))).toContain('envoy-proxy'), `${namespace} injected`);
  }
  // Per shoot: two ConfigMaps, four PKI Secrets, the ManagedResource and its Secret, and the shoot monitoring
  // (PodMonitor, ScrapeConfig, PrometheusRule, dashboard ConfigMap).
  await eventually(() => expect(ours().length).toBe(24), 'objects of both shoots');
  await eventually(() => expect(api.list('/api/v1/namespaces/default/events')).toHaveLength(1), 'event about the broken shoot');
  expect(labelled()).toEqual([ONE, TWO]);
});

afterAll(async () => {
  await harness.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('overlap uninstall', () => {
  it('--dry-run says what it would do and changes nothing', async () => {
    const requests = harness.api.requests().length;
    const run = await overlap('uninstall', '--kubeconfig', kubeconfig, '--dry-run');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('would delete MutatingWebhookConfiguration overlap-seed-controller\n');
    expect(run.stdout).toContain(`would remove the injection from Deployment ${ONE}/kube-apiserver\n`);
    expect(run.stdout).toContain(`would delete Secret ${TWO}/overlap-vpn-ca\n`);
    const writes = harness.api
      .requests()
      .slice(requests)
      .filter((line) => !line.startsWith('GET') && !line.includes('/apis/coordination') && !line.includes('/events'));
    expect(writes).toEqual([]);
    expect(ours()).toHaveLength(24);
  });

  it('stops the controller first, restores every Deployment byte for byte and leaves no object of ours', async () => {
    const run = await overlap('uninstall', '--kubeconfig', kubeconfig);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      'deleted MutatingWebhookConfiguration overlap-seed-controller',
      'deleted Deployment overlap-system/overlap-seed-controller',
    ]);
    expect(lines).toContain(`removed the injection from Deployment ${ONE}/kube-apiserver`);
    expect(lines.at(-1)).toBe('deleted ValidatingAdmissionPolicy overlap-seed-controller-writes');
    expect(lines).toContain('deleted ConfigMap garden/overlap-seed-dashboard');
    expect(lines).toContain('deleted Role default/overlap-seed-controller-events');
    for (const namespace of SHOOTS) expect(deploymentOf(namespace), namespace).toEqual(before.get(namespace));
    expect(ours()).toEqual([]);
    for (const object of OWN_OBJECTS) expect(harness.api.get(`${ownPath(object)}/${object.name}`), object.kind).toBeUndefined();
    expect(harness.api.list('/api/v1/namespaces/default/events')).toEqual([]);
    expect(labelled()).toEqual([]);
  });

  it('a second run finds nothing to do', async () => {
    const run = await overlap('uninstall', '--kubeconfig', kubeconfig);
    expect(run).toEqual({ code: 0, stdout: 'nothing to do: no trace of overlap in this cluster\n', stderr: '' });
  });
});
