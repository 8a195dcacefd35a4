import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type DaemonLaunch, exitOf, isRunning, logTail, startDaemon, stopDaemon } from './daemons.ts';
import { attempt, inNetns, run, waitFor } from './exec.ts';
import { type Sample, metricValue, parseMetrics } from './metrics-text.ts';
import { agentEnv, openvpnArgs, prometheusConfig, tinyproxyConfig } from './render.ts';
import { ENVOY_GID, type LabOptions, type LabSpec, PORTS, type Role, labSpec, namespaceList } from './spec.ts';
import { type DaemonRecord, type LabState, readState, writeState } from './state.ts';
import { addNodeAddressCommand, topologyCommands, untranslatedRouteCommands } from './topology.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const AGENT_APP: Record<Role, string> = { seed: 'seed-vpn-agent', shoot: 'shoot-vpn-agent' };
const agentName = (role: Role): string => `${role}-vpn-agent`;
const NOBODY = 65534;

export interface Lab {
  readonly spec: LabSpec;
  readonly state: LabState;
}

export type Progress = (step: string) => void;

/** Namespaces that exist right now, by name. */
export async function existingNamespaces(): Promise<Set<string>> {
  const out = await run(['ip', 'netns', 'list']);
  return new Set(out.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name !== ''));
}

function remember(lab: Lab, record: DaemonRecord): Lab {
  const state: LabState = { ...lab.state, daemons: { ...lab.state.daemons, [record.name]: record } };
  writeState(state);
  return { ...lab, state };
}

async function launch(lab: Lab, daemon: DaemonLaunch, ready: (record: DaemonRecord) => Promise<boolean>, timeoutMs = 30_000): Promise<Lab> {
  const record = await startDaemon(lab.spec.options.runDir, daemon);
  const next = remember(lab, record);
  try {
    await waitFor(`${daemon.name} to be ready`, async () => {
      if (!isRunning(record)) throw new Error(`${daemon.name} stopped (${exitOf(record)})`);
      return (await ready(record)) ? true : undefined;
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}; last lines of ${record.log}:\n${logTail(record)}`);
  }
  return next;
}

const logSays = (text: string) => async (record: DaemonRecord) => readFileSync(record.log, 'utf8').includes(text);

/** curl inside a namespace; the body, or an error carrying curl's own message. */
export const curlIn = (netns: string, url: string, extra: readonly string[] = []): Promise<string> =>
  run(inNetns(netns, ['curl', '-sS', '--max-time', '5', ...extra, url]));

export const agentMetricsUrl = (role: Role): string =>
  `http://127.0.0.1:${role === 'seed' ? PORTS.seedAgent : PORTS.shootAgent}/metrics`;
export const agentNetns = (spec: LabSpec, role: Role): string => (role === 'seed' ? spec.namespaces.seed : spec.namespaces.shoot);

export async function agentMetrics(lab: Lab, role: Role): Promise<Sample[]> {
  return parseMetrics(await curlIn(agentNetns(lab.spec, role), agentMetricsUrl(role)));
}

/** Up means: metrics served and the first sync done; when this side must translate, its rules complete. */
async function agentReady(lab: Lab, role: Role): Promise<boolean> {
  const probe = await attempt(inNetns(agentNetns(lab.spec, role), ['curl', '-sf', '--max-time', '2', agentMetricsUrl(role)]));
  if (!probe.ok) return false;
  const samples = parseMetrics(probe.stdout);
  const synced = metricValue(samples, 'overlap_syncs_total', { result: 'success' }) > 0;
  return synced && (!lab.spec.translates[role] || metricValue(samples, 'overlap_nat_active') === 1);
}

export const agentBundle = (role: Role): string => join(REPO_ROOT, 'apps', AGENT_APP[role], 'dist', 'main.js');

export interface AgentStart {
  readonly cleanupOnExit?: boolean;
}

export async function startAgent(lab: Lab, role: Role, options: AgentStart = {}): Promise<Lab> {
  const bundle = agentBundle(role);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing; build it: npx nx run-many -t build -p @overlap/${AGENT_APP[role]}`);
  return launch(
    lab,
    {
      name: agentName(role),
      netns: agentNetns(lab.spec, role),
      argv: [process.execPath, bundle],
      env: agentEnv(lab.spec, role, options.cleanupOnExit === undefined ? {} : { cleanupOnExit: options.cleanupOnExit }),
    },
    () => agentReady(lab, role),
  );
}

/** SIGTERM lets the agent remove its rules (cleanup on exit); SIGKILL leaves them, as a crash would. */
export async function stopAgent(lab: Lab, role: Role, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  const record = lab.state.daemons[agentName(role)];
  if (record) await stopDaemon(record, signal);
}

export async function restartAgent(lab: Lab, role: Role, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<Lab> {
  await stopAgent(lab, role, signal);
  return startAgent(lab, role);
}

/**
 * A configuration change as an operator makes it: new networks, both agents restarted with the new env. The agents
 * are killed, not stopped, so their old rules stay behind and the new agents must remove what became stale.
 */
export async function reconfigure(lab: Lab, options: LabOptions): Promise<Lab> {
  const spec = labSpec(options);
  if (spec.translates.seed !== lab.spec.translates.seed) throw new Error('reconfigure: the lab cannot switch between translating and not');
  for (const address of spec.addresses.nodes.filter((a) => !lab.spec.addresses.nodes.includes(a))) {
    await run(addNodeAddressCommand(spec, address));
  }
  await stopAgent(lab, 'seed', 'SIGKILL');
  await stopAgent(lab, 'shoot', 'SIGKILL');
  let next: Lab = { spec, state: { ...lab.state, options } };
  writeState(next.state);
  next = await startAgent(next, 'shoot');
  return startAgent(next, 'seed');
}

export async function prometheusQuery(lab: Lab, expression: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const url = `http://127.0.0.1:${PORTS.prometheus}/api/v1/query?query=${encodeURIComponent(expression)}`;
  const body = JSON.parse(await curlIn(lab.spec.namespaces.monitor, url)) as {
    status: string;
    error?: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`Prometheus query ${expression} failed: ${body.error ?? body.status}`);
  return body.data.result;
}

/**
 * Builds the whole lab: namespaces and links, the OpenVPN tunnel, the shoot's workloads, the proxy, both agents and
 * Prometheus. Any leftover of a lab with the same prefix is removed first. On failure, what was built stays, so
 * the logs can be read; `down` removes it.
 */
export async function up(options: LabOptions, progress: Progress = () => {}): Promise<Lab> {
  const spec = labSpec(options);
  await down(options);
  const runDir = options.runDir;
  mkdirSync(join(runDir, 'logs'), { recursive: true });
  let lab: Lab = { spec, state: { options, daemons: {} } };
  writeState(lab.state);

  progress('network namespaces and links');
  for (const command of topologyCommands(spec)) await run(command);

  progress('OpenVPN tunnel over the underlay');
  const key = join(runDir, 'tunnel.key');
  await run(['openvpn', '--genkey', 'secret', key]);
  // Each end completes only once the other answers: start the seed's end, then the shoot's, then wait for both.
  const tunnelUp = logSays('Initialization Sequence Completed');
  lab = await launch(lab, { name: 'openvpn-seed', netns: spec.namespaces.seed, argv: openvpnArgs('seed', key) }, logSays('link local'));
  lab = await launch(lab, { name: 'openvpn-shoot', netns: spec.namespaces.shoot, argv: openvpnArgs('shoot', key) }, tunnelUp);
  const seedEnd = lab.state.daemons['openvpn-seed'];
  if (seedEnd) await waitFor('the seed end of the tunnel', async () => ((await tunnelUp(seedEnd)) ? true : undefined));
  for (const command of untranslatedRouteCommands(spec)) await run(command);

  progress('shoot workloads: pod, node (kubelet port), service rule');
  const server = join(import.meta.dirname, 'identity-server.ts');
  const listening = logSays('listening on');
  lab = await launch(lab, { name: 'shoot-pod', netns: spec.namespaces.pod, argv: [process.execPath, server, 'shoot pod', String(PORTS.pod)] }, listening);
  lab = await launch(lab, { name: 'shoot-node', netns: spec.namespaces.node, argv: [process.execPath, server, 'shoot node', String(PORTS.kubelet)] }, listening);

  progress(`CONNECT proxy (tinyproxy as Envoy, gid ${ENVOY_GID})`);
  const proxyConfig = join(runDir, 'tinyproxy.conf');
  writeFileSync(proxyConfig, tinyproxyConfig());
  lab = await launch(
    lab,
    {
      name: 'connect-proxy',
      netns: spec.namespaces.seed,
      argv: ['setpriv', `--reuid=${NOBODY}`, `--regid=${ENVOY_GID}`, '--clear-groups', 'tinyproxy', '-d', '-c', proxyConfig],
    },
    async () => (await attempt(inNetns(spec.namespaces.seed, ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${PORTS.proxy}`]))).ok,
  );

  progress('agents');
  lab = await startAgent(lab, 'shoot');
  lab = await startAgent(lab, 'seed');

  progress('Prometheus');
  const promDir = join(runDir, 'prometheus');
  mkdirSync(promDir, { recursive: true });
  writeFileSync(join(promDir, 'prometheus.yml'), prometheusConfig(spec));
  lab = await launch(
    lab,
    {
      name: 'prometheus',
      netns: spec.namespaces.monitor,
      argv: [
        'prometheus',
        `--config.file=${join(promDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(promDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
        '--storage.tsdb.retention.time=1d',
      ],
    },
    async () => (await attempt(inNetns(spec.namespaces.monitor, ['curl', '-sf', `http://127.0.0.1:${PORTS.prometheus}/-/ready`]))).ok,
    60_000,
  );
  return lab;
}

/** Reads a running lab back from its run directory. */
export function openLab(options: LabOptions): Lab | undefined {
  const state = readState(options.runDir);
  return state ? { spec: labSpec(state.options), state } : undefined;
}

export interface Removed {
  readonly processes: readonly string[];
  readonly namespaces: readonly string[];
  readonly runDir: boolean;
}

/**
 * Removes everything a lab with these options made: the agents first (SIGTERM, so they take their rules with
 * them), then every other process, then any process still inside one of its namespaces, the namespaces, the run
 * directory. Safe to repeat; touches nothing of another prefix.
 */
export async function down(options: LabOptions): Promise<Removed> {
  const spec = labSpec(readState(options.runDir)?.options ?? options);
  const records = Object.values(readState(options.runDir)?.daemons ?? {});
  const agentsFirst = [...records].sort((a, b) => Number(b.name.endsWith('-agent')) - Number(a.name.endsWith('-agent')));
  const processes: string[] = [];
  for (const record of agentsFirst) {
    if (!isRunning(record)) continue;
    await stopDaemon(record);
    processes.push(`${record.name} (pid ${record.pid})`);
  }
  const present = await existingNamespaces();
  const namespaces = namespaceList(spec).filter((name) => present.has(name));
  for (const name of namespaces) {
    const pids = (await run(['ip', 'netns', 'pids', name])).split('\n').filter((pid) => pid !== '');
    for (const pid of pids) {
      process.kill(Number(pid), 'SIGKILL');
      processes.push(`pid ${pid} left in ${name}`);
    }
  }
  for (const name of namespaces) await run(['ip', 'netns', 'del', name]);
  const runDir = existsSync(options.runDir);
  rmSync(options.runDir, { recursive: true, force: true });
  return { processes, namespaces, runDir };
}
