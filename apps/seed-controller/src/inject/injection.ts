import type { V1Container, V1EnvVar, V1HostAlias, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { ENV_FIELDS, networksToEnv } from '@overlap/cidr';
import type { ShootFacts } from '../shoot/shoot-facts.ts';
import type { ControlPlaneConfigMaps } from './configmaps.ts';
import { CA_VPN_DIR, EGRESS_DIR, EGRESS_FILE, EGRESS_FLAG, PATH_CONTROLLER_CONTAINER, PROXY_CLIENT_CERT_DIR, PROXY_HOST, VOLUMES } from './names.ts';
import type { InjectionSettings } from './settings.ts';
import { agentContainer, envoyContainer } from './sidecars.ts';

/** Everything the webhook adds to the kube-apiserver pod of an HA shoot with an overlap. */
export interface Injection {
  readonly containers: readonly V1Container[];
  readonly volumes: readonly V1Volume[];
  /** Added to the `kube-apiserver` container. */
  readonly apiserverMounts: readonly V1VolumeMount[];
  readonly apiserverArgs: readonly string[];
  readonly hostAliases: readonly V1HostAlias[];
  /**
   * A digest of the content of the Secrets and ConfigMaps it mounts, set by the webhook from its caches. Recorded on
   * the pod template, so renewed certificates roll the pods like any other change.
   */
  readonly mountedVersion?: string;
  /** Env for containers Gardener already runs, added only where the variable is not set at all. */
  readonly containerEnv: readonly ContainerEnv[];
}

interface ContainerEnv {
  readonly container: string;
  readonly env: V1EnvVar;
}

/**
 * vpn2's path controller decides from its own SEED_POD_NETWORK whether to route the mapped 24x/8 blocks and
 * announce the pod IP mapped into 241/8; gardenlets before the HA-overlap change do not pass it. Only the path
 * controller gets it: a vpn-client-<i> that sees the overlap installs its own NAT, a twin of the agent's.
 */
function pathControllerEnv(facts: ShootFacts): ContainerEnv[] {
  const value = networksToEnv(facts.networks)[ENV_FIELDS.seedPods];
  return value ? [{ container: PATH_CONTROLLER_CONTAINER, env: { name: ENV_FIELDS.seedPods, value } }] : [];
}

/** Gardener's volume layout for HA with overlap (gardener-controller.md §2.3), with our ConfigMap names. */
function volumes(configMaps: ControlPlaneConfigMaps, settings: InjectionSettings): V1Volume[] {
  return [
    { name: VOLUMES.envoyConfig, configMap: { name: configMaps.envoy.metadata!.name! } },
    {
      name: VOLUMES.envoyCerts,
      projected: {
        defaultMode: 0o644,
        sources: [
          { secret: { name: settings.caBundleSecret, items: [{ key: 'bundle.crt', path: 'ca.crt' }] } },
          {
            secret: {
              name: settings.proxyServerSecret,
              items: [
                { key: 'tls.crt', path: 'tls.crt' },
                { key: 'tls.key', path: 'tls.key' },
              ],
            },
          },
        ],
      },
    },
    { name: VOLUMES.proxyClient, secret: { secretName: settings.proxyClientSecret, defaultMode: 0o640 } },
    { name: VOLUMES.egressConfig, configMap: { name: configMaps.egress.metadata!.name! } },
    { name: VOLUMES.caVpn, secret: { secretName: settings.caBundleSecret } },
  ];
}

export function buildInjection(facts: ShootFacts, configMaps: ControlPlaneConfigMaps, settings: InjectionSettings): Injection {
  return {
    containers: [envoyContainer(settings), agentContainer(facts, settings)],
    volumes: volumes(configMaps, settings),
    apiserverMounts: [
      { name: VOLUMES.caVpn, mountPath: CA_VPN_DIR },
      { name: VOLUMES.proxyClient, mountPath: PROXY_CLIENT_CERT_DIR },
      { name: VOLUMES.egressConfig, mountPath: EGRESS_DIR },
    ],
    apiserverArgs: [`${EGRESS_FLAG}=${EGRESS_DIR}/${EGRESS_FILE}`],
    hostAliases: [{ ip: '127.0.0.1', hostnames: [PROXY_HOST] }],
    containerEnv: pathControllerEnv(facts),
  };
}
