import { TUNNEL_DEVICE_DEFAULTS } from '@overlap/natrules';

/** Names and paths shared with Gardener's own HA-with-overlap layout (gardener-controller.md §2–§3). */
export const KUBE_APISERVER = 'kube-apiserver';
export const ENVOY_CONTAINER = 'envoy-proxy';
export const AGENT_CONTAINER = 'seed-vpn-agent';
/** vpn2's path controller: owns the routes of the mapped shoot blocks in the kube-apiserver pod (HA). */
export const PATH_CONTROLLER_CONTAINER = 'vpn-path-controller';

export const ENVOY_PROXY_PORT = 9443;
export const ENVOY_METRICS_PORT = 15000;
export const AGENT_METRICS_PORT = 9150;
/** Gardener's EnvoyVPNGroupId: the seed-side NAT matches Envoy's traffic by this gid. */
export const ENVOY_GID = 31415;
/**
 * Gardener's HA seed client carries IPv4 over `bond0-ip6tnl<i>` devices on top of its bond of tap devices; vpn2
 * matches them all as `bond0+`, and so does the agent.
 */
export const SEED_TUNNEL_DEVICE = TUNNEL_DEVICE_DEFAULTS.ha;

export const PROXY_HOST = 'kube-apiserver-http-proxy';
export const EGRESS_FLAG = '--egress-selector-config-file';
export const EGRESS_DIR = '/etc/kubernetes/egress';
export const EGRESS_FILE = 'egress-selector-configuration.yaml';
export const ENVOY_CONFIG_DIR = '/etc/envoy';
export const ENVOY_CONFIG_FILE = 'envoy.yaml';
export const ENVOY_CERTS_DIR = '/srv/secrets/envoy-proxy';
export const ENVOY_ADMIN_SOCKET = '/home/nonroot/envoy.admin';
export const PROXY_CLIENT_CERT_DIR = '/etc/srv/kubernetes/envoy';
export const CA_VPN_DIR = '/srv/kubernetes/ca-vpn';

export const VOLUMES = {
  envoyConfig: 'envoy-config',
  envoyCerts: 'certs',
  proxyClient: 'http-proxy',
  egressConfig: 'egress-selection-config',
  caVpn: 'ca-vpn',
} as const;

export const CONFIGMAP_PREFIX = {
  envoy: 'kube-apiserver-envoy-config',
  egress: 'kube-apiserver-egress-selector-config',
} as const;

const DOMAIN = 'overlap.extensions.gardener.cloud';
/** On the pod template: what this controller added, so removal takes exactly that and nothing of Gardener's. */
export const INJECTED_ANNOTATION = `${DOMAIN}/injected`;
/** On the Deployment: the plan the reconciler last saw; changing it makes the API server call the webhook again. */
export const PLAN_HASH_ANNOTATION = `${DOMAIN}/plan-hash`;
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'overlap-seed-controller';
/**
 * On a shoot namespace: the controller has an injection there, or one still to remove. In automatic mode the
 * seed webhook selects only namespaces with this label, so it never stands between gardenlet and any other shoot.
 */
export const WEBHOOK_NAMESPACE_LABEL = `${DOMAIN}/webhook`;
export const WEBHOOK_NAMESPACE_SELECTOR = `${WEBHOOK_NAMESPACE_LABEL}=true`;
/** Which shoot an owned object belongs to, so `kubectl get -l` finds one shoot's objects. */
export const SHOOT_LABEL = `${DOMAIN}/shoot`;
