import type { KubernetesObject } from '@kubernetes/client-node';
import { uniqueConfigMap } from '../inject/configmaps.ts';
import { KUBE_APISERVER, MANAGED_BY, MANAGED_BY_LABEL, SHOOT_LABEL } from '../inject/names.ts';
import { SHOOT_AGENT_CONTAINER, SHOOT_AGENT_METRICS_PORT_NAME, VPN_SHOOT, VPN_SHOOT_NAMESPACE } from '../vpn-shoot/names.ts';
import { AGENT_JOB, AGENT_METRICS, ENVOY_JOB, ENVOY_METRICS, SHOOT_DASHBOARD_LABEL, SHOOT_PROMETHEUS_LABEL, keepRegex } from './labels.ts';
import dashboard from './shoot-dashboard.json' with { type: 'json' };
import { SHOOT_RULE_GROUPS } from './shoot-rules.ts';

const MONITORING_API = 'monitoring.coreos.com';
const POD_MONITOR_NAME = 'overlap-kube-apiserver-sidecars';
const SCRAPE_CONFIG_NAME = 'overlap-shoot-vpn-agent';
const PROMETHEUS_RULE_NAME = 'overlap';
const DASHBOARD_PREFIX = 'overlap-dashboard';
const DASHBOARD_FILE = 'overlap-shoot.json';
/** Gardener's token for the shoot Prometheus, which the shoot's kube-apiserver authorizes (its docs' example). */
const SHOOT_ACCESS_SECRET = { name: 'shoot-access-prometheus-shoot', key: 'token' };

const metadata = (namespace: string, name: string, labels: Readonly<Record<string, string>>) => ({
  name,
  namespace,
  labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [SHOOT_LABEL]: namespace, ...labels },
});

const keep = (names: readonly string[]) => ({ sourceLabels: ['__name__'], action: 'keep', regex: keepRegex(names) });
const setLabel = (targetLabel: string, replacement: string) => ({ action: 'replace', targetLabel, replacement });

/**
 * The injected sidecars of this shoot's kube-apiserver pods, for the shoot's Prometheus (which Gardener's network
 * policies already let into the namespace). Only the metrics the alerts and dashboards use are stored.
 */
export function podMonitor(namespace: string): KubernetesObject {
  return {
    apiVersion: `${MONITORING_API}/v1`,
    kind: 'PodMonitor',
    metadata: metadata(namespace, POD_MONITOR_NAME, SHOOT_PROMETHEUS_LABEL),
    spec: {
      selector: { matchLabels: { app: 'kubernetes', role: 'apiserver' } },
      podMetricsEndpoints: [
        { port: 'agent-metrics', path: '/metrics', relabelings: [setLabel('job', AGENT_JOB)], metricRelabelings: [keep(AGENT_METRICS)] },
        { port: 'envoy-metrics', path: '/metrics', relabelings: [setLabel('job', ENVOY_JOB)], metricRelabelings: [keep(ENVOY_METRICS)] },
      ],
    },
  } as KubernetesObject;
}

/**
 * The shoot agent runs in the shoot (a sidecar of vpn-shoot in kube-system), so the shoot's Prometheus reaches it
 * through the shoot's kube-apiserver pod proxy, as Gardener's docs show for components in the shoot. Its series get
 * `namespace` = this control-plane namespace, so both sides of a shoot share one value. The API server's serving
 * CA Secret carries a hash in its name that the controller cannot know, so TLS towards the in-namespace
 * kube-apiserver Service is not verified (as Gardener's own extensions do for this proxy path).
 */
export function scrapeConfig(namespace: string): KubernetesObject {
  const apiServer = { authorization: { credentials: SHOOT_ACCESS_SECRET }, tlsConfig: { insecureSkipVerify: true } };
  return {
    apiVersion: `${MONITORING_API}/v1alpha1`,
    kind: 'ScrapeConfig',
    metadata: metadata(namespace, SCRAPE_CONFIG_NAME, SHOOT_PROMETHEUS_LABEL),
    spec: {
      ...apiServer,
      scheme: 'HTTPS',
      honorLabels: false,
      kubernetesSDConfigs: [
        { apiServer: `https://${KUBE_APISERVER}`, ...apiServer, followRedirects: true, namespaces: { names: [VPN_SHOOT_NAMESPACE] }, role: 'Pod' },
      ],
      relabelings: [
        {
          sourceLabels: ['__meta_kubernetes_pod_label_app', '__meta_kubernetes_pod_container_name', '__meta_kubernetes_pod_container_port_name'],
          regex: `${VPN_SHOOT};${SHOOT_AGENT_CONTAINER};${SHOOT_AGENT_METRICS_PORT_NAME}`,
          action: 'keep',
        },
        setLabel('job', AGENT_JOB),
        setLabel('namespace', namespace),
        { sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'pod', action: 'replace' },
        setLabel('__address__', `${KUBE_APISERVER}:443`),
        {
          sourceLabels: ['__meta_kubernetes_pod_name', '__meta_kubernetes_pod_container_port_number'],
          regex: '(.+);(.+)',
          targetLabel: '__metrics_path__',
          replacement: `/api/v1/namespaces/${VPN_SHOOT_NAMESPACE}/pods/\${1}:\${2}/proxy/metrics`,
          action: 'replace',
        },
      ],
      metricRelabelings: [keep(AGENT_METRICS)],
    },
  } as KubernetesObject;
}

export function prometheusRule(namespace: string): KubernetesObject {
  return {
    apiVersion: `${MONITORING_API}/v1`,
    kind: 'PrometheusRule',
    metadata: metadata(namespace, PROMETHEUS_RULE_NAME, SHOOT_PROMETHEUS_LABEL),
    spec: { groups: SHOOT_RULE_GROUPS },
  } as KubernetesObject;
}

const dashboardJson = JSON.stringify(dashboard, null, 2);

/** For the shoot's Plutono; content-named like the other ConfigMaps, so a new dashboard is a new ConfigMap. */
export function dashboardConfigMap(namespace: string): KubernetesObject {
  return uniqueConfigMap(DASHBOARD_PREFIX, namespace, { [DASHBOARD_FILE]: dashboardJson }, SHOOT_DASHBOARD_LABEL) as KubernetesObject;
}

/** Every object of Gardener's shoot monitoring for one shoot namespace. */
export function shootMonitoringObjects(namespace: string): KubernetesObject[] {
  return [podMonitor(namespace), scrapeConfig(namespace), prometheusRule(namespace), dashboardConfigMap(namespace)];
}

/** The shoot dashboard as shipped (deploy/ renders the generic variant's copy from it). */
export const SHOOT_DASHBOARD: unknown = dashboard;
