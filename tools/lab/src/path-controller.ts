// Stand-in for vpn2's `vpn-path-controller` (cmd/vpn_client/app/pathcontroller), run in the lab's kube-apiserver
// pod. It owns the routes to the shoot: every period it probes each path, keeps the routes on the active one,
// switches all of them to another path when the active one stops answering, and announces the pod IP (mapped into
// 241/8 when there is an overlap) to the shoot side, where the tunnel controller routes it back.
//   env: SEED_POD_NETWORK, SHOOT_POD_NETWORKS, SHOOT_SERVICE_NETWORKS, SHOOT_NODE_NETWORKS, POD_IP,
//        HA_VPN_CLIENTS (paths, default 2), LAB_PATH_BASE_PORT (for the path layout), LAB_PATH_PERIOD (seconds, default 2)
import { createSocket } from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENV_FIELDS, parseNetworks } from '@overlap/cidr';
import { InputError, createCommandRunner, createLogger, fromEnv, integerIn } from '@overlap/runtime';
import { ANNOUNCE_PORT, DEFAULT_PATHS, type LabPath, PATH_PERIOD_SECONDS, announcedAddress, choosePath, labPaths, routedNetworks } from './paths.ts';
import { PORTS } from './spec.ts';

const env = process.env;
const log = createLogger({ name: 'lab-path-controller', level: 'info' });
const run = createCommandRunner();

/** A whole number from the environment within bounds, or one line naming the variable and its value. */
const wholeNumber = (name: string, fallback: number, min: number, max: number): number => fromEnv(env, name, integerIn(min, max), fallback);

function readConfig() {
  const networks = parseNetworks({
    seedPods: env[ENV_FIELDS.seedPods] ?? '',
    pods: env[ENV_FIELDS.pods] ?? '',
    services: env[ENV_FIELDS.services] ?? '',
    nodes: env[ENV_FIELDS.nodes] ?? '',
  });
  return {
    announced: announcedAddress(networks, env['POD_IP'] ?? ''),
    routed: routedNetworks(networks).map((cidr) => cidr.text),
    paths: labPaths(wholeNumber('HA_VPN_CLIENTS', DEFAULT_PATHS, 1, 16), wholeNumber('LAB_PATH_BASE_PORT', PORTS.openvpn, 1, 65_520)),
    periodMs: wholeNumber('LAB_PATH_PERIOD', PATH_PERIOD_SECONDS, 1, 60) * 1000,
  };
}

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig();
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  log.fatal(error.message);
  process.exit(2);
}
const { announced, routed, paths, periodMs } = config;
const socket = createSocket('udp6');

/** ICMPv6 echo to the shoot end, through the path's own device, one second to answer (vpn2 probes the same way). */
async function answers(path: LabPath): Promise<boolean> {
  try {
    await run(['ping', '-6', '-n', '-q', '-c', '1', '-W', '1', '-I', path.seedDevice, path.shootAddress]);
    return true;
  } catch {
    return false;
  }
}

async function routeAllVia(path: LabPath): Promise<void> {
  await run(['ip', '-batch', '-'], `${routed.map((cidr) => `route replace ${cidr} dev ${path.seedDevice}`).join('\n')}\n`);
}

/** One datagram with the announced address to the shoot end of the path, as vpn2 sends it to `[client]:5400`. */
function announce(path: LabPath): Promise<void> {
  return new Promise((resolve) => {
    socket.send(announced, ANNOUNCE_PORT, path.shootAddress, (error) => {
      if (error) log.warn({ path: path.seedDevice, err: error.message }, 'announcement not sent');
      resolve();
    });
  });
}

let active: number | undefined;
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => (stopping = true));

log.info({ announced, routed, paths: paths.map((p) => p.seedDevice), periodMs }, 'path controller started');
while (!stopping) {
  const started = Date.now();
  const results = await Promise.all(paths.map(answers));
  const good = new Set(paths.filter((_, i) => results[i]).map((p) => p.index));
  const next = choosePath(active, good);
  if (next === undefined) {
    log.warn({ active: active === undefined ? null : paths[active]?.seedDevice }, 'no path answers; routes left as they are');
  } else {
    const path = paths[next]!;
    if (next !== active) {
      try {
        await routeAllVia(path);
        log.info({ from: active === undefined ? null : paths[active]?.seedDevice, to: path.seedDevice, routed }, 'routes switched');
        active = next;
      } catch (error) {
        log.error({ to: path.seedDevice, err: (error as Error).message }, 'routes not switched');
      }
    }
    // Announced through the active path only: the lab's one vpn-shoot namespace stands for both shoot clients, and
    // its tunnel controller routes an address through the device the announcement arrived on.
    if (active !== undefined) await announce(paths[active]!);
  }
  await sleep(Math.max(0, periodMs - (Date.now() - started)));
}
socket.close();
log.info('path controller stopped');
