import { networksToEnv } from '@overlap/cidr';
import { type VpnShootMutation, type VpnShootWorkload, mutateVpnShoot, type shootAgentContainer } from '@overlap/seed-controller';
import type { LabSpec } from './spec.ts';

/** The container the shoot webhook adds (a Kubernetes V1Container). */
export type WebhookContainer = ReturnType<typeof shootAgentContainer>;

/** vpn-shoot's first pod as Kubernetes names it (StatefulSet `vpn-shoot` in `kube-system`). */
export const VPN_SHOOT_POD = { name: 'vpn-shoot-0', namespace: 'kube-system' } as const;
/** vpn2 0.38: an HA client that does not translate itself, which is why the webhook adds the agent. */
const VPN_CLIENT_IMAGE = 'europe-docker.pkg.dev/gardener-project/releases/gardener/vpn-client:0.38.0';

/**
 * Gardener's HA vpn-shoot for the lab's shoot (pkg/component/networking/vpn/shoot; gardener-controller.md §4.3): one
 * VPN client per path, `vpn-shoot-s<i>`, each with the networks gardenlet passes, and the tunnel controller. Only
 * what the webhook reads is filled in beyond the shape (no volumes, no probes).
 */
export function labVpnShoot(spec: LabSpec): VpnShootWorkload {
  const networks = networksToEnv(spec.networks);
  const client = (index: number) => ({
    name: `vpn-shoot-s${index}`,
    image: VPN_CLIENT_IMAGE,
    env: [
      { name: 'IP_FAMILIES', value: spec.options.ipFamilies },
      { name: 'IS_SHOOT_CLIENT', value: 'true' },
      ...Object.entries(networks)
        .filter(([, value]) => value !== '')
        .map(([name, value]) => ({ name, value })),
      { name: 'IS_HA', value: 'true' },
      { name: 'VPN_SERVER_INDEX', value: String(index) },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    securityContext: { privileged: false, capabilities: { add: ['NET_ADMIN'] } },
  });
  const labels = { app: 'vpn-shoot', 'gardener.cloud/role': 'system-component' };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'vpn-shoot', namespace: VPN_SHOOT_POD.namespace, labels },
    spec: {
      replicas: 2,
      serviceName: 'vpn-shoot',
      selector: { matchLabels: { app: 'vpn-shoot' } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            ...spec.paths.map((path) => client(path.index)),
            { name: 'tunnel-controller', image: VPN_CLIENT_IMAGE, command: ['/bin/vpn-client', 'tunnel-controller'] },
          ],
        },
      },
    },
  };
}

/** The webhook's answer for the lab's vpn-shoot, and the agent container it added (undefined when it added none). */
export function webhookShootAgent(spec: LabSpec): { mutation: VpnShootMutation; container: WebhookContainer | undefined } {
  // The operator's settings: the lab's backend choice; the image is never pulled (the lab runs the bundle).
  const mutation = mutateVpnShoot(labVpnShoot(spec), { image: 'overlap/shoot-vpn-agent:lab', backend: spec.options.backend, logLevel: 'info' });
  const container = mutation.outcome === 'injected' ? mutation.object.spec?.template.spec?.containers.find((c) => c.name === 'shoot-vpn-agent') : undefined;
  return { mutation, container };
}

/**
 * A container's env as the kubelet hands it to the process: literal values, the downward API's pod fields, and
 * `$(NAME)` references to variables defined before (Kubernetes' dependent variables). Anything else is an error
 * naming the variable: the lab must not start the agent with an env the kubelet would not produce.
 */
export function containerEnv(container: WebhookContainer, pod: { name: string; namespace: string; ip: string }): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': pod.name, 'metadata.namespace': pod.namespace, 'status.podIP': pod.ip };
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.valueFrom) {
      const path = variable.valueFrom.fieldRef?.fieldPath;
      const value = path === undefined ? undefined : fields[path];
      if (value === undefined)
        throw new Error(`${container.name}: env ${variable.name} comes from ${JSON.stringify(variable.valueFrom)}, which the lab cannot resolve`);
      env[variable.name] = value;
    } else {
      env[variable.name] = (variable.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, name: string) => env[name] ?? ref);
    }
  }
  return env;
}

/**
 * What the lab changes in the webhook's env, and why: OVERLAP_SYNC_PERIOD only; test labs sync every 2 s so drift
 * repair and reconfiguration show within seconds (the webhook leaves the agent's default, made for a real cluster).
 * The metrics stay on the pod IP, where the lab's Prometheus scrapes them through the kube-apiserver pod proxy.
 */
export function labOverrides(spec: LabSpec): Record<string, string> {
  return { OVERLAP_SYNC_PERIOD: String(spec.options.syncPeriodSeconds) };
}

/**
 * The shoot agent's env when the webhook adds it (HA with an overlap): exactly the container's env for vpn-shoot's
 * first pod (its pod IP the lab's vpn-shoot address), plus the lab's overrides; its command is the image's entrypoint (`node /app/main.js`), which the lab
 * runs from the same bundle, and the webhook adds no args. Undefined when the webhook adds no agent (no overlap, or
 * a non-HA shoot, whose vpn-shoot translates itself): the lab then runs the agent as deploy/shoot does. An HA lab
 * with an overlap whose vpn-shoot the webhook does not inject is an error, never a silent fallback.
 */
export function webhookAgentEnv(spec: LabSpec): Record<string, string> | undefined {
  if (!spec.options.ha) return undefined;
  const { mutation, container } = webhookShootAgent(spec);
  if (!spec.translates.shoot) {
    if (mutation.outcome !== 'unchanged') throw new Error(`the shoot webhook answered ${mutation.outcome} for a lab without overlap: ${mutation.detail}`);
    return undefined;
  }
  if (!container) throw new Error(`the shoot webhook did not add the agent to the lab's vpn-shoot (${mutation.outcome}): ${mutation.detail}`);
  if (container.command || container.args)
    throw new Error(
      `the webhook's shoot agent has a command or args (${JSON.stringify([container.command, container.args])}); the lab runs the image's entrypoint only`,
    );
  return { ...containerEnv(container, { ...VPN_SHOOT_POD, ip: spec.addresses.vpnShoot }), ...labOverrides(spec) };
}
