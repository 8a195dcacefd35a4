import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_INJECTION_SETTINGS, type InjectionSettings } from '../inject/settings.ts';
import { DEFAULT_SHOOT_WEBHOOK_URL, SHOOT_WEBHOOK_TIMEOUT_SECONDS } from '../vpn-shoot/names.ts';
import { DEFAULT_SHOOT_AGENT_SETTINGS, type ShootAgentSettings } from '../vpn-shoot/shoot-agent.ts';
import { VERSION } from '../version.ts';
import { BACKEND_CHOICES } from '@overlap/agent-core';
import { type BackoffOptions, InputError, LOG_LEVELS, type ListenAddress, type ValueParser, oneOf, parseListenAddress, secondsIn } from '@overlap/runtime';

export interface ControllerConfig {
  readonly kubeconfig: string | undefined;
  readonly webhookAddress: ListenAddress;
  readonly statusAddress: ListenAddress;
  readonly certFile: string;
  readonly keyFile: string;
  readonly leaseNamespace: string;
  readonly leaseName: string;
  readonly identity: string;
  readonly leaseSeconds: number;
  readonly resyncSeconds: number;
  /** Not ready once the Cluster watch has been broken this long (default 30 s: a reconnect is not an outage). */
  readonly watchGraceSeconds?: number;
  /** How a broken Cluster watch or informer is restarted (default RESTART_BACKOFF); tests pass milliseconds. */
  readonly restartBackoff?: BackoffOptions;
  readonly logLevel: string;
  readonly injection: InjectionSettings;
  /** The webhook the controller puts into each overlapping HA shoot, and the sidecar it adds to vpn-shoot. */
  readonly shootWebhook: ShootWebhookConfig;
  /** `gardener`: each injected shoot gets the objects of Gardener's shoot monitoring; `none`: no such objects. */
  readonly shootMonitoring: ShootMonitoring;
  /** `[namespace/]name` of the PodTemplate whose containers name the injected images (controller/images.ts). */
  readonly imagesPodTemplate: string;
  /** The image settings given by flag or env, which the PodTemplate does not override. */
  readonly explicitImages: readonly string[];
}

const SHOOT_MONITORING = ['gardener', 'none'] as const;
type ShootMonitoring = (typeof SHOOT_MONITORING)[number];

export interface ShootWebhookConfig {
  readonly agent: ShootAgentSettings;
  /** How a shoot's kube-apiserver (in the seed) reaches this controller's Service. */
  readonly baseUrl: string;
  /** The CA of the serving certificate: the webhook's caBundle in every shoot, re-read on each reconcile. */
  readonly caFile: string;
  readonly timeoutSeconds: number;
}

/** Every setting is a flag, or the env variable beside it (flags win), or the default; `unset` says what no value means. */
interface SettingSpec {
  readonly env: string;
  readonly fallback: string;
  readonly unset?: string;
}
const SETTINGS = {
  kubeconfig: { env: 'OVERLAP_KUBECONFIG', fallback: '', unset: '(in-cluster, or $KUBECONFIG)' },
  'webhook-address': { env: 'OVERLAP_WEBHOOK_ADDRESS', fallback: '0.0.0.0:9443' },
  'metrics-address': { env: 'OVERLAP_METRICS_ADDRESS', fallback: '0.0.0.0:8080' },
  'tls-cert-file': { env: 'OVERLAP_TLS_CERT_FILE', fallback: '/etc/overlap/webhook-tls/tls.crt' },
  'tls-key-file': { env: 'OVERLAP_TLS_KEY_FILE', fallback: '/etc/overlap/webhook-tls/tls.key' },
  'leader-election-namespace': { env: 'POD_NAMESPACE', fallback: 'overlap-system' },
  'leader-election-name': { env: 'OVERLAP_LEADER_ELECTION_NAME', fallback: 'overlap-seed-controller' },
  'leader-election-identity': { env: 'POD_NAME', fallback: hostname() },
  'lease-duration': { env: 'OVERLAP_LEASE_DURATION', fallback: '15' },
  'resync-period': { env: 'OVERLAP_RESYNC_PERIOD', fallback: '300' },
  'log-level': { env: 'OVERLAP_LOG_LEVEL', fallback: 'info' },
  'envoy-image': { env: 'OVERLAP_ENVOY_IMAGE', fallback: DEFAULT_INJECTION_SETTINGS.envoyImage },
  'agent-image': { env: 'OVERLAP_AGENT_IMAGE', fallback: DEFAULT_INJECTION_SETTINGS.agentImage },
  'ca-bundle-secret': { env: 'OVERLAP_CA_BUNDLE_SECRET', fallback: DEFAULT_INJECTION_SETTINGS.caBundleSecret },
  'proxy-server-secret': { env: 'OVERLAP_PROXY_SERVER_SECRET', fallback: DEFAULT_INJECTION_SETTINGS.proxyServerSecret },
  'proxy-client-secret': { env: 'OVERLAP_PROXY_CLIENT_SECRET', fallback: DEFAULT_INJECTION_SETTINGS.proxyClientSecret },
  'agent-backend': { env: 'OVERLAP_AGENT_BACKEND', fallback: DEFAULT_INJECTION_SETTINGS.agentBackend },
  'agent-log-level': { env: 'OVERLAP_AGENT_LOG_LEVEL', fallback: DEFAULT_INJECTION_SETTINGS.agentLogLevel },
  'shoot-agent-image': { env: 'OVERLAP_SHOOT_AGENT_IMAGE', fallback: DEFAULT_SHOOT_AGENT_SETTINGS.image },
  'shoot-webhook-url': { env: 'OVERLAP_SHOOT_WEBHOOK_URL', fallback: DEFAULT_SHOOT_WEBHOOK_URL },
  'tls-ca-file': { env: 'OVERLAP_TLS_CA_FILE', fallback: '/etc/overlap/webhook-tls/ca.crt' },
  'shoot-monitoring': { env: 'OVERLAP_SHOOT_MONITORING', fallback: 'gardener' },
  'extension-type': { env: 'OVERLAP_EXTENSION_TYPE', fallback: '', unset: '(none: automatic mode, the namespaces this controller labels)' },
  'images-pod-template': { env: 'OVERLAP_IMAGES_POD_TEMPLATE', fallback: '', unset: '(none: the image settings above)' },
} as const satisfies Record<string, SettingSpec>;

type Setting = keyof typeof SETTINGS;
const IMAGE_SETTINGS: readonly Setting[] = ['envoy-image', 'agent-image', 'shoot-agent-image'];

export const CONTROLLER_USAGE = Object.entries(SETTINGS as Record<string, SettingSpec>)
  .map(([flag, { env, fallback, unset }]) => `  --${flag.padEnd(27)} env ${env.padEnd(29)} default ${fallback || unset}`)
  .join('\n');

/** A day; a Lease is an int32 of seconds, and a resync rarer than daily would leave drift for too long. */
const MAX_PERIOD_SECONDS = 86_400;
const periodSeconds = secondsIn(1, MAX_PERIOD_SECONDS, { whole: true });

function httpsUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(field, value, "must be an https:// URL of the controller's Service");
  }
  if (url.protocol !== 'https:' || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new InputError(field, value, "must be an https:// URL of the controller's Service, without path, query or fragment");
  }
  return value.replace(/\/+$/, '');
}

/** A Gardener extension type is a label-name suffix: `extensions.gardener.cloud/<type>`. */
function extensionType(value: string, field: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/.test(value))
    throw new InputError(field, value, 'must be an extension type such as overlap (lower-case letters, digits, - and .)');
  return value;
}

export function parseControllerConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ControllerConfig {
  const options = Object.fromEntries(Object.keys(SETTINGS).map((flag) => [flag, { type: 'string' as const }]));
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  const get = (flag: Setting): { value: string; field: string } => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return { value: fromFlag, field: `--${flag}` };
    const { env: name, fallback } = SETTINGS[flag];
    const fromEnv = env[name];
    return fromEnv !== undefined && fromEnv !== '' ? { value: fromEnv, field: name } : { value: fallback, field: `--${flag}` };
  };
  const text = (flag: Setting): string => get(flag).value;
  const parsed = <T>(flag: Setting, parse: ValueParser<T>): T => {
    const { value, field } = get(flag);
    return parse(value, field);
  };
  return {
    kubeconfig: text('kubeconfig') || undefined,
    webhookAddress: parsed('webhook-address', parseListenAddress),
    statusAddress: parsed('metrics-address', parseListenAddress),
    certFile: text('tls-cert-file'),
    keyFile: text('tls-key-file'),
    leaseNamespace: text('leader-election-namespace'),
    leaseName: text('leader-election-name'),
    identity: text('leader-election-identity'),
    leaseSeconds: parsed('lease-duration', periodSeconds),
    resyncSeconds: parsed('resync-period', periodSeconds),
    logLevel: parsed('log-level', oneOf(LOG_LEVELS)),
    injection: {
      envoyImage: text('envoy-image'),
      agentImage: text('agent-image'),
      caBundleSecret: text('ca-bundle-secret'),
      proxyServerSecret: text('proxy-server-secret'),
      proxyClientSecret: text('proxy-client-secret'),
      agentBackend: parsed('agent-backend', oneOf(BACKEND_CHOICES)),
      agentLogLevel: parsed('agent-log-level', oneOf(LOG_LEVELS)),
      ...(text('extension-type') ? { extensionType: parsed('extension-type', extensionType) } : {}),
    },
    shootWebhook: {
      agent: {
        image: text('shoot-agent-image'),
        backend: parsed('agent-backend', oneOf(BACKEND_CHOICES)),
        logLevel: parsed('agent-log-level', oneOf(LOG_LEVELS)),
      },
      baseUrl: parsed('shoot-webhook-url', httpsUrl),
      caFile: text('tls-ca-file'),
      timeoutSeconds: SHOOT_WEBHOOK_TIMEOUT_SECONDS,
    },
    shootMonitoring: parsed('shoot-monitoring', oneOf(SHOOT_MONITORING)),
    imagesPodTemplate: text('images-pod-template'),
    explicitImages: IMAGE_SETTINGS.filter((flag) => typeof values[flag] === 'string' || (env[SETTINGS[flag].env] ?? '') !== ''),
  };
}

/** The settings an operator needs to see in the start-up line (no secrets among them: only file paths). */
export function startupFields(config: ControllerConfig, server: string): Record<string, unknown> {
  return {
    version: VERSION,
    server,
    webhookAddress: `${config.webhookAddress.host}:${config.webhookAddress.port}`,
    metricsAddress: `${config.statusAddress.host}:${config.statusAddress.port}`,
    selection: config.injection.extensionType
      ? `opt-in (spec.extensions type ${config.injection.extensionType})`
      : 'automatic (namespaces the controller labels)',
    shootMonitoring: config.shootMonitoring,
    images: { envoy: config.injection.envoyImage, seedAgent: config.injection.agentImage, shootAgent: config.shootWebhook.agent.image },
    lease: `${config.leaseNamespace}/${config.leaseName}`,
    identity: config.identity,
    resyncSeconds: config.resyncSeconds,
    shootWebhookUrl: config.shootWebhook.baseUrl,
    tlsCertFile: config.certFile,
  };
}
