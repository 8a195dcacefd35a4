import { createHash } from 'node:crypto';
import type { V1MutatingWebhookConfiguration, V1Secret } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { MANAGED_BY, MANAGED_BY_LABEL, SHOOT_LABEL } from '../inject/names.ts';
import {
  SHOOT_WEBHOOKS_MANAGED_RESOURCE,
  SHOOT_WEBHOOK_CONFIGURATION,
  SHOOT_WEBHOOK_NAME,
  SHOOT_WEBHOOK_PATH,
  VPN_SHOOT_LABELS,
  VPN_SHOOT_NAMESPACE,
} from './names.ts';

/** Where the shoot's kube-apiserver (in the seed) reaches the controller, and the CA that signed its certificate. */
export interface ShootWebhookSettings {
  /** `https://<service>.<namespace>.svc[:port]`, a name the serving certificate carries. */
  readonly baseUrl: string;
  /** PEM; empty leaves caBundle out (the API server then trusts its system roots). */
  readonly caBundle: string;
  /** Seconds; short, since a vpn-shoot update waits this long for an unreachable webhook. */
  readonly timeoutSeconds: number;
}

/** The ManagedResource the controller keeps in a shoot namespace, with the Secret holding its manifests. */
export interface ShootWebhookObjects {
  readonly managedResource: ManagedResource;
  readonly secret: V1Secret;
  /** What the Secret carries, for `overlap plan` and tests. */
  readonly webhookConfiguration: V1MutatingWebhookConfiguration;
}

/** resources.gardener.cloud/v1alpha1 ManagedResource, the fields this controller sets. */
export interface ManagedResource {
  apiVersion: 'resources.gardener.cloud/v1alpha1';
  kind: 'ManagedResource';
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    /** Whatever else the API server and gardener-resource-manager keep there (finalizers, uid, ...). */
    [other: string]: unknown;
  };
  spec: { secretRefs: Array<{ name: string }>; keepObjects?: boolean; class?: string };
}

const GC_LABEL = 'resources.gardener.cloud/garbage-collectable-reference';
/** gardener-resource-manager's GC keeps a Secret while an annotation with this prefix names it. */
export const REFERENCE_PREFIX = 'reference.resources.gardener.cloud/';
const REMEDIATION_EXCLUDE = 'remediation.webhook.shoot.gardener.cloud/exclude';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The webhook in the shoot. failurePolicy Fail: with Ignore, a vpn-shoot update admitted while the controller is
 * unreachable would roll vpn-shoot without the agent, and nothing in the seed can see or undo that (the
 * controller has no access to the shoot). With Fail such an update is refused and gardener-resource-manager
 * retries it; the running pods keep their agent. The selectors keep the blast radius to vpn-shoot alone, the
 * timeout keeps a hanging call short, and the ManagedResource goes as soon as no agent is wanted.
 */
function shootWebhookConfiguration(namespace: string, settings: ShootWebhookSettings): V1MutatingWebhookConfiguration {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: SHOOT_WEBHOOK_CONFIGURATION,
      // Tells Gardener's shoot webhook remediator that this webhook on kube-system objects is meant as it is.
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [REMEDIATION_EXCLUDE]: 'true' },
    },
    webhooks: [
      {
        name: SHOOT_WEBHOOK_NAME,
        admissionReviewVersions: ['v1'],
        clientConfig: {
          // The shoot namespace in the path tells the controller (logs, metrics) which shoot is asking.
          url: `${settings.baseUrl.replace(/\/+$/, '')}${SHOOT_WEBHOOK_PATH}/${namespace}`,
          ...(settings.caBundle ? { caBundle: Buffer.from(settings.caBundle).toString('base64') } : {}),
        },
        rules: [
          {
            apiGroups: ['apps'],
            apiVersions: ['v1'],
            resources: ['statefulsets', 'deployments'],
            operations: ['CREATE', 'UPDATE'],
            scope: 'Namespaced',
          },
        ],
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': VPN_SHOOT_NAMESPACE } },
        objectSelector: { matchLabels: { ...VPN_SHOOT_LABELS } },
        matchPolicy: 'Equivalent',
        sideEffects: 'None',
        timeoutSeconds: settings.timeoutSeconds,
        failurePolicy: 'Fail',
        // Idempotent, so a second call after another webhook changed vpn-shoot costs nothing.
        reinvocationPolicy: 'IfNeeded',
      },
    ],
  };
}

/** Gardener's registry key: `<kind, lower case>__<namespace>__<name>.yaml` (pkg/utils/managedresources/registry.go). */
function registryKey(object: { kind?: string; metadata?: { namespace?: string; name?: string } }): string {
  return `${(object.kind ?? '').toLowerCase()}__${object.metadata?.namespace ?? ''}__${(object.metadata?.name ?? '').replaceAll(':', '_')}.yaml`;
}

/**
 * Shaped as Gardener's `managedresources.Create` for shoot webhooks (extensions/pkg/webhook/shoot/webhook.go): no
 * class (the shoot's gardener-resource-manager), keepObjects false (deleting it removes the webhook from the
 * shoot), the manifests in an immutable Secret named after the ManagedResource plus a hash of its data, labelled
 * garbage-collectable and referenced by an annotation so gardener-resource-manager's GC keeps it while in use.
 */
export function shootWebhookObjects(namespace: string, settings: ShootWebhookSettings): ShootWebhookObjects {
  const webhookConfiguration = shootWebhookConfiguration(namespace, settings);
  const data: Record<string, string> = {
    [registryKey(webhookConfiguration)]: stringify(webhookConfiguration, { lineWidth: 0 }),
  };
  const digest = sha256(
    Object.keys(data)
      .sort()
      .map((key) => `${key}\0${data[key]}`)
      .join('\0'),
  );
  const secretName = `${SHOOT_WEBHOOKS_MANAGED_RESOURCE}-${digest.slice(0, 8)}`;
  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretName,
      namespace,
      labels: { [GC_LABEL]: 'true', [MANAGED_BY_LABEL]: MANAGED_BY, [SHOOT_LABEL]: namespace },
    },
    type: 'Opaque',
    immutable: true,
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  };
  const managedResource: ManagedResource = {
    apiVersion: 'resources.gardener.cloud/v1alpha1',
    kind: 'ManagedResource',
    metadata: {
      name: SHOOT_WEBHOOKS_MANAGED_RESOURCE,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [SHOOT_LABEL]: namespace },
      annotations: { [`${REFERENCE_PREFIX}secret-${sha256(secretName).slice(0, 8)}`]: secretName },
    },
    spec: { secretRefs: [{ name: secretName }], keepObjects: false },
  };
  return { managedResource, secret, webhookConfiguration };
}
