// The controller against FakeApiServer, a TEST DOUBLE of the Kubernetes API (not a cluster): the ManagedResource
// with the vpn-shoot webhook exists for overlapping HA shoots only, and goes when the overlap does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { eventually, CLUSTERS, deploymentPath, managedResourcePath, secretPath, cluster, sampleDeployment } from '@overlap/test-support';
import { ControllerMetrics } from '../src/telemetry/metrics.ts';
import { shootWebhookObjects } from '../src/vpn-shoot/shoot-webhooks.ts';
import { crdValidator } from './support/crd-schema.ts';
import { Harness } from './support/controller-harness.ts';

const OVERLAP = 'shoot--dev--mr-overlap';
const APART = 'shoot--dev--mr-apart';
const NON_HA = 'shoot--dev--mr-non-ha';
const MR = 'extension-overlap-shoot-webhooks';

const harness = new Harness();
const validate = crdValidator('crd-resources.gardener.cloud_managedresources.yaml', 'v1alpha1');

const managedResources = (namespace: string): string[] => harness.api.list(managedResourcePath(namespace)).map((m) => m.metadata.name);
/** The ManagedResource's Secrets (the shoot's PKI Secrets are tested in shoot-objects.test.ts). */
const secrets = (namespace: string): string[] =>
  harness.api
    .list(secretPath(namespace))
    .map((s) => s.metadata.name)
    .filter((name) => name.startsWith(`${MR}-`))
    .sort();

beforeAll(async () => {
  await harness.start();
  harness.api.put(CLUSTERS, cluster({ name: OVERLAP, pods: '10.1.0.0/16' }) as never);
  harness.api.put(CLUSTERS, cluster({ name: APART, pods: '100.96.0.0/11' }) as never);
  harness.api.put(CLUSTERS, cluster({ name: NON_HA, pods: '10.1.0.0/16', ha: false }) as never);
  for (const namespace of [OVERLAP, APART, NON_HA]) {
    const deployment = sampleDeployment();
    deployment.metadata!.namespace = namespace;
    harness.api.put(deploymentPath(namespace), deployment as never);
  }
  // A one-second resync: that is what puts back an object someone deleted.
  harness.useWebhookOf(await harness.startController('replica-a', new ControllerMetrics('test', false), { resyncSeconds: 1 }));
});

afterAll(() => harness.close());

describe('the ManagedResource with the vpn-shoot webhook, kept by the controller', () => {
  it('exists for the overlapping HA shoot, valid against the CRD, pointing at its Secret with the controller’s CA', async () => {
    await eventually(() => expect(managedResources(OVERLAP)).toEqual([MR]), 'ManagedResource created');
    const stored = harness.api.get(`${managedResourcePath(OVERLAP)}/${MR}`)!;
    expect(validate(stored)).toEqual([]);
    const expected = shootWebhookObjects(OVERLAP, { baseUrl: 'https://overlap-seed-controller.garden.svc', caBundle: harness.ca, timeoutSeconds: 5 });
    expect(stored.spec).toEqual(expected.managedResource.spec);
    expect(secrets(OVERLAP)).toEqual([expected.secret.metadata!.name]);
    const secret = harness.api.get(`${secretPath(OVERLAP)}/${expected.secret.metadata!.name}`)!;
    const webhooks = parse(Buffer.from(Object.values(secret.data as Record<string, string>)[0]!, 'base64').toString('utf8'));
    expect(Buffer.from(webhooks.webhooks[0].clientConfig.caBundle, 'base64').toString('utf8')).toBe(harness.ca);
  });

  it('does not exist for a shoot without an overlap, nor for a non-HA shoot', async () => {
    await harness.controllers[0]!.settled();
    expect([...managedResources(APART), ...managedResources(NON_HA)]).toEqual([]);
    expect([...secrets(APART), ...secrets(NON_HA)]).toEqual([]);
  });

  it('is put back when someone deletes it', async () => {
    harness.api.remove(`${managedResourcePath(OVERLAP)}/${MR}`);
    expect(managedResources(OVERLAP)).toEqual([]);
    await eventually(() => expect(managedResources(OVERLAP)).toEqual([MR]), 'ManagedResource back');
  });

  it('is deleted with its Secret when the overlap goes away', async () => {
    harness.api.put(CLUSTERS, cluster({ name: OVERLAP, pods: '100.96.0.0/11' }) as never);
    await eventually(() => expect([managedResources(OVERLAP), secrets(OVERLAP)]).toEqual([[], []]), 'ManagedResource and Secret gone');
  });

  it('comes back with the overlap, and is deleted again when the shoot is no longer HA', async () => {
    harness.api.put(CLUSTERS, cluster({ name: OVERLAP, pods: '10.1.0.0/16' }) as never);
    await eventually(() => expect(managedResources(OVERLAP)).toEqual([MR]), 'ManagedResource created again');
    harness.api.put(CLUSTERS, cluster({ name: OVERLAP, pods: '10.1.0.0/16', ha: false }) as never);
    await eventually(() => expect([managedResources(OVERLAP), secrets(OVERLAP)]).toEqual([[], []]), 'gone for a non-HA shoot');
  });
});
