import { TUNNEL_DEVICE_DEFAULTS } from '@overlap/natrules';
/** Names of Gardener's vpn-shoot in the shoot (gardener-controller.md §4.3) and of what the shoot webhook adds. */
export const VPN_SHOOT = 'vpn-shoot';
export const VPN_SHOOT_NAMESPACE = 'kube-system';
/** The label Gardener puts on the vpn-shoot StatefulSet (HA) or Deployment (non-HA); the webhook selects on it. */
export const VPN_SHOOT_LABELS: Readonly<Record<string, string>> = { app: VPN_SHOOT };
/** HA: `vpn-shoot-s0`, `vpn-shoot-s1`; non-HA: `vpn-shoot`. The VPN clients carry the networks in their env. */
export const VPN_CLIENT_CONTAINER = /^vpn-shoot(-s\d+)?$/;

export const SHOOT_AGENT_CONTAINER = 'shoot-vpn-agent';
export const SHOOT_AGENT_METRICS_PORT = 9151;
export const SHOOT_AGENT_METRICS_PORT_NAME = 'overlap-metrics';
/**
 * HA vpn-shoot receives IPv4 on one ip6tnl device per kube-apiserver pod (`bond0ip6tnl<hex>`, made by the tunnel
 * controller at run time), so the agent matches them all by the pattern `bond0+`, as vpn2 does; deploy/shoot passes
 * the same.
 */
export const SHOOT_TUNNEL_DEVICE = TUNNEL_DEVICE_DEFAULTS.ha;
export const SHOOT_EGRESS_DEVICE = 'eth0';

/**
 * vpn2 translates an HA shoot client itself from this release on (the one Gardener v1.124 pinned with #12204,
 * gardener-facts.md "Versions"). Below it an HA vpn-shoot never translates, so the agent is needed.
 */
export const VPN2_SELF_TRANSLATING = [0, 40, 0] as const;

/** The controller's Service as deploy/seed names it; the serving certificate carries this name. */
export const DEFAULT_SHOOT_WEBHOOK_URL = 'https://overlap-seed-controller.overlap-system.svc';
/** Short: a vpn-shoot update waits this long when the controller cannot be reached. */
export const SHOOT_WEBHOOK_TIMEOUT_SECONDS = 5;

/** Served by the controller, called by the shoot's kube-apiserver (which runs in the seed). */
export const SHOOT_WEBHOOK_PATH = '/mutate-vpn-shoot';
/** Gardener's naming for an extension's shoot webhooks (`extension-<name>-shoot-webhooks`). */
export const SHOOT_WEBHOOKS_MANAGED_RESOURCE = 'extension-overlap-shoot-webhooks';
export const SHOOT_WEBHOOK_CONFIGURATION = 'overlap-vpn-shoot';
export const SHOOT_WEBHOOK_NAME = 'vpn-shoot.overlap.extensions.gardener.cloud';
