import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAgentConfig } from '@overlap/agent-core';
import { decideOverlap } from '@overlap/cidr';
import { afterAll, describe, expect, it } from 'vitest';
import { type Manifest, getField, manifestId, parseManifests, renderKustomization, schemaProblems } from '../src/index.ts';
import { DEPLOY, KUSTOMIZATIONS, REPO } from './support/paths.ts';
import { CA_SECRET, DEFAULT_INJECTION_SETTINGS, OWN_OBJECTS, WEBHOOK_NAMESPACE_LABEL, shootMonitoringObjects } from '@overlap/seed-controller';

const rendered = new Map(KUSTOMIZATIONS.map((dir) => [dir, renderKustomization(join(DEPLOY, dir))]));
const seed = rendered.get('examples/seed') ?? [];
const find = (kind: string, name?: string): Manifest => {
  const found = seed.find((manifest) => manifest.kind === kind && (name === undefined || manifest.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind} ${name ?? ''} in examples/seed`);
  return found;
};
const controller = find('Deployment');
const pod = getField(controller, 'spec.template') as Manifest;
const container = getField(pod, 'spec.containers.[name=controller]') as Record<string, unknown>;
const containerPorts = (getField(container, 'ports') as { name: string; containerPort: number }[]).map((port) => port.name);
const matches = (selector: unknown, labels: unknown): boolean =>
  Object.entries(selector as Record<string, string>).every(([key, value]) => (labels as Record<string, string>)[key] === value);

describe('every manifest against the Kubernetes OpenAPI schema (custom resources against their CRD schema)', () => {
  const all = [...rendered.entries()].flatMap(([dir, manifests]) => manifests.map((manifest) => [`${dir}: ${manifestId(manifest)}`, manifest] as const));

  it.each(all)('%s', (_name, manifest) => {
    expect(schemaProblems(manifest)).toEqual([]);
  });

  it('finds unknown fields, wrong types, missing required fields and CRD pattern violations', () => {
    const broken = structuredClone(controller);
    Object.assign(getField(broken, 'spec.template.spec.containers.[name=controller]') as object, { imagePullPolicyy: 'Always' });
    Object.assign(getField(broken, 'spec') as object, { replicas: 'two' });
    expect(schemaProblems(broken)).toEqual(
      expect.arrayContaining(['data/spec/replicas must be integer', '.spec.template.spec.containers[0].imagePullPolicyy: unknown field of V1Container']),
    );
    expect(schemaProblems({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ name: 'x' }] } })).toEqual([
      'data/spec/ports/0 must have required property port',
    ]);
    const monitor = structuredClone(find('ServiceMonitor'));
    (getField(monitor, 'spec.endpoints') as { interval: string }[])[0]!.interval = 'half a minute';
    expect(schemaProblems(monitor).join()).toMatch(/interval must match pattern/);
    expect(schemaProblems({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' } })).toEqual([
      'example.com/v1 Thing: no schema known for this kind',
    ]);
  });

  it.each(shootMonitoringObjects('shoot--p--n').map((object) => [`the controller's per-shoot ${object.kind}`, object] as const))('%s', (_name, object) => {
    expect(schemaProblems(object as Manifest)).toEqual([]);
  });

  it('parses YAML strictly: a duplicated key is an error', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nkind: Service\n', 'dup.yaml')).toThrow(/dup\.yaml/);
  });
});

describe('the seed controller', () => {
  it('runs two replicas, spread over nodes, as a non-root user with a read-only root and no capabilities', () => {
    expect(getField(controller, 'spec.replicas')).toBe(2);
    expect((getField(pod, 'spec.topologySpreadConstraints') as { topologyKey: string }[])[0]?.topologyKey).toBe('kubernetes.io/hostname');
    expect(getField(pod, 'spec.securityContext')).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(getField(container, 'securityContext')).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('listens where its ports, probes and mounts say', () => {
    expect(containerPorts).toEqual(['webhook', 'metrics']);
    for (const [variable, port] of [
      ['OVERLAP_WEBHOOK_ADDRESS', 'webhook'],
      ['OVERLAP_METRICS_ADDRESS', 'metrics'],
    ]) {
      expect(getField(container, `env.[name=${variable}].value`)).toBe(`0.0.0.0:${String(getField(container, `ports.[name=${port}].containerPort`))}`);
    }
    expect(getField(container, 'readinessProbe.httpGet')).toEqual({ path: '/readyz', port: 'metrics' });
    expect(getField(container, 'livenessProbe.httpGet')).toEqual({ path: '/healthz', port: 'metrics' });
    const mount = getField(container, 'volumeMounts.[name=webhook-tls].mountPath');
    expect(getField(container, 'env.[name=OVERLAP_TLS_CERT_FILE].value')).toBe(`${mount}/tls.crt`);
    expect(getField(container, 'env.[name=OVERLAP_TLS_KEY_FILE].value')).toBe(`${mount}/tls.key`);
    expect(getField(container, 'env.[name=OVERLAP_TLS_CA_FILE].value')).toBe(`${mount}/ca.crt`);
    expect(getField(pod, 'spec.volumes.[name=webhook-tls].secret.secretName')).toBe(
      getField(find('Certificate', 'overlap-seed-controller-webhook'), 'spec.secretName'),
    );
  });

  it('serves the shoot webhook under a name its certificate carries, signed by a CA that outlives the certificate', () => {
    const service = find('Service');
    const url = new URL(String(getField(container, 'env.[name=OVERLAP_SHOOT_WEBHOOK_URL].value')));
    expect(url.hostname).toBe(`${service.metadata.name}.${service.metadata.namespace}.svc`);
    expect(getField(service, `spec.ports.[port=${url.port === '' ? 443 : Number(url.port)}].targetPort`)).toBe('webhook');
    const certificate = find('Certificate', 'overlap-seed-controller-webhook');
    expect(getField(certificate, 'spec.dnsNames')).toContain(url.hostname);
    // Renewing the serving certificate keeps ca.crt, so the caBundle in every shoot stays valid.
    const issuer = find('Issuer', String(getField(certificate, 'spec.issuerRef.name')));
    const ca = find('Certificate', String(getField(issuer, 'spec.ca.secretName')));
    expect(getField(ca, 'spec.isCA')).toBe(true);
    expect(getField(find('PodTemplate'), 'template.spec.containers.[name=shoot-vpn-agent].image')).toMatch(/\/overlap\/shoot-vpn-agent:/);
  });

  it("opens Gardener's network policies from the shoots' kube-apiservers to the webhook port", () => {
    const annotations = getField(find('Service'), 'metadata.annotations') as Record<string, string>;
    const prefix = 'networking.resources.gardener.cloud/';
    expect(JSON.parse(annotations[`${prefix}from-all-webhook-targets-allowed-ports`]!)).toEqual([
      { protocol: 'TCP', port: getField(container, 'ports.[name=webhook].containerPort') },
    ]);
    expect(JSON.parse(annotations[`${prefix}namespace-selectors`]!)).toEqual([{ matchLabels: { 'gardener.cloud/role': 'shoot' } }]);
    expect(annotations[`${prefix}pod-label-selector-namespace-alias`]).toBe('extensions');
  });

  it('is covered by its PodDisruptionBudget, Service and ServiceMonitor', () => {
    const labels = getField(pod, 'metadata.labels');
    expect(matches(getField(find('PodDisruptionBudget'), 'spec.selector.matchLabels'), labels)).toBe(true);
    expect(getField(find('PodDisruptionBudget'), 'spec.maxUnavailable')).toBe(1);
    const service = find('Service');
    expect(matches(getField(service, 'spec.selector'), labels)).toBe(true);
    for (const port of getField(service, 'spec.ports') as { targetPort: string }[]) expect(containerPorts).toContain(port.targetPort);
    const monitor = find('ServiceMonitor');
    expect(matches(getField(monitor, 'spec.selector.matchLabels'), getField(service, 'metadata.labels'))).toBe(true);
    expect(getField(service, 'spec.ports.[name=metrics]')).toBeDefined();
    expect(getField(monitor, 'spec.endpoints')).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics', honorLabels: true })]);
  });
});

describe('the mutating webhook', () => {
  const hooks = getField(find('MutatingWebhookConfiguration'), 'webhooks') as Record<string, unknown>[];
  const hook = hooks[0] ?? {};

  it('is registered once, for apps/v1 Deployments on CREATE and UPDATE, without side effects, 10 s, failing closed', () => {
    expect(hooks).toHaveLength(1);
    expect(hook.rules).toEqual([
      { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' },
    ]);
    expect(hook).toMatchObject({
      sideEffects: 'None',
      timeoutSeconds: 10,
      failurePolicy: 'Fail',
      reinvocationPolicy: 'IfNeeded',
      admissionReviewVersions: ['v1'],
    });
  });

  it('is called through the controller Service on the port that leads to the webhook container port', () => {
    const service = find('Service');
    expect(getField(hook, 'clientConfig.service')).toMatchObject({ name: service.metadata.name, namespace: service.metadata.namespace });
    const port = getField(hook, 'clientConfig.service.port');
    expect(getField(service, `spec.ports.[port=${String(port)}].targetPort`)).toBe('webhook');
  });

  it("selects Gardener's kube-apiserver Deployment only in shoot namespaces the controller labelled, nothing in its own namespace", () => {
    // The label the controller sets (and the API test double applies as this selector in webhook-selection.test.ts).
    expect(getField(hook, 'namespaceSelector')).toEqual({ matchLabels: { 'gardener.cloud/role': 'shoot', [WEBHOOK_NAMESPACE_LABEL]: 'true' } });
    const shoot = { 'gardener.cloud/role': 'shoot' };
    expect(matches(getField(hook, 'namespaceSelector.matchLabels'), shoot)).toBe(false);
    expect(matches(getField(hook, 'namespaceSelector.matchLabels'), { ...shoot, [WEBHOOK_NAMESPACE_LABEL]: 'true' })).toBe(true);
    const sample = parseManifests(readFileSync(join(REPO, 'apps/seed-controller/examples/kube-apiserver-deployment.yaml'), 'utf8'), 'sample')[0];
    expect(matches(getField(hook, 'objectSelector.matchLabels'), getField(sample, 'metadata.labels'))).toBe(true);
    expect(matches(getField(hook, 'objectSelector.matchLabels'), getField(controller, 'metadata.labels'))).toBe(false);
    expect(getField(find('Namespace'), 'metadata.labels.gardener\\.cloud/role')).toBeUndefined();
  });
});

describe('the opt-in component', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovl-opt-in-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('selects the label gardenlet puts on namespaces of shoots enabling the extension, and tells the controller the type', () => {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${relative(dir, join(DEPLOY, 'seed'))}\ncomponents:\n  - ${relative(dir, join(DEPLOY, 'components/opt-in'))}\n`,
    );
    const optIn = renderKustomization(dir);
    const webhook = optIn.find((manifest) => manifest.kind === 'MutatingWebhookConfiguration');
    expect(getField(webhook, 'webhooks.[name=kube-apiserver.overlap.extensions.gardener.cloud].namespaceSelector')).toEqual({
      matchLabels: { 'gardener.cloud/role': 'shoot', 'extensions.gardener.cloud/overlap': 'true' },
    });
    const env = getField(
      optIn.find((manifest) => manifest.kind === 'Deployment'),
      'spec.template.spec.containers.[name=controller].env.[name=OVERLAP_EXTENSION_TYPE].value',
    );
    expect(env).toBe('overlap');
  });
});

describe('RBAC', () => {
  const rules = seed
    .filter((manifest) => manifest.kind === 'ClusterRole' || manifest.kind === 'Role')
    .flatMap((role) => getField(role, 'rules') as { apiGroups: string[]; resources: string[]; verbs: string[] }[]);

  it('binds every role to the controller ServiceAccount', () => {
    const account = find('ServiceAccount');
    for (const binding of seed.filter((manifest) => manifest.kind === 'RoleBinding' || manifest.kind === 'ClusterRoleBinding')) {
      expect(getField(binding, 'subjects')).toEqual([{ kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace }]);
      expect(seed.some((role) => role.kind === getField(binding, 'roleRef.kind') && role.metadata.name === getField(binding, 'roleRef.name'))).toBe(true);
    }
    expect(getField(pod, 'spec.serviceAccountName')).toBe(account.metadata.name);
  });

  it('grants no wildcards and no writes to Clusters; Secrets only as the shoot PKI needs them', () => {
    for (const rule of rules) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
      if (rule.resources.includes('clusters')) expect(rule.verbs).toEqual(['list', 'watch']);
      // Namespaces: the webhook label only (informer on it, merge patch), never created, deleted or read whole.
      if (rule.resources.includes('namespaces')) expect(rule).toEqual({ apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch', 'patch'] });
    }
    const secrets = rules.filter((rule) => rule.resources.includes('secrets'));
    expect(secrets.map((rule) => ({ verbs: rule.verbs, names: (rule as { resourceNames?: string[] }).resourceNames }))).toEqual([
      { verbs: ['list', 'watch', 'create', 'update', 'delete'], names: undefined },
      // Exactly the names the controller issues by default.
      {
        verbs: ['get'],
        names: [
          CA_SECRET,
          DEFAULT_INJECTION_SETTINGS.caBundleSecret,
          DEFAULT_INJECTION_SETTINGS.proxyServerSecret,
          DEFAULT_INJECTION_SETTINGS.proxyClientSecret,
        ],
      },
    ]);
  });
});

describe('overlap uninstall', () => {
  it("deletes every cluster-scoped object of deploy/examples/seed, its namespaces' contents, and what lives elsewhere", () => {
    const own = new Set(OWN_OBJECTS.map((object) => `${object.kind} ${object.namespace ?? ''}/${object.name}`));
    const systemNamespace = OWN_OBJECTS.find((object) => object.kind === 'Namespace')!.name;
    // Anything in the controller's namespace goes with it; everything else must be listed by name.
    const elsewhere = seed.filter((manifest) => manifest.metadata.namespace !== systemNamespace);
    expect(elsewhere.map((m) => `${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}`).filter((id) => !own.has(id))).toEqual([]);
  });
});

describe("the ValidatingAdmissionPolicy that narrows the controller's writes (issue 17)", () => {
  const policy = find('ValidatingAdmissionPolicy');
  const account = find('ServiceAccount');
  const resourceRules = getField(policy, 'spec.matchConstraints.resourceRules') as { apiGroups: string[]; resources: string[]; operations: string[] }[];
  const OPERATION: Record<string, string> = { create: 'CREATE', update: 'UPDATE', patch: 'UPDATE', delete: 'DELETE' };

  it('applies to the controller ServiceAccount only, and denies', () => {
    expect(getField(policy, 'spec.matchConditions')).toEqual([
      expect.objectContaining({ expression: `request.userInfo.username == 'system:serviceaccount:${account.metadata.namespace}:${account.metadata.name}'` }),
    ]);
    const binding = find('ValidatingAdmissionPolicyBinding');
    expect(getField(binding, 'spec.policyName')).toBe(policy.metadata.name);
    expect(getField(binding, 'spec.validationActions')).toEqual(['Deny']);
    expect(getField(policy, 'spec.failurePolicy')).toBe('Fail');
  });

  it('covers every write the ClusterRole grants in shoot namespaces, so a kind added to RBAC must be added here', () => {
    const clusterRules = getField(find('ClusterRole'), 'rules') as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    for (const rule of clusterRules) {
      for (const verb of rule.verbs.filter((v) => v in OPERATION)) {
        for (const group of rule.apiGroups) {
          for (const resource of rule.resources) {
            const covered = resourceRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.operations.includes(OPERATION[verb]!));
            expect(covered, `${verb} ${group}/${resource}`).toBe(true);
          }
        }
      }
    }
  });

  it('checks the shoot namespace label and the managed-by label the controller puts on what it creates', () => {
    const expressions = (getField(policy, 'spec.validations') as { expression: string }[]).map((v) => v.expression).join('\n');
    expect(expressions).toContain("variables.namespaceLabels['gardener.cloud/role'] == 'shoot'");
    expect(expressions).toContain("variables.labels['app.kubernetes.io/managed-by'] == 'overlap-seed-controller'");
  });
});

describe('the shoot-vpn-agent sidecar of vpn-shoot', () => {
  const [statefulSet] = rendered.get('examples/shoot') ?? [];
  const agent = getField(statefulSet, 'spec.template.spec.containers.[name=shoot-vpn-agent]') as Record<string, unknown>;
  const env = getField(agent, 'env') as { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];

  it('has NET_ADMIN and no other capability, and cannot gain privileges', () => {
    expect(getField(agent, 'securityContext')).toEqual({
      runAsUser: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      seccompProfile: { type: 'RuntimeDefault' },
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] },
    });
  });

  it('binds metrics and health to the pod IP only, and has no readiness probe (issue 17)', () => {
    expect(getField(agent, 'env.[name=OVERLAP_METRICS_ADDRESS].value')).toBe('$(POD_IP):9151');
    const names = env.map(({ name }) => name);
    expect(names.indexOf('POD_IP')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('POD_IP')).toBeLessThan(names.indexOf('OVERLAP_METRICS_ADDRESS'));
    expect(getField(agent, 'env.[name=POD_IP].valueFrom.fieldRef.fieldPath')).toBe('status.podIP');
    expect(agent['readinessProbe']).toBeUndefined();
    expect(getField(agent, 'livenessProbe.httpGet.path')).toBe('/healthz');
  });

  it('uses only env names of the agent contract (docs/CONTRACTS.md)', () => {
    const contracts = readFileSync(join(REPO, 'docs/CONTRACTS.md'), 'utf8');
    const section = contracts.slice(contracts.indexOf('## Env of the agents'), contracts.indexOf('## Kernel objects'));
    const known = new Set([...section.matchAll(/`([A-Z][A-Z_]+)`/g)].map((match) => match[1]));
    expect(known.size).toBeGreaterThan(15);
    for (const { name } of env) expect(known, name).toContain(name);
  });

  it('is configured as the agent parses it: HA shoot side, overlap decided, metrics on the declared port', () => {
    // As the kubelet passes them: the pod IP from the downward API, $(POD_IP) expanded.
    const podIp = '10.250.0.7';
    const values = Object.fromEntries(
      env.map(({ name, value, valueFrom }) => [
        name,
        value?.replace('$(POD_IP)', podIp) ?? (name === 'POD_IP' ? podIp : `from ${valueFrom?.fieldRef.fieldPath}`),
      ]),
    );
    const config = parseAgentConfig('shoot', values);
    expect(config).toMatchObject({ role: 'shoot', ha: true, tunnelDevice: 'bond0+', egressDevice: 'eth0', backend: 'auto' });
    expect(decideOverlap(config.networks).overlap).toBe(true);
    expect(getField(agent, 'ports')).toEqual([{ name: 'overlap-metrics', containerPort: config.metricsAddress.port, protocol: 'TCP' }]);
  });
});
