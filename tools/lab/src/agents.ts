import { type Sample, metricValue, parseMetrics } from '@overlap/test-support';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { stopDaemon } from './daemons.ts';
import { attempt, curlIn, inNetns, run } from './exec.ts';
import { type Lab, launch } from './launch.ts';
import { agentEnv } from './render.ts';
import { REPO_ROOT } from './repo.ts';
import { type LabOptions, type LabSpec, PORTS, type Role, labSpec } from './spec.ts';
import { writeState } from './state.ts';
import { webhookAgentEnv } from './vpn-shoot.ts';
import { legacyIptablesPath } from './faults.ts';
import { addNodeAddressCommand } from './topology.ts';

const AGENT_APP: Record<Role, string> = { seed: 'seed-vpn-agent', shoot: 'shoot-vpn-agent' };
const agentName = (role: Role): string => `${role}-vpn-agent`;

const agentBundle = (role: Role): string => join(REPO_ROOT, 'apps', AGENT_APP[role], 'dist', 'main.js');
export const agentNetns = (spec: LabSpec, role: Role): string => (role === 'seed' ? spec.namespaces.seed : spec.namespaces.shoot);
/**
 * Where an agent serves, from inside its namespace: the address its env binds (the shoot webhook binds the pod IP),
 * loopback when it binds every address.
 */
export function agentUrl(spec: LabSpec, role: Role, path = '/metrics'): string {
  const fallback = `0.0.0.0:${role === 'seed' ? PORTS.seedAgent : PORTS.shootAgent}`;
  const listen = agentLaunchEnv(spec, role)['OVERLAP_METRICS_ADDRESS'] ?? fallback;
  return `http://${listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}${path}`;
}
export const agentMetricsUrl = (spec: LabSpec, role: Role): string => agentUrl(spec, role);

export async function agentMetrics(lab: Lab, role: Role): Promise<Sample[]> {
  return parseMetrics(await curlIn(agentNetns(lab.spec, role), agentMetricsUrl(lab.spec, role)));
}

/** Up means: metrics served and the first sync done; when this side must translate, its rules complete. */
async function agentReady(lab: Lab, role: Role): Promise<boolean> {
  const probe = await attempt(inNetns(agentNetns(lab.spec, role), ['curl', '-sf', '--max-time', '2', agentMetricsUrl(lab.spec, role)]));
  if (!probe.ok) return false;
  const samples = parseMetrics(probe.stdout);
  const synced = metricValue(samples, 'overlap_syncs_total', { result: 'success' }) > 0;
  return synced && (!lab.spec.translates[role] || metricValue(samples, 'overlap_nat_active') === 1);
}

/**
 * The env an agent starts with. The shoot agent's is the shoot webhook's container for the lab's vpn-shoot
 * whenever the webhook adds one (HA with an overlap), so the lab proves that what the webhook writes translates;
 * otherwise, and for the seed agent, the lab's own (as deploy/shoot and the seed injection set it).
 */
export function agentLaunchEnv(spec: LabSpec, role: Role): Record<string, string> {
  const env = (role === 'shoot' ? webhookAgentEnv(spec) : undefined) ?? agentEnv(spec, role);
  const path = legacyIptablesPath(spec);
  return path === undefined ? env : { ...env, PATH: path };
}

export async function startAgent(lab: Lab, role: Role): Promise<Lab> {
  const bundle = agentBundle(role);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing; build it: npx nx run-many -t build -p @overlap/${AGENT_APP[role]}`);
  return launch(lab, { name: agentName(role), netns: agentNetns(lab.spec, role), argv: [process.execPath, bundle], env: agentLaunchEnv(lab.spec, role) }, () =>
    agentReady(lab, role),
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
  const next: Lab = { spec, state: { ...lab.state, options } };
  writeState(next.state);
  return startAgent(await startAgent(next, 'shoot'), 'seed');
}
