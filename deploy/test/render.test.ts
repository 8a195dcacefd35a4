import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Manifest, getField, manifestId, parseManifests, renderKustomization } from '../src/index.ts';
import { DEPLOY, KUSTOMIZATIONS } from './support/paths.ts';
import { kustomizeBinary, run } from './support/tools.ts';

const ids = (manifests: readonly Manifest[]): string[] => manifests.map(manifestId).sort();
const scratch = mkdtempSync(join(tmpdir(), 'ovl-deploy-render-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeKustomization(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe('the kustomize bases, rendered by the in-test renderer', () => {
  it('seed: the controller with its RBAC, webhook, PDB, Service and ServiceMonitor', () => {
    expect(ids(renderKustomization(join(DEPLOY, 'seed')))).toEqual([
      'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration//overlap-seed-controller',
      'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy//overlap-seed-controller-writes',
      'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding//overlap-seed-controller-writes',
      'apps/v1/Deployment/overlap-system/overlap-seed-controller',
      'monitoring.coreos.com/v1/ServiceMonitor/overlap-system/overlap-seed-controller',
      'policy/v1/PodDisruptionBudget/overlap-system/overlap-seed-controller',
      'rbac.authorization.k8s.io/v1/ClusterRole//overlap-seed-controller',
      'rbac.authorization.k8s.io/v1/ClusterRoleBinding//overlap-seed-controller',
      'rbac.authorization.k8s.io/v1/Role/default/overlap-seed-controller-events',
      'rbac.authorization.k8s.io/v1/Role/overlap-system/overlap-seed-controller-leader-election',
      'rbac.authorization.k8s.io/v1/RoleBinding/default/overlap-seed-controller-events',
      'rbac.authorization.k8s.io/v1/RoleBinding/overlap-system/overlap-seed-controller-leader-election',
      'v1/Namespace//overlap-system',
      'v1/PodTemplate/overlap-system/overlap-injected-images',
      'v1/Service/overlap-system/overlap-seed-controller',
      'v1/ServiceAccount/overlap-system/overlap-seed-controller',
    ]);
  });

  it('monitoring: PodMonitor, PrometheusRule and the dashboard as a ConfigMap for Grafana', () => {
    const rendered = renderKustomization(join(DEPLOY, 'monitoring'));
    expect(ids(rendered)).toEqual([
      'monitoring.coreos.com/v1/PodMonitor/overlap-system/overlap-kube-apiserver-sidecars',
      'monitoring.coreos.com/v1/PrometheusRule/overlap-system/overlap',
      'monitoring.coreos.com/v1/PrometheusRule/overlap-system/overlap-controller',
      'v1/ConfigMap/overlap-system/overlap-grafana-dashboard',
    ]);
    const dashboard = rendered.find((manifest) => manifest.kind === 'ConfigMap');
    expect(getField(dashboard, 'metadata.labels.grafana_dashboard')).toBe('1');
    expect(JSON.parse((getField(dashboard, 'data.overlap-dashboard\\.json') as string) ?? '{}')).toBeTypeOf('object');
  });

  it('examples/seed: every image pinned in one list, the cert-manager certificate and its CA injected into the webhook', () => {
    const rendered = renderKustomization(join(DEPLOY, 'examples/seed'));
    // The base (with the admission policy, its binding and the injected images' PodTemplate) and monitoring, plus the
    // CA's Issuer and Certificate and the serving certificate's Issuer and Certificate.
    expect(rendered).toHaveLength(24);
    const deployment = rendered.find((manifest) => manifest.kind === 'Deployment');
    expect(getField(deployment, 'spec.template.spec.containers.[name=controller].image')).toBe('registry.example.com/overlap/seed-controller:0.1.0');
    // The injected images: the PodTemplate the controller reads them from, rewritten by the same `images:` list.
    const images = rendered.find((manifest) => manifest.kind === 'PodTemplate');
    expect(getField(deployment, 'spec.template.spec.containers.[name=controller].env.[name=OVERLAP_IMAGES_POD_TEMPLATE].value')).toBe(images?.metadata.name);
    expect((getField(images, 'template.spec.containers') as { image: string }[]).map((container) => container.image)).toEqual([
      'registry.example.com/3rd/envoyproxy/envoy:distroless-v1.39.0',
      'registry.example.com/overlap/seed-vpn-agent:0.1.0',
      'registry.example.com/overlap/shoot-vpn-agent:0.1.0',
    ]);
    for (const manifest of rendered) expect(JSON.stringify(manifest), manifestId(manifest)).not.toMatch(/"overlap\/|europe-docker\.pkg\.dev/);
    const webhook = rendered.find((manifest) => manifest.kind === 'MutatingWebhookConfiguration');
    expect(getField(webhook, 'metadata.annotations')).toEqual({ 'cert-manager.io/inject-ca-from': 'overlap-system/overlap-seed-controller-webhook' });
  });

  it("examples/gardener: the seed monitoring labelled for Gardener's seed Prometheus and Plutono", () => {
    const rendered = renderKustomization(join(DEPLOY, 'examples/gardener'));
    const labels = (kind: string, name: string) => rendered.find((m) => m.kind === kind && m.metadata.name === name)?.metadata.labels;
    expect(labels('ServiceMonitor', 'overlap-seed-controller')).toMatchObject({ prometheus: 'seed' });
    expect(labels('PrometheusRule', 'overlap-controller')).toMatchObject({ prometheus: 'seed' });
    const dashboard = rendered.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'overlap-seed-dashboard');
    expect(dashboard?.metadata).toMatchObject({ namespace: 'garden', labels: { 'dashboard.monitoring.gardener.cloud/seed': 'true' } });
    expect(rendered.filter((m) => ['PodMonitor', 'Issuer', 'Certificate'].includes(m.kind))).toEqual([]);
    const service = rendered.find((m) => m.kind === 'Service');
    expect(
      JSON.parse(
        String(
          (getField(service, 'metadata.annotations') as Record<string, string>)[
            'networking.resources.gardener.cloud/from-all-seed-scrape-targets-allowed-ports'
          ],
        ),
      ),
    ).toEqual([
      {
        protocol: 'TCP',
        port: getField(
          rendered.find((m) => m.kind === 'Deployment'),
          'spec.template.spec.containers.[name=controller].ports.[name=metrics].containerPort',
        ),
      },
    ]);
  });

  it("examples/shoot: the agent sidecar beside vpn-shoot's containers, with vpn-shoot-s0's own networks", () => {
    const [statefulSet, ...rest] = renderKustomization(join(DEPLOY, 'examples/shoot'));
    expect(rest).toEqual([]);
    const containers = getField(statefulSet, 'spec.template.spec.containers') as { name: string }[];
    expect(containers.map((container) => container.name)).toEqual(['shoot-vpn-agent', 'vpn-shoot-s0', 'vpn-shoot-s1', 'tunnel-controller']);
    for (const name of ['SEED_POD_NETWORK', 'SHOOT_POD_NETWORKS', 'SHOOT_SERVICE_NETWORKS', 'SHOOT_NODE_NETWORKS', 'IP_FAMILIES']) {
      const agent = getField(statefulSet, `spec.template.spec.containers.[name=shoot-vpn-agent].env.[name=${name}].value`);
      expect(agent).toBe(getField(statefulSet, `spec.template.spec.containers.[name=vpn-shoot-s0].env.[name=${name}].value`));
    }
    expect(getField(statefulSet, 'spec.template.spec.containers.[name=shoot-vpn-agent].image')).toBe('registry.example.com/overlap/shoot-vpn-agent:0.1.0');
  });

  it('shoot is a Component: it builds only inside an overlay that holds the vpn-shoot StatefulSet', () => {
    expect(() => renderKustomization(join(DEPLOY, 'shoot'))).toThrow(/is a Component, expected a Kustomization/);
    const dir = writeKustomization('no-source', {
      'kustomization.yaml': `resources: [sts.yaml]\ncomponents: [${relative(join(scratch, 'no-source'), join(DEPLOY, 'shoot'))}]\n`,
      'sts.yaml':
        'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: vpn-shoot, namespace: kube-system}\nspec:\n  template:\n    spec:\n      containers: [{name: other, image: x}]\n',
    });
    expect(() => renderKustomization(dir)).toThrow(/SEED_POD_NETWORK.*is missing in StatefulSet\/vpn-shoot/);
  });

  it('refuses kustomize features it does not implement instead of ignoring them', () => {
    const dir = writeKustomization('unsupported', { 'kustomization.yaml': 'resources: []\nnamePrefix: x-\n' });
    expect(() => renderKustomization(dir)).toThrow(/namePrefix.*not support/);
    const hashed = writeKustomization('hashed', { 'kustomization.yaml': 'configMapGenerator: [{name: x, files: [a.json]}]\n', 'a.json': '{}' });
    expect(() => renderKustomization(hashed)).toThrow(/disableNameSuffixHash/);
  });
});

const kustomize = await kustomizeBinary();

describe.skipIf(!kustomize)(
  `the same bases built by kubectl kustomize${kustomize ? '' : ' (skipped: no kubectl with kustomize 4 or later on this machine)'}`,
  () => {
    /** Key order differs between the two; list order and every value must not. */
    const canonical = (manifest: Manifest): string =>
      JSON.stringify(manifest, (_key, value: unknown) =>
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
          : value,
      );

    it.each(KUSTOMIZATIONS)('%s renders identically', async (dir) => {
      const built = await run('kubectl', ['kustomize', join(DEPLOY, dir)]);
      expect(built.stderr).toBe('');
      const real = parseManifests(built.stdout, `kubectl kustomize ${dir}`);
      const ours = renderKustomization(join(DEPLOY, dir));
      expect(ids(ours)).toEqual(ids(real));
      const byId = new Map(real.map((manifest) => [manifestId(manifest), canonical(manifest)]));
      for (const manifest of ours) expect(canonical(manifest), manifestId(manifest)).toBe(byId.get(manifestId(manifest)));
    });
  },
);
