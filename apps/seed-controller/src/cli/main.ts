import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { InputError, type NetworkFields } from '@overlap/cidr';
import type { Backend } from '@overlap/natrules';
import { CLUSTER_FIELDS, type ClusterObject, type ShootFacts, shootFactsFromCluster } from '../shoot/shoot-facts.ts';
import { InjectionError } from '../inject/mutate.ts';
import { PKI_FILES, writeShootPki } from '../pki/files.ts';
import { uninstall } from '../uninstall/uninstall.ts';
import { DEFAULT_SHOOT_WEBHOOK_URL, SHOOT_WEBHOOK_TIMEOUT_SECONDS } from '../vpn-shoot/names.ts';
import type { VpnShootWorkload } from '../vpn-shoot/shoot-agent.ts';
import { generateDevCertificates } from './dev-cert.ts';
import { assertDeploymentShape, readDocument, readText } from './input-files.ts';
import { FLAG_FIELDS, factsFromFlags, planReport } from './plan-report.ts';
import { formatPlanText } from './plan-text.ts';

const USAGE = `usage:
  overlap plan -f CLUSTER_FILE [--deployment FILE] [--vpn-shoot FILE] [--webhook-ca FILE] [--backend iptables|nftables] [--output text|json]
  overlap plan --seed-pods CIDR --shoot-pods LIST [--shoot-services LIST] [--shoot-nodes LIST] [--ha] [...]
  overlap dev-cert --out DIR [--service overlap-seed-controller] [--namespace overlap-system] [--days 365]
  overlap shoot-pki --out DIR [--namespace shoot--example]
  overlap uninstall [--kubeconfig FILE] [--dry-run]
`;

/**
 * Exit codes: 0 done, 2 bad input (one line naming the field on stderr), 1 anything unexpected. Commands that talk
 * to a cluster or issue keys answer with a promise; the others synchronously.
 */
export function main(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number | Promise<number> {
  const [command, ...rest] = argv;
  const fail = (error: unknown): number => {
    if (isInputProblem(error)) {
      err.write(`overlap ${command ?? ''}: ${(error as Error).message.split('\n')[0]}\n`);
      return 2;
    }
    throw error;
  };
  try {
    if (command === 'plan') return plan(rest, out);
    if (command === 'dev-cert') return devCert(rest, out).catch(fail);
    if (command === 'shoot-pki') return shootPki(rest, out).catch(fail);
    if (command === 'uninstall') return uninstallCommand(rest, out).catch(fail);
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      out.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    throw new InputError('command', command, 'is not a command of overlap (plan, uninstall, dev-cert, shoot-pki)');
  } catch (error) {
    return fail(error);
  }
}

function isInputProblem(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return error instanceof InputError || error instanceof InjectionError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

/** The samples sit in examples/, two levels above src/cli/ and one above dist/; look upwards for them. */
function samplePath(file: string, flag: string): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'examples', file);
    if (existsSync(candidate)) return candidate;
  }
  throw new InputError(flag, '', `is required: the bundled sample ${file} was not found`);
}


function oneOf<T extends string>(value: string, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value as T)) throw new InputError(field, value, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function plan(argv: readonly string[], out: NodeJS.WritableStream): number {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      file: { type: 'string', short: 'f' },
      deployment: { type: 'string' },
      'vpn-shoot': { type: 'string' },
      'webhook-ca': { type: 'string' },
      'seed-pods': { type: 'string' },
      'shoot-pods': { type: 'string' },
      'shoot-services': { type: 'string' },
      'shoot-nodes': { type: 'string' },
      ha: { type: 'boolean', default: false },
      backend: { type: 'string', default: 'iptables' },
      output: { type: 'string', short: 'o', default: 'text' },
    },
  });
  const backend = oneOf<Backend>(values.backend, ['iptables', 'nftables'], '--backend');
  const output = oneOf(values.output, ['text', 'json'], '--output');
  const deploymentPath = values.deployment ?? samplePath('kube-apiserver-deployment.yaml', '--deployment');
  const deployment = readDocument(deploymentPath, '--deployment');
  assertDeploymentShape(deployment, '--deployment', deploymentPath);
  const vpnShootPath = values['vpn-shoot'] ?? samplePath('vpn-shoot-statefulset.yaml', '--vpn-shoot');
  const vpnShoot = readDocument(vpnShootPath, '--vpn-shoot') as VpnShootWorkload;
  if (vpnShoot?.kind !== 'StatefulSet' && vpnShoot?.kind !== 'Deployment') {
    throw new InputError('--vpn-shoot', vpnShootPath, 'does not hold a StatefulSet or Deployment');
  }
  // Without --webhook-ca the plan shows the webhook without caBundle; the controller always sets its CA.
  const caBundle = values['webhook-ca'] === undefined ? '' : readText(values['webhook-ca'], '--webhook-ca');

  const flagNetworks = ['seed-pods', 'shoot-pods', 'shoot-services', 'shoot-nodes'] as const;
  let facts: ShootFacts;
  let fields: NetworkFields;
  if (values.file !== undefined) {
    const used = flagNetworks.find((flag) => values[flag] !== undefined) ?? (values.ha ? 'ha' : undefined);
    if (used) throw new InputError(`--${used}`, String(values[used]), 'cannot be combined with -f; the Cluster says it all');
    const cluster = readDocument(values.file, '-f') as ClusterObject & { kind?: string };
    if (cluster?.kind !== 'Cluster') throw new InputError('-f', values.file, 'does not hold a Cluster (extensions.gardener.cloud/v1alpha1)');
    facts = shootFactsFromCluster(cluster);
    fields = CLUSTER_FIELDS;
  } else {
    if (values['seed-pods'] === undefined) throw new InputError('--seed-pods', '', 'is required (or give a Cluster with -f)');
    facts = factsFromFlags(
      {
        seedPods: values['seed-pods'],
        ...(values['shoot-pods'] !== undefined ? { pods: values['shoot-pods'] } : {}),
        ...(values['shoot-services'] !== undefined ? { services: values['shoot-services'] } : {}),
        ...(values['shoot-nodes'] !== undefined ? { nodes: values['shoot-nodes'] } : {}),
        ha: values.ha,
      },
      deployment.metadata?.namespace ?? 'shoot--example',
    );
    fields = FLAG_FIELDS;
  }
  // The sample stands for the kube-apiserver of this very shoot.
  if (values.deployment === undefined) deployment.metadata = { ...deployment.metadata, namespace: facts.namespace };
  const report = planReport(
    facts,
    fields,
    backend,
    { source: deploymentPath, object: deployment },
    { source: vpnShootPath, object: vpnShoot },
    { baseUrl: DEFAULT_SHOOT_WEBHOOK_URL, caBundle, timeoutSeconds: SHOOT_WEBHOOK_TIMEOUT_SECONDS },
  );
  out.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatPlanText(report));
  return 0;
}

async function devCert(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      out: { type: 'string' },
      service: { type: 'string', default: 'overlap-seed-controller' },
      namespace: { type: 'string', default: 'overlap-system' },
      days: { type: 'string', default: '365' },
    },
  });
  if (values.out === undefined) throw new InputError('--out', '', 'is required: the directory for ca.crt, tls.crt, tls.key');
  const days = Number(values.days);
  if (!Number.isInteger(days) || days <= 0) throw new InputError('--days', values.days, 'must be a positive whole number');
  const certs = await generateDevCertificates({ service: values.service, namespace: values.namespace, days });
  try {
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, 'ca.crt'), certs.caCert);
    writeFileSync(join(values.out, 'tls.crt'), certs.tlsCert);
    writeFileSync(join(values.out, 'tls.key'), certs.tlsKey, { mode: 0o600 });
  } catch (error) {
    throw new InputError('--out', values.out, `cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  out.write(
    `wrote ${join(values.out, 'ca.crt')}, tls.crt, tls.key for ${values.service}.${values.namespace}.svc\n` +
      `caBundle (for the MutatingWebhookConfiguration):\n${certs.caBundle}\n`,
  );
  return 0;
}

async function shootPki(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: { out: { type: 'string' }, namespace: { type: 'string', default: 'shoot--example' } },
  });
  if (values.out === undefined) throw new InputError('--out', '', 'is required: the directory for the certificates and keys');
  await writeShootPki(values.out, values.namespace);
  out.write(`wrote the PKI of ${values.namespace} to ${values.out}: ${Object.values(PKI_FILES).join(', ')}\n`);
  return 0;
}

async function uninstallCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: { kubeconfig: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  const config = new KubeConfig();
  try {
    if (values.kubeconfig !== undefined) config.loadFromFile(values.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    throw new InputError('--kubeconfig', values.kubeconfig ?? '', `cannot be loaded: ${(error as Error).message}`);
  }
  await uninstall(config, { dryRun: values['dry-run'], report: (line) => out.write(`${line}\n`) });
  return 0;
}
