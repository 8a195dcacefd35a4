import { metricValue, parseMetrics } from '@overlap/test-support';
import { isRunning } from './daemons.ts';
import { attempt, inNetns } from './exec.ts';
import { agentMetricsUrl, agentNetns } from './agents.ts';
import { seedRouteDevice } from './data-path.ts';
import { existingNamespaces } from './lab.ts';
import type { Lab } from './launch.ts';
import { scrapeTargets } from './prometheus.ts';
import { tunnelAddress } from './proof.ts';
import { table } from './report.ts';
import { PORTS, namespaceList } from './spec.ts';

async function agentLine(lab: Lab, role: 'seed' | 'shoot'): Promise<string[]> {
  const probe = await attempt(inNetns(agentNetns(lab.spec, role), ['curl', '-sf', '--max-time', '2', agentMetricsUrl(lab.spec, role)]));
  if (!probe.ok) return [`${role}-vpn-agent`, 'metrics not answering'];
  const m = parseMetrics(probe.stdout);
  const value = (name: string) => String(metricValue(m, name));
  return [
    `${role}-vpn-agent`,
    `nat expected ${value('overlap_nat_expected')}, active ${value('overlap_nat_active')}, rules ${value('overlap_nat_rules_installed')}/${value('overlap_nat_rules_desired')}, drift repairs ${value('overlap_drift_repairs_total')}`,
  ];
}

/** HA: the path the path controller routes the shoot pod through right now. */
async function activePathLine(lab: Lab): Promise<string[]> {
  const pod = lab.spec.targets.find((t) => t.kind === 'pods');
  if (lab.spec.paths.length === 0 || !pod) return [];
  const address = tunnelAddress(lab.spec, pod);
  return [`active path: ${(await seedRouteDevice(lab, address)) ?? 'none'} (the kube-apiserver pod's route to ${address})`];
}

/** What runs: namespaces, processes, the agents' own view, Prometheus' targets. */
export async function describeStatus(lab: Lab): Promise<string> {
  const present = await existingNamespaces();
  const lines = [
    `== Lab ${lab.spec.options.prefix}* (run dir ${lab.spec.options.runDir}) ==`,
    ...table(namespaceList(lab.spec).map((name) => [`namespace ${name}`, present.has(name) ? 'present' : 'MISSING'])),
    ...table(Object.values(lab.state.daemons).map((d) => [d.name, `pid ${d.pid}`, isRunning(d) ? 'running' : 'NOT RUNNING', d.log])),
    ...table([await agentLine(lab, 'seed'), await agentLine(lab, 'shoot')]),
    ...(await activePathLine(lab)),
  ];
  const prometheus = await scrapeTargets(lab).catch((error: Error) => error);
  if (prometheus instanceof Error) lines.push(`prometheus: ${prometheus.message}`);
  else lines.push(...table(prometheus.map((t) => [`prometheus target ${t.job}`, t.pod === undefined ? t.url : `${t.pod} via ${t.url}`, t.health])));
  lines.push(`Prometheus API: ip netns exec ${lab.spec.namespaces.monitor} curl -s 'http://127.0.0.1:${PORTS.prometheus}/api/v1/query?query=up'`);
  return `${lines.join('\n')}\n`;
}
