// The objects of Gardener's shoot monitoring that the controller keeps per injected shoot, against the
// prometheus-operator CRD schemas vendored under test/fixtures (unknown fields refused), and what they select.
import { describe, expect, it } from 'vitest';
import { MANAGED_BY, MANAGED_BY_LABEL, SHOOT_LABEL } from '../src/inject/names.ts';
import { AGENT_METRICS, ENVOY_METRICS } from '../src/monitoring/labels.ts';
import { dashboardConfigMap, podMonitor, prometheusRule, scrapeConfig } from '../src/monitoring/shoot-monitoring.ts';
import { crdValidator } from './support/crd-schema.ts';

const NAMESPACE = 'shoot--dev--overlap';
const validators = {
  PrometheusRule: crdValidator('crd-monitoring.coreos.com_prometheusrules.yaml', 'v1'),
  PodMonitor: crdValidator('crd-monitoring.coreos.com_podmonitors.subset.yaml', 'v1'),
  ScrapeConfig: crdValidator('crd-monitoring.coreos.com_scrapeconfigs.subset.yaml', 'v1alpha1'),
};

describe("the shoot Prometheus' objects", () => {
  const objects = { PodMonitor: podMonitor(NAMESPACE), ScrapeConfig: scrapeConfig(NAMESPACE), PrometheusRule: prometheusRule(NAMESPACE) };

  it.each(Object.keys(objects) as (keyof typeof objects)[])('%s validates against its CRD schema and carries the shoot Prometheus label', (kind) => {
    const object = objects[kind];
    expect(validators[kind](object)).toEqual([]);
    expect(object.metadata?.namespace).toBe(NAMESPACE);
    expect(object.metadata?.labels).toEqual({ prometheus: 'shoot', [MANAGED_BY_LABEL]: MANAGED_BY, [SHOOT_LABEL]: NAMESPACE });
  });

  it('the schemas refuse a misspelt field and a role prometheus-operator does not know', () => {
    const misspelt = structuredClone(objects.PodMonitor) as { spec: { podMetricsEndpoints: Record<string, unknown>[] } };
    misspelt.spec.podMetricsEndpoints[0]!.metricRelabeling = [];
    expect(validators.PodMonitor(misspelt).join()).toMatch(/must NOT have additional properties/);
    const role = structuredClone(objects.ScrapeConfig) as { spec: { kubernetesSDConfigs: { role: string }[] } };
    role.spec.kubernetesSDConfigs[0]!.role = 'Pods';
    expect(validators.ScrapeConfig(role).join()).toMatch(/must be equal to one of the allowed values/);
  });

  it('keep exactly the metrics the alerts and dashboards use, from the seed agent, Envoy and the shoot agent', () => {
    const keepOf = (relabelings: { action: string; regex: string }[]) => relabelings.find((r) => r.action === 'keep')!.regex;
    const [agent, envoy] = (objects.PodMonitor as unknown as { spec: { podMetricsEndpoints: { port: string; metricRelabelings: never[] }[] } }).spec
      .podMetricsEndpoints;
    expect(agent!.port).toBe('agent-metrics');
    expect(keepOf(agent!.metricRelabelings)).toBe(`^(${AGENT_METRICS.join('|')})$`);
    expect(keepOf(envoy!.metricRelabelings)).toBe(`^(${ENVOY_METRICS.join('|')})$`);
    expect(keepOf((objects.ScrapeConfig as unknown as { spec: { metricRelabelings: never[] } }).spec.metricRelabelings)).toBe(`^(${AGENT_METRICS.join('|')})$`);
  });

  it('scrape the shoot agent through the kube-apiserver pod proxy, with this shoot namespace as `namespace`', () => {
    const spec = (objects.ScrapeConfig as unknown as { spec: { relabelings: { targetLabel?: string; replacement?: string; regex?: string }[] } }).spec;
    const byTarget = new Map(spec.relabelings.filter((r) => r.targetLabel).map((r) => [r.targetLabel, r]));
    expect(byTarget.get('__address__')?.replacement).toBe('kube-apiserver:443');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${1} and ${2} are Prometheus relabel references, not JavaScript
    expect(byTarget.get('__metrics_path__')?.replacement).toBe('/api/v1/namespaces/kube-system/pods/${1}:${2}/proxy/metrics');
    expect(byTarget.get('namespace')?.replacement).toBe(NAMESPACE);
    expect(spec.relabelings[0]).toMatchObject({ action: 'keep', regex: 'vpn-shoot;shoot-vpn-agent;overlap-metrics' });
  });

  it('the dashboard is a content-named ConfigMap for the shoot Plutono', () => {
    const config = dashboardConfigMap(NAMESPACE) as { metadata: { name: string; labels: Record<string, string> }; data: Record<string, string> };
    expect(config.metadata.name).toMatch(/^overlap-dashboard-[0-9a-f]{8}$/);
    expect(config.metadata.labels['dashboard.monitoring.gardener.cloud/shoot']).toBe('true');
    expect(JSON.parse(config.data['overlap-shoot.json']!).uid).toBe('overlap-shoot');
  });
});
