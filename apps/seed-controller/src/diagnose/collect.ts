import type { KubeConfig, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { Inspection, ProbeResult } from '@overlap/agent-core';
import type { Mapping } from '@overlap/cidr';
import { InputError } from '@overlap/runtime';
import { ApiAccessError, call } from '../kube/access.ts';
import { PODS, SECRETS } from '../kube/calls.ts';
import type { KubeClient } from '../kube/client.ts';
import { resourcePath } from '../kube/request.ts';
import { AGENT_CONTAINER, ENVOY_PROXY_PORT, PROXY_HOST } from '../inject/names.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../inject/settings.ts';
import { type ShootPlan, planShoot } from '../shoot/shoot-plan.ts';
import { KUBE_APISERVER_POD_SELECTOR, readCluster, readKubeApiserver } from '../status/seed-state.ts';
import { deploymentState } from '../status/shoot-status.ts';
import type { AgentFacts, DiagnoseFacts, ProbeFacts } from './checks.ts';
import { execIn } from './exec.ts';

/** The agent image's entry point (apps/seed-vpn-agent/Dockerfile). */
const AGENT_MAIN = ['node', '/app/main.js'];
/** Gardener gives the shoot's CoreDNS Service the tenth address of the service network; it answers on TCP 53. */
const KUBE_DNS_OFFSET = 10;

/** The address kube-apiserver would dial (Envoy's seed NAT maps it): the shoot's kube-dns Service, port 53. */
function probeTarget(mappings: readonly Mapping[]): string | undefined {
  const services = mappings.find((m) => m.kind === 'services');
  if (!services) return undefined;
  const base =
    services.original.text
      .split('/')[0]!
      .split('.')
      .reduce((n, octet) => n * 256 + Number(octet), 0) + KUBE_DNS_OFFSET;
  return `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.')}:53`;
}

const running = (pod: V1Pod): boolean => pod.status?.containerStatuses?.some((c) => c.name === AGENT_CONTAINER && c.state?.running !== undefined) ?? false;

async function inspectAgent(config: KubeConfig, namespace: string, pod: V1Pod): Promise<AgentFacts> {
  const name = pod.metadata!.name!;
  if (!running(pod)) return { pod: name, inspection: undefined, error: `${AGENT_CONTAINER} is not running in this pod` };
  try {
    const result = await execIn(config, { namespace, pod: name, container: AGENT_CONTAINER }, [...AGENT_MAIN, 'inspect', '--output', 'json']);
    // Exit 1 only means "not in line with the plan"; the JSON says what.
    try {
      return { pod: name, inspection: JSON.parse(result.stdout) as Inspection, error: undefined };
    } catch {
      return { pod: name, inspection: undefined, error: `inspect exited ${result.exitCode}: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? ''}` };
    }
  } catch (error) {
    if (error instanceof ApiAccessError) throw error;
    return { pod: name, inspection: undefined, error: (error as Error).message };
  }
}

/** kube-apiserver's own client certificate and CA bundle, for the probe to present to Envoy. */
async function probeTls(api: KubeClient, namespace: string): Promise<{ ca: string; cert: string; key: string }> {
  const read = async (name: string, key: string): Promise<string> => {
    const secret = await call(api, `get Secret ${namespace}/${name}`, () => api.get<V1Secret>(resourcePath(SECRETS, namespace, name)));
    const value = secret.data?.[key];
    if (value === undefined) throw new Error(`Secret ${namespace}/${name} has no ${key}`);
    return Buffer.from(value, 'base64').toString('utf8');
  };
  const { caBundleSecret, proxyClientSecret } = DEFAULT_INJECTION_SETTINGS;
  return { ca: await read(caBundleSecret, 'bundle.crt'), cert: await read(proxyClientSecret, 'tls.crt'), key: await read(proxyClientSecret, 'tls.key') };
}

/** `config` runs pod exec (client-node's Exec: a WebSocket, with its own auth), `api` every other call. */
interface Seed {
  readonly config: KubeConfig;
  readonly api: KubeClient;
}

async function probe({ config, api }: Seed, plan: ShootPlan, agents: readonly AgentFacts[]): Promise<DiagnoseFacts['probe']> {
  const namespace = plan.facts.namespace;
  const target = probeTarget(plan.mappings);
  if (!target) return { skipped: 'the shoot has no IPv4 service network to reach kube-dns in' };
  const pod = agents.find((a) => a.inspection !== undefined)?.pod;
  if (!pod) return { skipped: 'no seed agent answered, so there is no pod to send the request from' };
  let tls: Awaited<ReturnType<typeof probeTls>>;
  try {
    tls = await probeTls(api, namespace);
  } catch (error) {
    return { skipped: `kube-apiserver's client certificate cannot be read: ${(error as Error).message}` };
  }
  const command = [...AGENT_MAIN, 'probe', '--connect', target, '--proxy', `127.0.0.1:${ENVOY_PROXY_PORT}`, '--server-name', PROXY_HOST];
  const facts: Omit<ProbeFacts, 'result' | 'error'> = { pod, target };
  try {
    const result = await execIn(config, { namespace, pod, container: AGENT_CONTAINER }, command, JSON.stringify(tls));
    try {
      return { ...facts, result: JSON.parse(result.stdout) as ProbeResult, error: undefined };
    } catch {
      return { ...facts, result: undefined, error: `probe exited ${result.exitCode}: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? ''}` };
    }
  } catch (error) {
    return { ...facts, result: undefined, error: (error as Error).message };
  }
}

/** Reads the shoot's plan and pods, runs `inspect` in every seed agent and one `probe`; never changes anything. */
export async function collectDiagnoseFacts(seed: Seed, namespace: string): Promise<DiagnoseFacts> {
  const { config, api } = seed;
  const cluster = await readCluster(api, namespace);
  if (!cluster) throw new InputError('SHOOT_NAMESPACE', namespace, 'has no Cluster on this seed');
  const deployment = deploymentState(await readKubeApiserver(api, namespace));
  let plan: ShootPlan;
  try {
    plan = planShoot(cluster, DEFAULT_INJECTION_SETTINGS);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { namespace, plan: { skipped: error.message }, deployment, agents: [], probe: { skipped: 'the Cluster cannot be planned' } };
  }
  const decided = { inject: plan.decision.inject, reason: plan.decision.reason };
  if (!plan.decision.inject || deployment !== 'injected') return { namespace, plan: decided, deployment, agents: [], probe: { skipped: 'nothing injected' } };
  const query = { labelSelector: KUBE_APISERVER_POD_SELECTOR };
  const pods = await call(api, `list Pods in ${namespace}`, () => api.get<{ items: V1Pod[] }>(resourcePath(PODS, namespace), query));
  const agents = await Promise.all(pods.items.map((pod) => inspectAgent(config, namespace, pod)));
  return { namespace, plan: decided, deployment, agents, probe: await probe(seed, plan, agents) };
}
