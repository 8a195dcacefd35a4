import { waitFor } from '@overlap/test-support';
import { join } from 'node:path';
import { formatAddress } from '@overlap/cidr';
import { isRunning } from './daemons.ts';
import { attempt, inNetns, run } from './exec.ts';
import { type Lab, launch, logSays } from './launch.ts';
import { announcedAddress, routedNetworks } from './paths.ts';
import { openvpnArgs, pathControllerEnv } from './render.ts';
import type { LabPath } from './paths.ts';
import type { DaemonRecord } from './state.ts';
import { secondKubeApiserverCommand } from './topology.ts';

const TUNNEL_UP = 'Initialization Sequence Completed';
const standIn = (name: string): string => join(import.meta.dirname, `${name}.ts`);
const tunnelName = (role: 'seed' | 'shoot', path?: LabPath): string => `openvpn-${role}${path ? `-${path.index}` : ''}`;

/** One OpenVPN pair: each end completes only once the other answers, so start the seed's, then the shoot's, then wait for both. */
async function startTunnel(lab: Lab, key: string, path?: LabPath): Promise<Lab> {
  const { seed, shoot } = lab.spec.namespaces;
  let next = await launch(lab, { name: tunnelName('seed', path), netns: seed, argv: openvpnArgs('seed', key, path) }, logSays('link local'));
  next = await launch(next, { name: tunnelName('shoot', path), netns: shoot, argv: openvpnArgs('shoot', key, path) }, logSays(TUNNEL_UP));
  const seedEnd = next.state.daemons[tunnelName('seed', path)];
  if (seedEnd) await waitFor(`the seed end of ${path?.seedDevice ?? 'the tunnel'}`, async () => ((await logSays(TUNNEL_UP)(seedEnd)) ? true : undefined));
  return next;
}

/** The point-to-point tun0, or one tunnel per HA path. */
export async function startTunnels(lab: Lab): Promise<Lab> {
  const key = join(lab.spec.options.runDir, 'tunnel.key');
  await run(['openvpn', '--genkey', 'secret', key]);
  if (lab.spec.paths.length === 0) return startTunnel(lab, key);
  let next = lab;
  for (const path of lab.spec.paths) next = await startTunnel(next, key, path);
  return next;
}

/** The shoot's /32 (or /128) route to an announced address, when there is one: the device it goes through. */
export async function shootRouteDevice(lab: Lab, announced: string): Promise<string | undefined> {
  const out = await run(inNetns(lab.spec.namespaces.shoot, ['ip', '-j', 'route', 'show', 'exact', announced]));
  const [route] = JSON.parse(out.trim() || '[]') as Array<{ dev?: string }>;
  return route?.dev;
}

/** The device the kube-apiserver pod routes an address through right now (the active path, for shoot addresses). */
export async function seedRouteDevice(lab: Lab, address: string): Promise<string | undefined> {
  const probe = await attempt(inNetns(lab.spec.namespaces.seed, ['ip', '-j', 'route', 'get', address]));
  if (!probe.ok) return undefined;
  const [route] = JSON.parse(probe.stdout) as Array<{ dev?: string }>;
  return route?.dev;
}

/**
 * A path controller for a kube-apiserver pod IP, ready once the shoot routes its announced address back and the
 * seed routes every shoot network through a path.
 */
async function startPathController(lab: Lab, name: string, podIp: string): Promise<Lab> {
  const announced = announcedAddress(lab.spec.networks, podIp);
  const routed = routedNetworks(lab.spec.networks).map((cidr) => formatAddress(cidr.family, cidr.address));
  const devices = new Set(lab.spec.tunnelDevices.seed);
  return launch(
    lab,
    { name, netns: lab.spec.namespaces.seed, argv: [process.execPath, standIn('path-controller')], env: pathControllerEnv(lab.spec, podIp) },
    async () => {
      if ((await shootRouteDevice(lab, announced)) === undefined) return false;
      for (const network of routed) {
        const device = await seedRouteDevice(lab, network);
        if (!device || !devices.has(device)) return false;
      }
      return true;
    },
  );
}

/** HA: the tunnel controller in vpn-shoot, then the kube-apiserver pod's path controller. */
export async function startControllers(lab: Lab): Promise<Lab> {
  if (lab.spec.paths.length === 0) return lab;
  const next = await launch(
    lab,
    { name: 'tunnel-controller', netns: lab.spec.namespaces.shoot, argv: [process.execPath, standIn('tunnel-controller')] },
    logSays('tunnel controller listening'),
  );
  return startPathController(next, 'path-controller', lab.spec.addresses.kubeApiserver);
}

/**
 * A second kube-apiserver replica appears in two steps: its pod IP on the seed pod network, then its own path
 * controller announcing it. (A real replica is a pod of its own; here it shares the first one's namespace, so both
 * controllers route the same networks the same way, through whichever path answers first.)
 */
export async function addSecondKubeApiserverAddress(lab: Lab): Promise<void> {
  await run(secondKubeApiserverCommand(lab.spec));
}

export function announceSecondKubeApiserver(lab: Lab): Promise<Lab> {
  return startPathController(lab, 'path-controller-2', lab.spec.addresses.secondKubeApiserver);
}

/**
 * A path fails as when its shoot client stops answering: the shoot end's OpenVPN is frozen (SIGSTOP), so the
 * devices stay and packets into the path vanish. `restorePath` thaws it.
 */
export function failPath(lab: Lab, path: LabPath): DaemonRecord {
  const record = lab.state.daemons[tunnelName('shoot', path)];
  if (!record || !isRunning(record)) throw new Error(`${tunnelName('shoot', path)} is not running`);
  process.kill(record.pid, 'SIGSTOP');
  return record;
}

export function restorePath(lab: Lab, path: LabPath): void {
  const record = lab.state.daemons[tunnelName('shoot', path)];
  if (record && isRunning(record)) process.kill(record.pid, 'SIGCONT');
}
