import { createHash } from 'node:crypto';
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration';
import { Secret } from 'kubernetes-models/v1/Secret';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { updatedManagedResource } from '../src/owned/managed-resource-update.ts';
import { type ShootWebhookSettings, shootWebhookObjects } from '../src/vpn-shoot/shoot-webhooks.ts';
import { crdValidator } from './support/crd-schema.ts';

const validateManagedResource = crdValidator('crd-resources.gardener.cloud_managedresources.yaml', 'v1alpha1');
const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const SETTINGS: ShootWebhookSettings = { baseUrl: 'https://overlap-seed-controller.overlap-system.svc', caBundle: CA, timeoutSeconds: 5 };
const NAMESPACE = 'shoot--dev--overlap';

describe('the ManagedResource that carries the vpn-shoot webhook into a shoot', () => {
  const { managedResource, secret, webhookConfiguration } = shootWebhookObjects(NAMESPACE, SETTINGS);

  it('is valid against Gardener’s CRD schema, and the validator does refuse a misspelt field', () => {
    expect(validateManagedResource(managedResource)).toEqual([]);
    const misspelt = { ...managedResource, spec: { ...managedResource.spec, keepObject: false } };
    expect(validateManagedResource(misspelt)).toEqual([expect.stringContaining('/spec must NOT have additional properties')]);
  });

  it('is shaped as Gardener’s shoot webhooks: no class, keepObjects false, one Secret, a GC reference to it', () => {
    expect(managedResource.metadata.name).toBe('extension-overlap-shoot-webhooks');
    expect(managedResource.metadata.namespace).toBe(NAMESPACE);
    expect(managedResource.spec).toEqual({ secretRefs: [{ name: secret.metadata!.name }], keepObjects: false });
    // references.AnnotationKey: the first 8 hex digits of the SHA-256 of the Secret's name.
    const key = `reference.resources.gardener.cloud/secret-${createHash('sha256').update(secret.metadata!.name!).digest('hex').slice(0, 8)}`;
    expect(managedResource.metadata.annotations).toEqual({ [key]: secret.metadata!.name });
  });

  it('keeps its manifests in an immutable, garbage-collectable Secret named after its content', () => {
    expect(() => new Secret(secret as never).validate()).not.toThrow();
    expect(secret.metadata!.name).toMatch(/^extension-overlap-shoot-webhooks-[0-9a-f]{8}$/);
    expect(secret.immutable).toBe(true);
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata!.labels).toMatchObject({ 'resources.gardener.cloud/garbage-collectable-reference': 'true' });
    // Gardener's registry key: kind in lower case, namespace (none: cluster-scoped), name.
    expect(Object.keys(secret.data!)).toEqual(['mutatingwebhookconfiguration____overlap-vpn-shoot.yaml']);
    const manifest = parse(Buffer.from(Object.values(secret.data!)[0]!, 'base64').toString('utf8'));
    expect(manifest).toEqual(webhookConfiguration);
  });

  it('holds a valid MutatingWebhookConfiguration for vpn-shoot alone, reaching the controller’s Service in the seed', () => {
    expect(() => new MutatingWebhookConfiguration(webhookConfiguration as never).validate()).not.toThrow();
    const [webhook] = webhookConfiguration.webhooks!;
    expect(webhook!.rules).toEqual([
      { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['statefulsets', 'deployments'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' },
    ]);
    expect(webhook!.objectSelector).toEqual({ matchLabels: { app: 'vpn-shoot' } });
    expect(webhook!.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } });
    expect(webhook).toMatchObject({ sideEffects: 'None', failurePolicy: 'Fail', timeoutSeconds: 5, admissionReviewVersions: ['v1'] });
    expect(webhook!.clientConfig).toEqual({
      url: `https://overlap-seed-controller.overlap-system.svc/mutate-vpn-shoot/${NAMESPACE}`,
      caBundle: Buffer.from(CA).toString('base64'),
    });
    expect(webhookConfiguration.metadata!.labels).toMatchObject({ 'remediation.webhook.shoot.gardener.cloud/exclude': 'true' });
  });

  it('is the same for the same input, and a rotated CA makes a new Secret', () => {
    expect(shootWebhookObjects(NAMESPACE, SETTINGS)).toEqual({ managedResource, secret, webhookConfiguration });
    const rotated = shootWebhookObjects(NAMESPACE, { ...SETTINGS, caBundle: `${CA}\n` });
    expect(rotated.secret.metadata!.name).not.toBe(secret.metadata!.name);
    expect(rotated.managedResource.spec.secretRefs).toEqual([{ name: rotated.secret.metadata!.name }]);
  });

  it('an update keeps gardener-resource-manager’s finalizer and other annotations, and drops the stale reference', () => {
    const live = {
      ...managedResource,
      metadata: {
        ...managedResource.metadata,
        finalizers: ['resources.gardener.cloud/gardener-resource-manager'],
        annotations: { ...managedResource.metadata.annotations, 'resources.gardener.cloud/description': 'kept' },
        resourceVersion: '42',
      },
    };
    const next = shootWebhookObjects(NAMESPACE, { ...SETTINGS, caBundle: 'other' }).managedResource;
    const updated = updatedManagedResource(live, next);
    expect(updated.metadata.finalizers).toEqual(['resources.gardener.cloud/gardener-resource-manager']);
    expect(updated.metadata.resourceVersion).toBe('42');
    expect(updated.metadata.annotations).toEqual({ ...next.metadata.annotations, 'resources.gardener.cloud/description': 'kept' });
    expect(updated.spec).toEqual(next.spec);
    expect(validateManagedResource(updated)).toEqual([]);
  });
});
