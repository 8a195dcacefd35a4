import { describe, expect, it } from 'vitest';
import { INTERACTIVE_LAB, discoveredPorts, discoveryLabels, labSpec, monitoringJobs, relabelConfig } from '../src/index.ts';

const spec = labSpec(INTERACTIVE_LAB);

/** Prometheus' relabelling, enough of it to run the objects' target relabelings here: keep, drop, replace. */
function applyRelabel(labels: Record<string, string>, configs: ReadonlyArray<Record<string, unknown>>): Record<string, string> | undefined {
  let current = { ...labels };
  for (const c of configs) {
    const source = ((c['source_labels'] as string[] | undefined) ?? []).map((l) => current[l] ?? '').join((c['separator'] as string | undefined) ?? ';');
    const regex = new RegExp(`^(?:${(c['regex'] as string | undefined) ?? '(.*)'})$`);
    const action = (c['action'] as string | undefined) ?? 'replace';
    const match = regex.exec(source);
    if (action === 'keep' && !match) return undefined;
    if (action === 'drop' && match) return undefined;
    if (action === 'replace' && match) {
      const value = ((c['replacement'] as string | undefined) ?? '$1').replace(/\$\{?(\d)\}?/g, (_, i: string) => match[Number(i)] ?? '');
      current = { ...current, [c['target_label'] as string]: value };
    }
  }
  return current;
}

const targetsOf = (job: Record<string, unknown>) =>
  (job['static_configs'] as Array<{ labels: Record<string, string> }>)
    .map((s) => applyRelabel(s.labels, job['relabel_configs'] as Array<Record<string, unknown>>))
    .filter((t) => t !== undefined)
    .map((t) => Object.fromEntries(Object.entries(t).filter(([k]) => !k.startsWith('__meta_'))));

describe("the lab's Prometheus from the controller's monitoring objects", () => {
  it('operator relabelings become Prometheus ones', () => {
    expect(relabelConfig({ sourceLabels: ['__name__'], regex: '^(a|b)$', action: 'Keep' })).toEqual({
      source_labels: ['__name__'],
      regex: '^(a|b)$',
      action: 'keep',
    });
    expect(relabelConfig({ targetLabel: 'job', replacement: 'x', action: 'replace' })).toEqual({ target_label: 'job', replacement: 'x', action: 'replace' });
  });

  it("discovery lists the seed agent's port and the webhook's shoot agent port, with Kubernetes' meta labels", () => {
    const ports = discoveredPorts(spec);
    expect(ports.map((p) => `${p.namespace}/${p.pod} ${p.container} ${p.portName}:${p.port}`)).toEqual([
      'shoot--lab--overlap/kube-apiserver-0 seed-vpn-agent agent-metrics:9150',
      'kube-system/vpn-shoot-0 shoot-vpn-agent overlap-metrics:9151',
    ]);
    expect(discoveryLabels(ports[1]!)).toMatchObject({
      __meta_kubernetes_pod_label_app: 'vpn-shoot',
      __meta_kubernetes_pod_label_gardener_cloud_role: 'system-component',
    });
  });

  it("the objects' relabelings select the seed agent (PodMonitor) and the shoot agent through the kube-apiserver pod proxy (ScrapeConfig)", () => {
    const [agents, envoy, shoot] = monitoringJobs(spec, '/token') as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(targetsOf(agents)).toEqual([
      expect.objectContaining({ __address__: '10.1.0.10:9150', job: 'overlap-vpn-agent', pod: 'kube-apiserver-0', namespace: 'shoot--lab--overlap' }),
    ]);
    expect(targetsOf(envoy)).toEqual([]);
    expect(targetsOf(shoot)).toEqual([
      expect.objectContaining({
        __address__: 'kube-apiserver:443',
        __metrics_path__: '/api/v1/namespaces/kube-system/pods/vpn-shoot-0:9151/proxy/metrics',
        job: 'overlap-vpn-agent',
        pod: 'vpn-shoot-0',
        namespace: 'shoot--lab--overlap',
      }),
    ]);
    expect((agents['metric_relabel_configs'] as Array<Record<string, unknown>>)[0]).toMatchObject({ source_labels: ['__name__'], action: 'keep' });
  });
});
