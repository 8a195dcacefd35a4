import { podMonitor, scrapeConfig } from '@overlap/seed-controller';
import { labPki } from './pki.ts';
import { type LabSpec, PORTS, SHOOT_NAMESPACE } from './spec.ts';
import { VPN_SHOOT_POD, labVpnShoot, webhookShootAgent } from './vpn-shoot.ts';

/**
 * The lab's Prometheus is configured from the monitoring objects the controller keeps per shoot (the PodMonitor for
 * the kube-apiserver pods' sidecars, the ScrapeConfig for the shoot agents through the API server's pod proxy):
 * their selectors, relabelings and metric relabelings are translated into Prometheus' own configuration the way
 * prometheus-operator does it, so the lab proves that they select and scrape the agents. What the lab cannot have,
 * Kubernetes service discovery, is replaced by the targets it would list: one per declared container port of the
 * lab's pods, with the `__meta_kubernetes_*` labels the discovery gives them; the objects' relabelings then keep
 * or drop them, exactly as in a cluster.
 */

/** A monitoring object as the controller builds it. */
type MonitoringObject = ReturnType<typeof podMonitor>;

/** prometheus-operator's RelabelConfig (camelCase) → Prometheus' relabel_config (snake_case). */
interface OperatorRelabel {
  readonly sourceLabels?: readonly string[];
  readonly separator?: string;
  readonly targetLabel?: string;
  readonly regex?: string;
  readonly modulus?: number;
  readonly replacement?: string;
  readonly action?: string;
}

export function relabelConfig(r: OperatorRelabel): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.sourceLabels) out['source_labels'] = [...r.sourceLabels];
  if (r.separator !== undefined) out['separator'] = r.separator;
  if (r.targetLabel !== undefined) out['target_label'] = r.targetLabel;
  if (r.regex !== undefined) out['regex'] = r.regex;
  if (r.modulus !== undefined) out['modulus'] = r.modulus;
  if (r.replacement !== undefined) out['replacement'] = r.replacement;
  // The operator accepts any case (`Replace`, `keep`); Prometheus wants lower case.
  if (r.action !== undefined) out['action'] = r.action.toLowerCase();
  return out;
}

/** One target as Kubernetes pod discovery lists it: a declared container port of a pod. */
export interface DiscoveredPort {
  readonly pod: string;
  readonly namespace: string;
  readonly podIp: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly container: string;
  readonly portName: string;
  readonly port: number;
}

/** Prometheus' label names for pod labels: every character that is not a letter, digit or `_` becomes `_`. */
const sanitize = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_');

export function discoveryLabels(d: DiscoveredPort): Record<string, string> {
  return {
    __address__: `${d.podIp}:${d.port}`,
    __meta_kubernetes_namespace: d.namespace,
    __meta_kubernetes_pod_name: d.pod,
    __meta_kubernetes_pod_ip: d.podIp,
    __meta_kubernetes_pod_container_name: d.container,
    __meta_kubernetes_pod_container_port_name: d.portName,
    __meta_kubernetes_pod_container_port_number: String(d.port),
    ...Object.fromEntries(Object.entries(d.labels).map(([key, value]) => [`__meta_kubernetes_pod_label_${sanitize(key)}`, value])),
  };
}

/** Gardener's labels on kube-apiserver pods, which the PodMonitor selects. */
const KUBE_APISERVER_POD_LABELS = { app: 'kubernetes', role: 'apiserver' } as const;
/** The port name the seed injection gives the seed agent's container (apps/seed-controller inject/sidecars.ts). */
const SEED_AGENT_PORT_NAME = 'agent-metrics';

/**
 * What pod discovery would list in the lab: the kube-apiserver pod's seed agent (the lab runs no Envoy, so no
 * `envoy-metrics` port) in the shoot namespace, and every container port of vpn-shoot-0 as the shoot webhook leaves
 * the lab's vpn-shoot (the shoot agent's `overlap-metrics` among them) in kube-system.
 */
export function discoveredPorts(spec: LabSpec): DiscoveredPort[] {
  const seed: DiscoveredPort = {
    pod: 'kube-apiserver-0',
    namespace: SHOOT_NAMESPACE,
    podIp: spec.addresses.kubeApiserver,
    labels: KUBE_APISERVER_POD_LABELS,
    container: 'seed-vpn-agent',
    portName: SEED_AGENT_PORT_NAME,
    port: PORTS.seedAgent,
  };
  const { mutation } = webhookShootAgent(spec);
  const vpnShoot = mutation.outcome === 'injected' ? mutation.object : labVpnShoot(spec);
  const template = vpnShoot.spec?.template;
  const shoot = (template?.spec?.containers ?? []).flatMap((c) =>
    (c.ports ?? []).map(
      (p): DiscoveredPort => ({
        pod: VPN_SHOOT_POD.name,
        namespace: VPN_SHOOT_POD.namespace,
        podIp: spec.addresses.vpnShoot,
        labels: template?.metadata?.labels ?? {},
        container: c.name,
        portName: p.name ?? '',
        port: p.containerPort,
      }),
    ),
  );
  return [seed, ...shoot];
}

interface PodMetricsEndpoint {
  readonly port?: string;
  readonly path?: string;
  readonly relabelings?: readonly OperatorRelabel[];
  readonly metricRelabelings?: readonly OperatorRelabel[];
}

/**
 * The PodMonitor as prometheus-operator turns it into scrape jobs, one per endpoint: pods of its own namespace
 * (`namespaceSelector` unset) matching `selector.matchLabels`, the container port named by `port`; the operator's
 * own target labels (namespace, container, pod, job `<namespace>/<name>`, endpoint); then the endpoint's
 * relabelings and metric relabelings.
 */
function podMonitorJobs(object: MonitoringObject, targets: readonly DiscoveredPort[]): Record<string, unknown>[] {
  const { namespace = '', name = '' } = object.metadata ?? {};
  const spec = (object as { spec: { selector: { matchLabels?: Record<string, string> }; podMetricsEndpoints: PodMetricsEndpoint[] } }).spec;
  const selected = targets.filter((t) => t.namespace === namespace);
  return spec.podMetricsEndpoints.map((endpoint, index) => ({
    job_name: `podMonitor/${namespace}/${name}/${index}`,
    metrics_path: endpoint.path ?? '/metrics',
    static_configs: selected.map((t) => ({ targets: [`${t.podIp}:${t.port}`], labels: discoveryLabels(t) })),
    relabel_configs: [
      ...Object.entries(spec.selector.matchLabels ?? {}).map(([key, value]) =>
        relabelConfig({ sourceLabels: [`__meta_kubernetes_pod_label_${sanitize(key)}`], regex: value, action: 'keep' }),
      ),
      ...(endpoint.port === undefined
        ? []
        : [relabelConfig({ sourceLabels: ['__meta_kubernetes_pod_container_port_name'], regex: endpoint.port, action: 'keep' })]),
      relabelConfig({ sourceLabels: ['__meta_kubernetes_namespace'], targetLabel: 'namespace' }),
      relabelConfig({ sourceLabels: ['__meta_kubernetes_pod_container_name'], targetLabel: 'container' }),
      relabelConfig({ sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod' }),
      relabelConfig({ targetLabel: 'job', replacement: `${namespace}/${name}` }),
      ...(endpoint.port === undefined ? [] : [relabelConfig({ targetLabel: 'endpoint', replacement: endpoint.port })]),
      ...(endpoint.relabelings ?? []).map(relabelConfig),
    ],
    metric_relabel_configs: (endpoint.metricRelabelings ?? []).map(relabelConfig),
  }));
}

interface ScrapeConfigSpec {
  readonly scheme?: string;
  readonly honorLabels?: boolean;
  readonly tlsConfig?: { readonly insecureSkipVerify?: boolean };
  readonly authorization?: { readonly credentials?: unknown };
  readonly kubernetesSDConfigs?: ReadonlyArray<{ readonly namespaces?: { readonly names?: readonly string[] } }>;
  readonly relabelings?: readonly OperatorRelabel[];
  readonly metricRelabelings?: readonly OperatorRelabel[];
}

/**
 * The ScrapeConfig as one scrape job: its pod discovery (limited to the namespaces it names), its relabelings and
 * metric relabelings verbatim, HTTPS with its TLS setting, and its token (a Secret in the cluster) from a file.
 */
function scrapeConfigJob(object: MonitoringObject, targets: readonly DiscoveredPort[], tokenFile: string): Record<string, unknown> {
  const { namespace = '', name = '' } = object.metadata ?? {};
  const spec = (object as { spec: ScrapeConfigSpec }).spec;
  const namespaces = new Set((spec.kubernetesSDConfigs ?? []).flatMap((sd) => sd.namespaces?.names ?? []));
  const discovered = targets.filter((t) => namespaces.has(t.namespace));
  return {
    job_name: `scrapeConfig/${namespace}/${name}`,
    scheme: (spec.scheme ?? 'http').toLowerCase(),
    honor_labels: spec.honorLabels ?? false,
    ...(spec.authorization?.credentials === undefined ? {} : { authorization: { credentials_file: tokenFile } }),
    ...(spec.tlsConfig === undefined ? {} : { tls_config: { insecure_skip_verify: spec.tlsConfig.insecureSkipVerify ?? false } }),
    static_configs: discovered.map((t) => ({ targets: [`${t.podIp}:${t.port}`], labels: discoveryLabels(t) })),
    relabel_configs: (spec.relabelings ?? []).map(relabelConfig),
    metric_relabel_configs: (spec.metricRelabelings ?? []).map(relabelConfig),
  };
}

/** The lab's scrape jobs, from the controller's monitoring objects for the lab shoot's namespace. */
export function monitoringJobs(spec: LabSpec, tokenFile: string): Record<string, unknown>[] {
  const targets = discoveredPorts(spec);
  return [...podMonitorJobs(podMonitor(SHOOT_NAMESPACE), targets), scrapeConfigJob(scrapeConfig(SHOOT_NAMESPACE), targets, tokenFile)];
}

/** Where the kube-apiserver stand-in serves (its pod IP, port 443) and what it presents. */
export const apiServerAddress = (spec: LabSpec): string => `${spec.addresses.kubeApiserver}:${PORTS.apiServer}`;
export const apiServerTls = (spec: LabSpec): { cert: string; key: string } => ({ cert: labPki(spec).envoyCert, key: labPki(spec).envoyKey });
