// Stand-in for vpn2's `tunnel-controller` (pkg/shoot_client/tunnel), run in the lab's vpn-shoot. It owns the
// shoot's routes back to the kube-apiserver pods: each announcement names a pod IP, and the route `<ip>/32` goes
// through the receiving device named after the sender (`bond0ip6tnl<last two bytes, hex>`). vpn2 creates that
// ip6tnl device itself; in the lab OpenVPN has already made it under that name, so it must exist.
// As vpn2's does, it changes a route only when an address is new or arrives from another sender.
import { createSocket } from 'node:dgram';
import { parseAddress } from '@overlap/cidr';
import { createCommandRunner, createLogger } from '@overlap/runtime';
import { ANNOUNCE_PORT, shootDeviceFor } from './paths.ts';

const log = createLogger({ name: 'lab-tunnel-controller', level: 'info' });
const run = createCommandRunner();
/** Announced pod IP → the device its /32 route goes through. */
const routes = new Map<string, string>();
const socket = createSocket({ type: 'udp6', ipv6Only: true });

async function routeBack(podIp: string, device: string): Promise<void> {
  const host = parseAddress(podIp, 'announced pod IP');
  const prefix = host.family === 'IPv4' ? 32 : 128;
  await run(['ip', host.family === 'IPv4' ? '-4' : '-6', 'route', 'replace', `${host.text}/${prefix}`, 'dev', device]);
}

let busy = Promise.resolve();
socket.on('message', (message, sender) => {
  busy = busy.then(async () => {
    const podIp = message.toString('utf8').trim();
    try {
      const device = shootDeviceFor(sender.address);
      if (routes.get(podIp) === device) return;
      await routeBack(podIp, device);
      log.info({ podIp, device, sender: sender.address, previous: routes.get(podIp) ?? null }, 'route to kube-apiserver pod set');
      routes.set(podIp, device);
    } catch (error) {
      log.warn({ podIp, sender: sender.address, err: (error as Error).message }, 'announcement not applied');
    }
  });
});
socket.bind(ANNOUNCE_PORT, '::', () => log.info({ port: ANNOUNCE_PORT }, 'tunnel controller listening'));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    socket.close();
    log.info('tunnel controller stopped');
  });
}
