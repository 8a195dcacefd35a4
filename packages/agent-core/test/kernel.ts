// Helpers for the tests that drive a real agent sync inside a network namespace of their own.
import { APPLY_COMMAND, type Backend } from '@overlap/natrules';
import type { Counter, Gauge } from 'prom-client';
import { type CommandRunner, createLogger } from '@overlap/runtime';
import { type Namespace, addTunnel, createNamespace } from '@overlap/test-support';
import {
  type AgentMetrics,
  type SyncContext,
  type Syncer,
  createAgentMetrics,
  mappingsPerKind,
  parseAgentConfig,
  planAgent,
  setMappings,
  createSyncer,
} from '../src/index.ts';
import { sysctlForwarding } from '../src/forwarding.ts';

/** Point-to-point mode (not HA): the agents route into one tunnel device, tun0. */
export const OVERLAPPING = {
  IS_HA: 'false',
  SEED_POD_NETWORK: '10.1.0.0/16',
  SHOOT_POD_NETWORKS: '10.1.0.0/16',
  SHOOT_SERVICE_NETWORKS: '10.2.0.0/20',
  SHOOT_NODE_NETWORKS: '10.250.0.0/24',
};

/**
 * A namespace that looks like the kube-apiserver pod (seed) or vpn-shoot (shoot): an eth0 with an address in the
 * seed pod network and a tunnel device, up. A tun device without a reader stands in for the VPN's.
 */
export async function podNamespace(tunnel: string): Promise<Namespace> {
  const ns = await createNamespace('agent');
  try {
    await ns.run(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer']);
    await ns.run(['ip', 'addr', 'add', '10.1.0.10/16', 'dev', 'eth0']);
    for (const dev of ['eth0', 'eth0-peer']) await ns.run(['ip', 'link', 'set', dev, 'up']);
    await addTunnel(ns.run, tunnel);
    return ns;
  } catch (error) {
    await ns.delete();
    throw error;
  }
}

export interface TestAgent {
  readonly syncer: Syncer;
  readonly metrics: AgentMetrics;
  readonly plan: ReturnType<typeof planAgent>;
}

/** One agent process as far as the sync is concerned: a fresh plan, metrics and syncer. */
export function testAgent(
  role: 'seed' | 'shoot',
  backend: Backend,
  run: CommandRunner,
  env: Record<string, string> = OVERLAPPING,
  bounds: Pick<SyncContext, 'timing' | 'clock'> = {},
): TestAgent {
  const config = parseAgentConfig(role, { ...env, OVERLAP_BACKEND: backend });
  const plan = planAgent(config);
  const metrics = createAgentMetrics({ role, backend, version: 'test', tunnelDevice: config.tunnelDevice });
  setMappings(metrics, mappingsPerKind(plan.mappings));
  const syncer = createSyncer({
    plan,
    backend,
    tunnelDevice: config.tunnelDevice,
    needsForwarding: role === 'shoot',
    run,
    // The test process is outside the namespace, so its own /proc/sys would be the wrong one.
    forwarding: sysctlForwarding(run),
    metrics,
    logger: createLogger({ name: 'test', level: 'silent' }),
    ...bounds,
  });
  return { syncer, metrics, plan };
}

/** The value of a series (the first one matching the labels). */
export async function seriesValue(metric: Counter<string> | Gauge<string>, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return hit?.value ?? 0;
}

/** HA mode: the agents match `bond0+` and depend on Gardener's routes instead of installing any. */
export const OVERLAPPING_HA = { ...OVERLAPPING, IS_HA: 'true' };

export async function ownedRouteLines(run: CommandRunner): Promise<string[]> {
  const { stdout } = await run(['ip', '-4', 'route', 'show', 'proto', '79']);
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').slice(0, 3).join(' '))
    .sort();
}

/** Makes every apply fail inside the real tool by adding a line it rejects, so the whole transaction is refused. */
export function breakingApplies(backend: Backend, run: CommandRunner): CommandRunner {
  const applyCommand = APPLY_COMMAND[backend].join(' ');
  return (argv, input, options) => {
    if (!argv.join(' ').startsWith(applyCommand) || input === undefined) return run(argv, input, options);
    const broken =
      backend === 'iptables'
        ? input.replace(/COMMIT\n$/, '-A OVERLAP-OUTPUT -j OVERLAP-NO-SUCH-CHAIN\nCOMMIT\n')
        : `${input}add rule ip overlap nat-output jump no-such-chain\n`;
    return run(argv, broken, options);
  };
}

/** Opens a new UDP socket per packet (a new connection each, so each passes the NAT rules) as Envoy's group. */
export async function sendAsEnvoy(run: CommandRunner, destination: string, packets: number): Promise<void> {
  const script = `for i in $(seq ${packets}); do echo x > /dev/udp/${destination}/9; done`;
  await run(['setpriv', '--regid=31415', '--clear-groups', 'bash', '-c', script]);
}
