// Starts each app for real, configured as the manifests configure it, and scrapes its /metrics: the controller's
// esbuild bundle against FakeApiServer — the seed controller's in-process TEST DOUBLE of the Kubernetes API, not a
// cluster — and the agents' bundles in network namespaces of their own, with a tun device standing in for the
// tunnel. Each runs from the files its Dockerfile copies, laid out in a directory of their own, so nothing but
// Node and the bundle is there, as in the image. Then every metric name the alerts and the dashboard use must be
// exposed, and promtool must accept the expositions. Needs the bundles: `npx nx run-many -t build`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLUSTERS,
  FakeApiServer,
  NEEDS_ROOT,
  type Namespace,
  apartCluster,
  cluster,
  createNamespace,
  deploymentPath,
  deploymentReview,
  exposes,
  httpGetIn,
  httpsRequest,
  isRoot,
  metricFamilies,
  overlappingCluster,
  poll,
  sampleDeployment,
  startProcess,
  waitForHttpOk,
  addTunnel,
} from '@overlap/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Manifest, apiRequest, getField, rbacAllows, renderKustomization } from '../src/index.ts';
import { layOutImage } from './support/dockerfile.ts';
import { ENVOY_METRICS } from '@overlap/seed-controller';
import { PROMETHEUS_SERIES, loadRuleGroups, usedMetricNames } from './support/monitoring.ts';
import { DEPLOY } from './support/paths.ts';
import { prometheusApi, startPrometheus } from './support/prometheus.ts';
import { run } from './support/tools.ts';

const OVERLAP = 'shoot--dev--overlap';
const APART = 'shoot--dev--apart';
const BROKEN = 'shoot--dev--broken';

const seed = renderKustomization(join(DEPLOY, 'examples/seed'));
const [vpnShoot] = renderKustomization(join(DEPLOY, 'examples/shoot'));
const byKind = (kind: string): Manifest => seed.find((manifest) => manifest.kind === kind) as Manifest;

type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };

/**
 * A container's env as the kubelet would give it, with the downward-API fields this test stands in for, and
 * `$(NAME)` expanded from the entries before it (the pod IP is loopback here: the namespace's own address).
 */
function containerEnv(container: unknown, fields: Readonly<Record<string, string>>): Record<string, string> {
  const all: Readonly<Record<string, string>> = { 'status.podIP': '127.0.0.1', ...fields };
  const env: Record<string, string> = {};
  for (const { name, value, valueFrom } of (getField(container, 'env') ?? []) as EnvVar[]) {
    const resolved = value?.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (whole, ref: string) => env[ref] ?? whole) ?? all[valueFrom?.fieldRef?.fieldPath ?? ''];
    if (resolved === undefined) throw new Error(`env ${name} has a source this test does not provide`);
    env[name] = resolved;
  }
  return env;
}

/** Metric names of deploy/monitoring, split by the app that must expose them. */
const used = usedMetricNames();
const controllerNames = [...used.keys()].filter((name) => /^overlap_(controller|webhook)_/.test(name));
const agentNames = [...used.keys()].filter((name) => name.startsWith('overlap_') && !controllerNames.includes(name));
// Envoy's own statistics (the injected envoy-proxy), listed where the PodMonitors keep them.

/**
 * prom-client's default Node.js metrics name three gauges with `_total`, which promtool's linter flags; they are
 * the library's, not ours (prom-client issue), and every other line must lint clean.
 */
const PROM_CLIENT_LINT = new Set([
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
]);

async function promtoolProblems(exposition: string): Promise<string[]> {
  const checked = await run('promtool', ['check', 'metrics'], { input: exposition });
  const problems = (checked.stdout + checked.stderr).split('\n').filter((line) => line.trim() !== '');
  expect(checked.code === 0 || problems.length > 0, 'promtool failed without saying why').toBe(true);
  return problems.filter((problem) => !PROM_CLIENT_LINT.has(problem));
}

function expectExposed(exposition: string, names: readonly string[]): void {
  const families = metricFamilies(exposition);
  const missing = names.filter((name) => !exposes(families, name)).map((name) => `${name} (used by ${used.get(name)?.join(', ')})`);
  expect(missing).toEqual([]);
}

let injectedSeedAgent: Record<string, unknown> | undefined;

describe('monitoring names', () => {
  it('are all overlap_ metrics of the controller or the agents, or series Prometheus adds', () => {
    expect(controllerNames.length).toBeGreaterThan(5);
    expect(agentNames.length).toBeGreaterThan(5);
    const accounted = new Set([...controllerNames, ...agentNames, ...PROMETHEUS_SERIES, ...ENVOY_METRICS]);
    expect([...used.keys()].filter((name) => !accounted.has(name))).toEqual([]);
  });
});

describe('the seed controller bundle, with the env of deploy/seed, against the Kubernetes API test double', () => {
  const api = new FakeApiServer();
  const dir = mkdtempSync(join(tmpdir(), 'ovl-deploy-controller-'));
  const container = getField(byKind('Deployment'), 'spec.template.spec.containers.[name=controller]');
  const hook = (getField(byKind('MutatingWebhookConfiguration'), 'webhooks') as Record<string, unknown>[])[0];
  const account = byKind('ServiceAccount').metadata as { name: string; namespace: string };
  let controller: ReturnType<typeof startProcess> | undefined;
  let ports: { webhookPort: number; metricsPort: number } | undefined;
  let exposition = '';

  beforeAll(async () => {
    await api.start();
    const controllerScript = layOutImage('seed-controller', join(dir, 'image'));
    const cert = await run(process.execPath, [join(dir, 'image/app/dist/overlap.js'), 'dev-cert', '--out', dir, '--namespace', account.namespace]);
    expect(cert.code, cert.stderr).toBe(0);
    api.writeKubeconfig(join(dir, 'kubeconfig'));
    // As kube-apiserver applies the webhook's namespaceSelector: only namespaces the controller labelled are sent.
    api.admissionNamespaceLabels = getField(hook, 'namespaceSelector.matchLabels') as Record<string, string>;
    for (const namespace of [OVERLAP, APART, BROKEN])
      api.put('/api/v1/namespaces', { metadata: { name: namespace, labels: { 'gardener.cloud/role': 'shoot' } } });
    // The PodTemplate the controller reads its injected images from, as deploy/seed ships it.
    const images = byKind('PodTemplate');
    api.put(`/api/v1/namespaces/${images.metadata.namespace}/podtemplates`, images as never);
    api.put(CLUSTERS, overlappingCluster() as never);
    api.put(CLUSTERS, apartCluster() as never);
    api.put(CLUSTERS, cluster({ name: BROKEN, pods: '10.1.0.0/16', status: { nodes: ['242.0.0.0/16'] } }) as never);
    for (const namespace of [OVERLAP, APART, BROKEN]) {
      const deployment = sampleDeployment();
      deployment.metadata = { ...deployment.metadata, namespace };
      api.put(deploymentPath(namespace), deployment as never);
    }
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');
    api.admission = async (operation, object, oldObject) => {
      const reply = await httpsRequest(`https://localhost:${ports?.webhookPort}${String(getField(hook, 'clientConfig.service.path'))}`, {
        ca,
        method: 'POST',
        body: deploymentReview(object as never, operation, oldObject as never),
      });
      const answer = (JSON.parse(reply.body) as { response: { patch?: string } }).response;
      return answer.patch ? (JSON.parse(Buffer.from(answer.patch, 'base64').toString('utf8')) as unknown[]) : undefined;
    };

    // The manifest's fixed ports may be taken on a shared machine; every other setting is the manifest's.
    const env = {
      ...containerEnv(container, { 'metadata.name': 'overlap-seed-controller-0', 'metadata.namespace': account.namespace }),
      OVERLAP_WEBHOOK_ADDRESS: '127.0.0.1:0',
      OVERLAP_METRICS_ADDRESS: '127.0.0.1:0',
      OVERLAP_TLS_CERT_FILE: join(dir, 'tls.crt'),
      OVERLAP_TLS_KEY_FILE: join(dir, 'tls.key'),
      OVERLAP_TLS_CA_FILE: join(dir, 'ca.crt'),
      KUBECONFIG: join(dir, 'kubeconfig'),
    };
    controller = startProcess(process.execPath, [controllerScript], env);
    ports = await poll(
      () =>
        controller
          ?.output()
          .split('\n')
          .filter((line) => line.includes('"msg":"started"'))
          .map((line) => JSON.parse(line) as { webhookPort: number; metricsPort: number })[0],
    );
  });

  afterAll(async () => {
    const code = await controller?.stop();
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(code, controller?.output()).toBe(0);
  });

  it('starts and answers its probes on the port the Deployment probes', async () => {
    expect(ports, controller?.output()).toBeDefined();
    for (const path of [getField(container, 'readinessProbe.httpGet.path'), getField(container, 'livenessProbe.httpGet.path')]) {
      const ready = await poll(async () => {
        const reply = await fetch(`http://127.0.0.1:${ports?.metricsPort}${String(path)}`);
        return reply.status === 200 ? reply.status : undefined;
      });
      expect(ready, `${String(path)}\n${controller?.output()}`).toBe(200);
    }
  });

  it('injects the sidecars through the webhook path the MutatingWebhookConfiguration names, with the ports the PodMonitor scrapes', async () => {
    const containers = await poll(() => {
      const list = api.get(`${deploymentPath(OVERLAP)}/kube-apiserver`)?.spec.template.spec.containers as { name: string; ports?: { name: string }[] }[];
      return list.some((candidate) => candidate.name === 'seed-vpn-agent') ? list : undefined;
    });
    expect(
      containers?.map((candidate) => candidate.name),
      controller?.output(),
    ).toEqual(expect.arrayContaining(['envoy-proxy', 'seed-vpn-agent']));
    const declared = (containers ?? []).flatMap((candidate) => candidate.ports ?? []).map((port) => port.name);
    const podMonitor = renderKustomization(join(DEPLOY, 'monitoring')).find((manifest) => manifest.kind === 'PodMonitor');
    for (const endpoint of getField(podMonitor, 'spec.podMetricsEndpoints') as { port: string }[]) expect(declared).toContain(endpoint.port);
    // The controller's own PodMonitor for the shoot's Prometheus scrapes the same declared ports.
    const shootMonitors = api.list(`/apis/monitoring.coreos.com/v1/namespaces/${OVERLAP}/podmonitors`);
    expect(shootMonitors).toHaveLength(1);
    for (const endpoint of shootMonitors[0]!.spec.podMetricsEndpoints as { port: string }[]) expect(declared).toContain(endpoint.port);
    const images = byKind('PodTemplate');
    for (const name of ['seed-vpn-agent', 'envoy-proxy']) {
      const image = (containers as { name: string; image?: string }[] | undefined)?.find((candidate) => candidate.name === name)?.image;
      expect(image).toBe(getField(images, `template.spec.containers.[name=${name}].image`));
      expect(image).toMatch(/:/);
    }
    expect(api.get(`${deploymentPath(APART)}/kube-apiserver`)?.spec.template.spec.containers.map((c: { name: string }) => c.name)).not.toContain(
      'seed-vpn-agent',
    );
    injectedSeedAgent = containers?.find((candidate) => candidate.name === 'seed-vpn-agent');
  });

  it('asks the API server for nothing its RBAC does not grant', () => {
    const requests = api.requests();
    const made = new Set(requests.map((line) => apiRequest(line)).map(({ verb, resource, namespace }) => `${verb} ${resource} ${namespace ?? ''}`));
    expect([...made]).toEqual(
      expect.arrayContaining([
        'watch clusters ',
        'watch configmaps ',
        `create configmaps ${OVERLAP}`,
        'watch secrets ',
        `create secrets ${OVERLAP}`,
        'watch managedresources ',
        `create managedresources ${OVERLAP}`,
        `get deployments ${OVERLAP}`,
        `patch deployments ${OVERLAP}`,
        `create leases ${account.namespace}`,
        'create events default',
      ]),
    );
    const denied = requests.filter((line) => !rbacAllows(seed, account, apiRequest(line)));
    expect(denied).toEqual([]);
  });

  it('exposes every controller metric the alerts and the dashboard use, and promtool accepts the exposition', async () => {
    exposition =
      (await poll(async () => {
        const text = await (await fetch(`http://127.0.0.1:${ports?.metricsPort}/metrics`)).text();
        return text.includes('overlap_controller_shoot_invalid{') && text.includes('overlap_webhook_injections_total{') ? text : undefined;
      })) ?? '';
    expectExposed(exposition, controllerNames);
    expect(await promtoolProblems(exposition)).toEqual([]);
  });

  it('lets Prometheus evaluate every alert on its real metrics, scraped as the ServiceMonitor scrapes them', async () => {
    const endpoint = (getField(byKind('ServiceMonitor'), 'spec.endpoints') as { honorLabels: boolean }[])[0];
    const prometheus = await startPrometheus(join(dir, 'prometheus'), loadRuleGroups(), {
      job: byKind('Service').metadata.name,
      address: `127.0.0.1:${ports?.metricsPort}`,
      honorLabels: endpoint?.honorLabels ?? false,
      labels: { namespace: account.namespace },
    });
    try {
      type Rule = { name: string; health: string; lastError?: string; lastEvaluation: string };
      const rules = await poll(async () => {
        const groups = await prometheusApi<{ groups: { rules: Rule[] }[] }>(prometheus, '/api/v1/rules').catch(() => undefined);
        const all = groups?.groups.flatMap((group) => group.rules) ?? [];
        const evaluated = all.length > 0 && all.every((rule) => !rule.lastEvaluation.startsWith('0001'));
        return evaluated && all.some((rule) => rule.name === 'OverlapShootInvalid' && rule.health === 'ok') ? all : undefined;
      });
      expect(
        rules?.filter((rule) => rule.health !== 'ok'),
        prometheus.process.output(),
      ).toEqual([]);
      expect(rules).toHaveLength(loadRuleGroups().flatMap((group) => group.rules).length);

      // The controller skips the broken shoot (firing at once) and wants NAT for the overlapping one, whose seed
      // agent this Prometheus does not scrape (pending: it fires after 10 minutes).
      type Alert = { labels: Record<string, string>; state: string };
      const alerts = await poll(async () => {
        const found = (await prometheusApi<{ alerts: Alert[] }>(prometheus, '/api/v1/alerts')).alerts;
        // Under load the first evaluations may precede the first scrape: wait until both have settled.
        const settled =
          found.some((alert) => alert.labels.alertname === 'OverlapShootNATNotActive') &&
          found.some((alert) => alert.labels.alertname === 'OverlapShootInvalid' && alert.state === 'firing');
        return settled ? found : undefined;
      });
      const summary = (alerts ?? []).map((alert) => `${alert.labels.alertname} ${alert.labels.namespace} ${alert.state}`);
      expect(summary).toEqual(expect.arrayContaining([`OverlapShootInvalid ${BROKEN} firing`, `OverlapShootNATNotActive ${OVERLAP} pending`]));
      expect(summary.filter((line) => line.endsWith('firing'))).toEqual([`OverlapShootInvalid ${BROKEN} firing`]);
      const invalid = alerts?.find((alert) => alert.labels.alertname === 'OverlapShootInvalid');
      expect(invalid?.labels.field).toMatch(/nodes/);
    } finally {
      await prometheus.process.stop();
    }
  });
});

describe.skipIf(!isRoot)(
  `the agent bundles in network namespaces of their own, with NET_ADMIN as their only capability${isRoot ? '' : ` (skipped: ${NEEDS_ROOT})`}`,
  () => {
    const namespaces: Namespace[] = [];
    const images = mkdtempSync(join(tmpdir(), 'ovl-deploy-agents-'));
    afterAll(async () => {
      for (const ns of namespaces.splice(0)) await ns.delete();
      rmSync(images, { recursive: true, force: true });
    });

    /** Runs the agent with the env its manifest gives it until its NAT is active, and returns its /metrics. */
    async function scrapeAgent(side: 'seed' | 'shoot', env: Record<string, string>, port: number): Promise<string> {
      const ns = await createNamespace('deploy');
      namespaces.push(ns);
      // A prefix pattern (HA) stands for Gardener's ip6tnl devices: one named as Gardener names them stands in.
      const match = env.OVERLAP_TUNNEL_DEVICE ?? '';
      const tunnel = match.endsWith('+') ? `${match.slice(0, -1)}${side === 'seed' ? '-ip6tnl0' : 'ip6tnl0a0b'}` : match;
      await addTunnel(ns.run, tunnel);
      if (side === 'shoot') {
        await ns.run(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer']);
        for (const dev of ['eth0', 'eth0-peer']) await ns.run(['ip', 'link', 'set', dev, 'up']);
      }
      // As in the pod: uid 0 whose capabilities are NET_ADMIN and nothing else.
      const agent = startProcess(
        'ip',
        [
          'netns',
          'exec',
          ns.name,
          'setpriv',
          '--bounding-set=-all,+net_admin',
          '--inh-caps=-all',
          process.execPath,
          layOutImage(`${side}-vpn-agent`, join(images, side)),
        ],
        env,
      );
      try {
        const url = `http://127.0.0.1:${port}/metrics`;
        expect((await waitForHttpOk(ns.run, url)).status, agent.output()).toBe(200);
        // Up to two sync periods (30 s each): a first sync that fails on a loaded machine is retried by the next.
        const active = await poll(
          async () => {
            const reply = await httpGetIn(ns.run, url);
            return /^overlap_nat_active\{[^}]*\} 1$/m.test(reply.body) ? reply.body : undefined;
          },
          { timeoutMs: 70_000 },
        );
        expect(active, agent.output()).toBeDefined();
        return active ?? '';
      } finally {
        expect(await agent.stop(), agent.output()).toBe(0);
      }
    }

    it('seed-vpn-agent, with the env the webhook injected: NAT active, every agent metric of the monitoring exposed', async () => {
      expect(injectedSeedAgent, 'the controller test injects the seed agent first').toBeDefined();
      const env = containerEnv(injectedSeedAgent, { 'metadata.name': 'kube-apiserver-0', 'metadata.namespace': OVERLAP });
      const exposition = await scrapeAgent('seed', env, Number(env.OVERLAP_METRICS_ADDRESS?.split(':')[1]));
      expectExposed(exposition, agentNames);
      expect(await promtoolProblems(exposition)).toEqual([]);
    });

    it('shoot-vpn-agent, with the env of the vpn-shoot sidecar: NAT active, every agent metric of the monitoring exposed', async () => {
      const sidecar = getField(vpnShoot, 'spec.template.spec.containers.[name=shoot-vpn-agent]');
      const env = containerEnv(sidecar, { 'metadata.name': 'vpn-shoot-0', 'metadata.namespace': 'kube-system' });
      const port = (getField(sidecar, 'ports') as { containerPort: number }[])[0]?.containerPort ?? 0;
      expect(env.OVERLAP_METRICS_ADDRESS).toBe(`127.0.0.1:${port}`);
      const exposition = await scrapeAgent('shoot', env, port);
      expectExposed(exposition, agentNames);
      expect(await promtoolProblems(exposition)).toEqual([]);
    });
  },
);
