import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { V1Deployment } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/client.ts';
import type { NetworkFields } from '@overlap/cidr';
import type { Backend } from '@overlap/natrules';
import { parseAllDocuments } from 'yaml';
import { InputError, integerIn, oneOf } from '@overlap/runtime';
import { CLUSTER_FIELDS, type ClusterObject, type ShootFacts, shootFactsFromCluster } from '../shoot/shoot-facts.ts';
import { InjectionError } from '../inject/mutate.ts';
import { allPass, diagnoseChecks } from '../diagnose/checks.ts';
import { asPlanned } from '../status/shoot-status.ts';
import { DEFAULT_SHOOT_WEBHOOK_URL, SHOOT_WEBHOOK_TIMEOUT_SECONDS } from '../vpn-shoot/names.ts';
import type { VpnShootWorkload } from '../vpn-shoot/shoot-agent.ts';
import { assertDeploymentShape, readDocument, readText } from './input-files.ts';
import { ApiAccessError, KUBE_OPTIONS } from '../kube/options.ts';
import { FLAG_FIELDS, type PlanReport, factsFromFlags, planJson, planReport } from './plan-report.ts';
import { impactLine } from './plan-summary.ts';
import { planText } from './plan-text.ts';
import { formatChecks } from './diagnose-text.ts';
import { formatStatusDetail, formatStatusTable } from './status-text.ts';
import { table } from './table.ts';
import { COMMANDS, OVERVIEW, asksForHelp } from './usage.ts';

/**
 * Exit codes: 0 done, 1 not as planned (status, diagnose) or anything unexpected, 2 bad input or an API server that
 * cannot be used (one line naming the field or the server on stderr). Commands that talk to a cluster or issue keys
 * answer with a promise; the others synchronously.
 */
export function main(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number | Promise<number> {
  const [command, ...rest] = argv;
  const fail = (error: unknown): number => {
    if (isInputProblem(error)) {
      // parseArgs appends a hint about positionals starting with '-' to unknown options; the option is the news.
      const line = (error as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '');
      err.write(`overlap ${command ?? ''}: ${line}\n`);
      return 2;
    }
    throw error;
  };
  try {
    if (command === undefined) {
      err.write(OVERVIEW);
      return 2;
    }
    if (command === '--help' || command === '-h') return help([], out);
    if (command === 'help') return help(rest, out);
    if (Object.hasOwn(COMMANDS, command) && asksForHelp(rest)) return help([command], out);
    if (command === 'plan') {
      const done = planCommand(rest, out);
      return typeof done === 'number' ? done : done.catch(fail);
    }
    if (command === 'status') return statusCommand(rest, out).catch(fail);
    if (command === 'diagnose') return diagnoseCommand(rest, out).catch(fail);
    if (command === 'dev-cert') return devCert(rest, out).catch(fail);
    if (command === 'shoot-pki') return shootPki(rest, out).catch(fail);
    if (command === 'uninstall') return uninstallCommand(rest, out).catch(fail);
    throw new InputError('command', command, `is not a command of overlap (${Object.keys(COMMANDS).join(', ')}, help)`);
  } catch (error) {
    return fail(error);
  }
}

function help(argv: readonly string[], out: NodeJS.WritableStream): number {
  const [topic, ...more] = argv;
  if (more.length > 0) throw new InputError('help', more.join(' '), 'is one argument too many: overlap help [COMMAND]');
  if (topic === undefined) out.write(OVERVIEW);
  else if (Object.hasOwn(COMMANDS, topic)) out.write(COMMANDS[topic]!.usage);
  else throw new InputError('help', topic, `is not a command of overlap (${Object.keys(COMMANDS).join(', ')})`);
  return 0;
}

/**
 * What only the commands that talk to a seed or issue keys need (client-node, the x509 code) is imported when one
 * of them runs; the bundle splits it into dist/chunks/, so `overlap plan` from files neither loads nor compiles it.
 */
const kube = () => import('../kube/access.ts');

const parseOutput = oneOf(['text', 'json']);
/** How long a development certificate is valid: up to a century, which no real certificate needs. */
const parseDays = integerIn(1, 36_500);

function isInputProblem(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    error instanceof InputError ||
    error instanceof InjectionError ||
    error instanceof ApiAccessError ||
    (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
  );
}

/** The samples sit in examples/, two levels above src/cli/ and one above dist/; look upwards for them. */
function samplePath(file: string, flag: string): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'examples', file);
    if (existsSync(candidate)) return candidate;
  }
  throw new InputError(flag, '', `is required: the bundled sample ${file} was not found`);
}

/** A Cluster file holds one Cluster, several documents, or a `kind: List`; each Cluster in it is planned. */
function readClusters(path: string): ClusterObject[] {
  const text = readText(path, '-f');
  const documents = parseAllDocuments(text);
  const values: unknown[] = [];
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    if (document.errors.length > 0) throw new InputError('-f', path, `is not YAML or JSON: ${document.errors[0]!.message.split('\n')[0]}`);
    const value = document.toJS() as { kind?: string; items?: unknown[] } | null;
    if (value === null || value === undefined) continue;
    values.push(...(value.kind === 'List' || value.kind?.endsWith('List') ? (value.items ?? []) : [value]));
  }
  const clusters = values.filter((v) => (v as { kind?: string })?.kind === 'Cluster') as ClusterObject[];
  if (clusters.length === 0) throw new InputError('-f', path, 'does not hold a Cluster (extensions.gardener.cloud/v1alpha1)');
  return clusters;
}

/** One Cluster to plan, with the kube-apiserver Deployment to patch and where that came from. */
interface PlanInput {
  readonly facts: ShootFacts;
  readonly fields: NetworkFields;
  readonly deployment: { readonly source: string; readonly object: V1Deployment };
}

/** Synchronous for files and flags (scripts and tests), a promise when it reads a live seed. */
function planCommand(argv: readonly string[], out: NodeJS.WritableStream): number | Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      file: { type: 'string', short: 'f' },
      cluster: { type: 'string' },
      all: { type: 'boolean', default: false },
      ...KUBE_OPTIONS,
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
      patch: { type: 'boolean', default: false },
    },
  });
  const backend = oneOf<Backend>(['iptables', 'nftables'])(values.backend, '--backend');
  const output = parseOutput(values.output, '--output');
  const sources = (['file', 'cluster', 'all'] as const).filter((source) => values[source] !== undefined && values[source] !== false);
  if (sources.length > 1) throw new InputError(`--${sources[1]}`, String(values[sources[1]!]), `cannot be combined with --${sources[0]}`);
  const vpnShootPath = values['vpn-shoot'] ?? samplePath('vpn-shoot-statefulset.yaml', '--vpn-shoot');
  const vpnShoot = readDocument(vpnShootPath, '--vpn-shoot') as VpnShootWorkload;
  if (vpnShoot?.kind !== 'StatefulSet' && vpnShoot?.kind !== 'Deployment') {
    throw new InputError('--vpn-shoot', vpnShootPath, 'does not hold a StatefulSet or Deployment');
  }
  // Without --webhook-ca the plan shows the webhook without caBundle; the controller always sets its CA.
  const caBundle = values['webhook-ca'] === undefined ? '' : readText(values['webhook-ca'], '--webhook-ca');

  const flagNetworks = ['seed-pods', 'shoot-pods', 'shoot-services', 'shoot-nodes'] as const;
  const used = flagNetworks.find((flag) => values[flag] !== undefined) ?? (values.ha ? 'ha' : undefined);
  if (used && sources.length > 0) {
    throw new InputError(`--${used}`, String(values[used]), `cannot be combined with --${sources[0]}; the Cluster says it all`);
  }
  if (values.deployment !== undefined && (values.cluster !== undefined || values.all)) {
    throw new InputError('--deployment', values.deployment, 'cannot be combined with a live seed: its own Deployment is read');
  }
  /** The sample Deployment, standing for the kube-apiserver of the shoot at hand. */
  const fileDeployment = (namespace: string): PlanInput['deployment'] => {
    const source = values.deployment ?? samplePath('kube-apiserver-deployment.yaml', '--deployment');
    const object = readDocument(source, '--deployment');
    assertDeploymentShape(object, '--deployment', source);
    if (values.deployment === undefined) object.metadata = { ...object.metadata, namespace };
    return { source, object };
  };

  const shootWebhook = { baseUrl: DEFAULT_SHOOT_WEBHOOK_URL, caBundle, timeoutSeconds: SHOOT_WEBHOOK_TIMEOUT_SECONDS };
  const plan = (input: PlanInput): PlanReport =>
    planReport(input.facts, input.fields, backend, input.deployment, { source: vpnShootPath, object: vpnShoot }, shootWebhook);
  const write = (reports: readonly PlanReport[]): number => {
    if (output === 'json') out.write(`${JSON.stringify(reports.length === 1 ? planJson(reports[0]!) : reports.map(planJson), null, 2)}\n`);
    else {
      // Written piece by piece as the text is made (at scale it is megabytes); every write to standard output
      // (a file, a pipe, a terminal) is synchronous, so each piece is gone before the next is made.
      reports.forEach((report, index) => {
        if (index > 0) out.write('\n---\n\n');
        for (const piece of planText(report, { showPatch: values.patch })) out.write(piece);
      });
    }
    return 0;
  };
  if (values.all) {
    return kube()
      .then(({ connect }) => connect(values))
      .then(({ api }) => planAll(api, plan))
      .then((impacts) => {
        out.write(output === 'json' ? `${JSON.stringify(impacts, null, 2)}\n` : formatImpacts(impacts));
        return 0;
      });
  }
  if (values.cluster !== undefined) {
    const name = values.cluster;
    return kube()
      .then(({ connect }) => connect(values))
      .then(({ api }) => liveInput(api, name))
      .then((input) => write([plan(input)]));
  }
  let inputs: PlanInput[];
  if (values.file !== undefined) {
    inputs = readClusters(values.file).map((cluster) => {
      const facts = shootFactsFromCluster(cluster);
      return { facts, fields: CLUSTER_FIELDS, deployment: fileDeployment(facts.namespace) };
    });
  } else {
    if (values['seed-pods'] === undefined) throw new InputError('--seed-pods', '', 'is required (or give a Cluster with -f or --cluster)');
    const namespace = values.deployment === undefined ? 'shoot--example' : '';
    const deployment = fileDeployment(namespace);
    const facts = factsFromFlags(
      {
        seedPods: values['seed-pods'],
        ...(values['shoot-pods'] !== undefined ? { pods: values['shoot-pods'] } : {}),
        ...(values['shoot-services'] !== undefined ? { services: values['shoot-services'] } : {}),
        ...(values['shoot-nodes'] !== undefined ? { nodes: values['shoot-nodes'] } : {}),
        ha: values.ha,
      },
      deployment.object.metadata?.namespace || 'shoot--example',
    );
    inputs = [{ facts, fields: FLAG_FIELDS, deployment }];
  }
  return write(inputs.map(plan));
}

/** The Cluster NAME and its live kube-apiserver Deployment, read from the seed. */
async function liveInput(api: KubeClient, name: string): Promise<PlanInput> {
  const { readCluster, readKubeApiserver } = await import('../status/seed-state.ts');
  const server = api.server || 'the seed';
  const cluster = await readCluster(api, name);
  if (!cluster) throw new InputError('--cluster', name, `is not a Cluster on ${server}`);
  const deployment = await readKubeApiserver(api, name);
  if (!deployment) throw new InputError('--cluster', name, `has no kube-apiserver Deployment in its namespace on ${server}`);
  return { facts: shootFactsFromCluster(cluster), fields: CLUSTER_FIELDS, deployment: { source: `${server} ${name}/kube-apiserver`, object: deployment } };
}

interface Impact {
  readonly namespace: string;
  readonly decision: 'inject' | 'leave' | 'skipped' | 'no-deployment';
  readonly impact: string;
}

/** `plan --all`: every Cluster on the seed against its live kube-apiserver, one line each, before an install. */
async function planAll(api: KubeClient, plan: (input: PlanInput) => PlanReport): Promise<Impact[]> {
  const { listClusters, listKubeApiservers } = await import('../status/seed-state.ts');
  const [clusters, deployments] = await Promise.all([listClusters(api), listKubeApiservers(api)]);
  const impacts = clusters.map((cluster): Impact => {
    const namespace = cluster.metadata?.name ?? '';
    const deployment = deployments.get(namespace);
    if (!deployment) return { namespace, decision: 'no-deployment', impact: 'no kube-apiserver Deployment: nothing to inject into yet' };
    try {
      const report = plan({ facts: shootFactsFromCluster(cluster), fields: CLUSTER_FIELDS, deployment: { source: namespace, object: deployment } });
      return { namespace, decision: report.inject ? 'inject' : 'leave', impact: report.inject ? impactLine(report.summary, true) : report.reason };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return { namespace, decision: 'skipped', impact: error.message };
    }
  });
  return impacts.sort((a, b) => a.namespace.localeCompare(b.namespace));
}

function formatImpacts(impacts: readonly Impact[]): string {
  const injecting = impacts.filter((i) => i.decision === 'inject').length;
  const rows = [['NAMESPACE', 'DECISION', 'IMPACT'], ...impacts.map((i) => [i.namespace, i.decision, i.impact])];
  return `${[...table(rows, { gap: 3 }), '', `${impacts.length} Clusters: ${injecting} would get the injection`].join('\n')}\n`;
}

async function statusCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: { ...KUBE_OPTIONS, namespace: { type: 'string', short: 'n' }, output: { type: 'string', short: 'o', default: 'text' } },
  });
  const output = parseOutput(values.output, '--output');
  const [{ connect }, { seedStatus }] = await Promise.all([kube(), import('../status/seed-status.ts')]);
  const { api } = await connect(values);
  const statuses = await seedStatus(api, values.namespace);
  if (values.namespace !== undefined && statuses.length === 0) {
    throw new InputError('--namespace', values.namespace, 'has no Cluster on this seed');
  }
  const ok = statuses.every(asPlanned);
  if (output === 'json') out.write(`${JSON.stringify({ asPlanned: ok, shoots: statuses }, null, 2)}\n`);
  else out.write(values.namespace !== undefined ? formatStatusDetail(statuses[0]!) : formatStatusTable(statuses));
  return ok ? 0 : 1;
}

async function diagnoseCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: { ...KUBE_OPTIONS, output: { type: 'string', short: 'o', default: 'text' } },
  });
  const output = parseOutput(values.output, '--output');
  const [namespace, ...extra] = positionals;
  if (namespace === undefined) throw new InputError('SHOOT_NAMESPACE', '', 'is required: overlap diagnose SHOOT_NAMESPACE');
  if (extra.length > 0) throw new InputError('SHOOT_NAMESPACE', extra.join(' '), 'is one argument too many: one shoot at a time');
  const [{ connect }, { collectDiagnoseFacts }] = await Promise.all([kube(), import('../diagnose/collect.ts')]);
  const facts = await collectDiagnoseFacts(await connect(values), namespace);
  const checks = diagnoseChecks(facts);
  out.write(output === 'json' ? `${JSON.stringify({ namespace, pass: allPass(checks), checks, facts }, null, 2)}\n` : formatChecks(namespace, checks));
  return allPass(checks) ? 0 : 1;
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
  const days = parseDays(values.days, '--days');
  const { generateDevCertificates } = await import('./dev-cert.ts');
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
  const { PKI_FILES, writeShootPki } = await import('../pki/files.ts');
  await writeShootPki(values.out, values.namespace);
  out.write(`wrote the PKI of ${values.namespace} to ${values.out}: ${Object.values(PKI_FILES).join(', ')}\n`);
  return 0;
}

async function uninstallCommand(argv: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: { ...KUBE_OPTIONS, 'dry-run': { type: 'boolean', default: false } },
  });
  const [{ connect, call }, { uninstall }] = await Promise.all([kube(), import('../uninstall/uninstall.ts')]);
  const { api } = await connect(values);
  await call(api, 'uninstall', () => uninstall(api, { dryRun: values['dry-run'], report: (line) => out.write(`${line}\n`) }));
  return 0;
}
