import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent } from './agents.ts';
import { startControllers, startTunnels } from './data-path.ts';
import { isRunning, stopDaemon } from './daemons.ts';
import { attempt, inNetns, run } from './exec.ts';
import { type Lab, launch, logSays } from './launch.ts';
import { issueLabPki } from './pki.ts';
import { stunnelConfig, tinyproxyConfig } from './render.ts';
import { removeNetnsEtc, startMonitoring } from './scraping.ts';
import { writeLegacyIptables } from './faults.ts';
import { ENVOY_GID, type LabOptions, PORTS, SHOOT_NAMESPACE, labSpec, namespaceList } from './spec.ts';
import { readState, writeState } from './state.ts';
import { topologyCommands, untranslatedRouteCommands, vpn2RuleCommands } from './topology.ts';

export type Progress = (step: string) => void;

// The proxy runs as nobody with Envoy's group, as Envoy's container does (runAsNonRoot, runAsGroup 31415).
const NOBODY = 65534;

/** Namespaces that exist right now, by name. */
export async function existingNamespaces(): Promise<Set<string>> {
  const out = await run(['ip', 'netns', 'list']);
  return new Set(
    out
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name !== ''),
  );
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
  progress("vpn2's own rules at both tunnel ends, there for every shoot (connection tracking on, as on a real seed and shoot)");
  for (const command of vpn2RuleCommands(spec)) await run(command);

  progress(
    spec.paths.length > 0
      ? `OpenVPN tunnels over the underlay, one per path (${spec.tunnelDevices.seed.join(', ')} → ${spec.tunnelDevices.shoot.join(', ')})`
      : 'OpenVPN tunnel over the underlay (point-to-point tun0)',
  );
  lab = await startTunnels(lab);
  if (spec.paths.length > 0) {
    progress('path controller (kube-apiserver pod) and tunnel controller (vpn-shoot): the routes');
    lab = await startControllers(lab);
  }
  for (const command of untranslatedRouteCommands(spec)) await run(command);

  progress('shoot workloads: pod, node (kubelet port), service rule');
  const server = join(import.meta.dirname, 'identity-server.ts');
  const listening = logSays('listening on');
  lab = await launch(lab, { name: 'shoot-pod', netns: spec.namespaces.pod, argv: [process.execPath, server, 'shoot pod', String(PORTS.pod)] }, listening);
  lab = await launch(
    lab,
    { name: 'shoot-node', netns: spec.namespaces.node, argv: [process.execPath, server, 'shoot node', String(PORTS.kubelet)] },
    listening,
  );

  progress(`Envoy's stand-in: stunnel (mutual TLS, certificates issued by the controller's code) → tinyproxy (CONNECT, gid ${ENVOY_GID})`);
  const pki = await issueLabPki(spec, SHOOT_NAMESPACE);
  const listens = (port: number) => async () => (await attempt(inNetns(spec.namespaces.seed, ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]))).ok;
  const proxyConfig = join(runDir, 'tinyproxy.conf');
  writeFileSync(proxyConfig, tinyproxyConfig());
  lab = await launch(
    lab,
    {
      name: 'connect-proxy',
      netns: spec.namespaces.seed,
      argv: ['setpriv', `--reuid=${NOBODY}`, `--regid=${ENVOY_GID}`, '--clear-groups', 'tinyproxy', '-d', '-c', proxyConfig],
    },
    listens(PORTS.connectProxy),
  );
  const tlsConfig = join(runDir, 'stunnel.conf');
  writeFileSync(tlsConfig, stunnelConfig(pki));
  lab = await launch(lab, { name: 'tls-proxy', netns: spec.namespaces.seed, argv: ['stunnel', tlsConfig] }, listens(PORTS.proxy));

  progress('agents');
  writeLegacyIptables(spec);
  lab = await startAgent(lab, 'shoot');
  lab = await startAgent(lab, 'seed');

  progress("Prometheus, configured from the controller's monitoring objects, and the kube-apiserver pod proxy it scrapes the shoot through");
  lab = await startMonitoring(lab);
  return lab;
}

/** Builds a lab, runs `work` against it and removes it again, whatever happened (benchmarks, one-off runs). */
export async function withLab<T>(options: LabOptions, work: (lab: Lab) => Promise<T>): Promise<T> {
  try {
    return await work(await up(options));
  } finally {
    await down(options);
  }
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
  removeNetnsEtc(spec);
  const runDir = existsSync(options.runDir);
  rmSync(options.runDir, { recursive: true, force: true });
  return { processes, namespaces, runDir };
}
