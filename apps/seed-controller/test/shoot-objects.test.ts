// The owned objects of a shoot (ConfigMaps and the PKI Secrets) against FakeApiServer — an in-process TEST DOUBLE
// of the Kubernetes API, not a cluster — with the controller's real webhook over HTTPS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTERS, LEASES, configMapPath, deploymentPath, eventually, cluster, sampleDeployment } from '@overlap/test-support';
import type { RunningController } from '../src/controller/controller.ts';
import { MANAGED_BY_LABEL } from '../src/inject/names.ts';
import { mountedRefs } from '../src/owned/mounts.ts';
import { ControllerMetrics } from '../src/telemetry/metrics.ts';
import { Harness } from './support/controller-harness.ts';

const WAITING = 'shoot--dev--waiting';
const FOREIGN = 'shoot--dev--foreign';
const secretPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/secrets`;
const SERVER_SECRET = 'overlap-kube-apiserver-http-proxy';

const harness = new Harness();
const metrics = new ControllerMetrics('test', false);
let controller: RunningController;

const deploymentOf = (namespace: string) => harness.api.get(`${deploymentPath(namespace)}/kube-apiserver`)!;
const containerNames = (namespace: string): string[] => deploymentOf(namespace).spec.template.spec.containers.map((c: { name: string }) => c.name);
// The PKI Secrets; the shoot webhook's ManagedResource Secret is tested in shoot-webhook-controller.test.ts.
const secretNames = (namespace: string): string[] =>
  harness.api
    .list(secretPath(namespace))
    .map((s) => s.metadata.name)
    .filter((name) => !name.startsWith('extension-overlap-shoot-webhooks-'))
    .sort();
const counter = async (metric: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> }, labels: Record<string, string>) =>
  (await metric.get()).values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value))?.value ?? 0;

/** What gardenlet does: create the kube-apiserver Deployment through the API, so the webhook sees it. */
async function createDeployment(namespace: string): Promise<void> {
  const deployment = sampleDeployment();
  deployment.metadata!.namespace = namespace;
  const response = await fetch(`${harness.api.url}${deploymentPath(namespace)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(deployment),
  });
  expect(response.status).toBe(201);
}

beforeAll(async () => {
  await harness.start();
  // Someone else holds the Lease: this replica serves the webhook but does not reconcile until it is released.
  const now = new Date().toISOString();
  harness.api.put(LEASES, {
    metadata: { name: 'overlap-seed-controller', namespace: 'garden' },
    spec: { holderIdentity: 'elsewhere', leaseDurationSeconds: 3600, acquireTime: now, renewTime: now },
  });
  harness.api.put(CLUSTERS, cluster({ name: WAITING, pods: '10.1.0.0/16' }) as never);
  // A Secret under one of our names, but not ours.
  harness.api.put(secretPath(FOREIGN), { metadata: { name: SERVER_SECRET, namespace: FOREIGN }, type: 'Opaque', data: { other: 'eA==' } });
  harness.api.put(CLUSTERS, cluster({ name: FOREIGN, pods: '10.1.0.0/16' }) as never);
  controller = await harness.startController('replica-a', metrics);
  harness.useWebhookOf(controller);
});

afterAll(() => harness.close());

describe('owned objects of an overlapping shoot', () => {
  it('the webhook admits a Deployment unchanged while what it would mount is missing, and counts why', async () => {
    await createDeployment(WAITING);
    expect(containerNames(WAITING)).not.toContain('envoy-proxy');
    expect(deploymentOf(WAITING).spec.template).toEqual(sampleDeployment().spec!.template);
    expect(await counter(metrics.admissions, { outcome: 'waiting_for_objects' })).toBe(1);
  });

  it('once reconciling, creates the Secrets and ConfigMaps first, then re-admits: the injection mounts only what exists', async () => {
    harness.api.remove(`${LEASES}/overlap-seed-controller`);
    await eventually(() => expect(containerNames(WAITING)).toContain('envoy-proxy'), 'injected', 15_000);
    expect(secretNames(WAITING)).toEqual([
      'overlap-kube-apiserver-http-proxy',
      'overlap-kube-apiserver-http-proxy-client',
      'overlap-vpn-ca',
      'overlap-vpn-ca-bundle',
    ]);
    const requests = harness.api.requests();
    const lastCreate = Math.max(...requests.flatMap((line, index) => (line.startsWith(`POST /api/v1/namespaces/${WAITING}/`) ? [index] : [])));
    const firstPatch = requests.findIndex((line) => line.startsWith(`PATCH /apis/apps/v1/namespaces/${WAITING}/deployments`));
    expect(lastCreate).toBeLessThan(firstPatch);
    const gardeners = mountedRefs(sampleDeployment().spec!.template.spec!.volumes);
    const ours = [...mountedRefs(deploymentOf(WAITING).spec.template.spec.volumes)].filter((ref) => !gardeners.has(ref));
    expect(ours).toHaveLength(5);
    for (const ref of ours) {
      const [kind, name] = ref.split('/');
      const path = kind === 'Secret' ? secretPath(WAITING) : configMapPath(WAITING);
      expect(harness.api.get(`${path}/${name}`), ref).toBeDefined();
    }
    for (const secret of harness.api.list(secretPath(WAITING)).filter((s) => secretNames(WAITING).includes(s.metadata.name))) {
      expect(secret.metadata.labels).toEqual({ [MANAGED_BY_LABEL]: 'overlap-seed-controller', 'overlap.extensions.gardener.cloud/shoot': WAITING });
    }
  });

  it('puts back a deleted Secret and counts it as drift; the pods roll onto the new certificate', async () => {
    const before = deploymentOf(WAITING).spec.template.metadata.annotations;
    harness.api.remove(`${secretPath(WAITING)}/${SERVER_SECRET}`);
    await eventually(() => expect(secretNames(WAITING)).toContain(SERVER_SECRET), 're-created');
    await eventually(async () => expect(await counter(metrics.driftRepairs, { kind: 'Secret' })).toBe(1), 'drift counted');
    await eventually(() => expect(deploymentOf(WAITING).spec.template.metadata.annotations).not.toEqual(before), 'rolled');
    expect(containerNames(WAITING)).toContain('envoy-proxy');
  });

  it('puts back an edited Secret and counts it as drift', async () => {
    const bundle = harness.api.get(`${secretPath(WAITING)}/overlap-vpn-ca-bundle`)!;
    const original = bundle.data['bundle.crt'];
    harness.api.put(secretPath(WAITING), { ...bundle, data: { 'bundle.crt': Buffer.from('edited').toString('base64') } });
    await eventually(() => expect(harness.api.get(`${secretPath(WAITING)}/overlap-vpn-ca-bundle`)!.data['bundle.crt']).toBe(original), 'restored');
    await eventually(async () => expect(await counter(metrics.driftRepairs, { kind: 'Secret' })).toBe(2), 'drift counted');
  });

  it('leaves a Secret with our name but not our label alone, and skips the shoot with an event naming it', async () => {
    const events = await eventually(() => {
      const found = harness.api.list('/api/v1/namespaces/default/events').filter((e) => e.involvedObject.name === FOREIGN);
      expect(found).toHaveLength(1);
      return found;
    }, 'event');
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'ForeignObject' });
    expect(events[0]!.message).toContain(`Secret/${SERVER_SECRET}`);
    expect(harness.api.get(`${secretPath(FOREIGN)}/${SERVER_SECRET}`)!.data).toEqual({ other: 'eA==' });
    expect(harness.api.list(deploymentPath(FOREIGN))).toEqual([]);
  });
});
