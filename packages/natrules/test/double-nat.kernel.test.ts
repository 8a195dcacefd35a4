import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, EMPTY_LIVE_STATE, type NatParams, type Role, desiredRules, renderApply, routeDependencies } from '../src/index.ts';
import { params } from './fixtures.ts';
import { NEEDS_ROOT, isRoot } from '@overlap/test-support';
import { Netns } from './netns.ts';

/**
 * The rules doing their job: a "kube-apiserver pod" and a "shoot pod" with the same pod network 10.1.0.0/16,
 * a "vpn-shoot" between them, and a veth standing in for the tunnel, named as Gardener's HA ip6tnl devices are
 * (this kernel has no ip6tnl; the name is what the rules see).
 *
 *   seed 10.1.0.10 (eth0) ─ bond0-ip6tnl0 172.31.255.1 ══ bond0ip6tnl0a0b 172.31.255.2 ─ vpn-shoot ─ eth0 10.1.7.7 ══ eth0 10.1.5.20 pod
 */
const DEVICE: Readonly<Record<Role, string>> = { seed: 'bond0-ip6tnl0', shoot: 'bond0ip6tnl0a0b' };

/** HA: both sides match by Gardener's `bond0+`; point-to-point: each side names its one device. */
const sideParams = (role: Role, wildcard: boolean): NatParams => params(role, { tunnelDevice: wildcard ? 'bond0+' : DEVICE[role] });
const SERVER = `
const server = require('node:net').createServer((socket) => socket.end(socket.remoteAddress));
server.listen(8080, '10.1.5.20', () => console.log('ready'));`;

/** Prints what the server answered, i.e. the source address it saw; exits 1 if idle for argv[1] ms. */
const CLIENT = `
const socket = require('node:net').connect({ host: '10.1.5.20', port: 8080, timeout: Number(process.argv[1]) });
let answer = '';
socket.on('data', (d) => (answer += d));
socket.on('end', () => console.log(answer));
socket.on('timeout', () => process.exit(1));
socket.on('error', () => process.exit(1));`;

const ENVOY_GID = 31415;

function link(a: Netns, aName: string, b: Netns, bName: string): void {
  execFileSync('ip', ['link', 'add', aName, 'netns', a.name, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name]);
}

function up(ns: Netns, device: string, address: string): void {
  ns.run(['ip', 'address', 'add', address, 'dev', device]);
  ns.run(['ip', 'link', 'set', device, 'up']);
}

describe.skipIf(!isRoot)(`double NAT through a stand-in tunnel (${NEEDS_ROOT})`, () => {
  const nodes: Netns[] = [];
  let seed: Netns;
  let vpn: Netns;
  let pod: Netns;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    // Each one is recorded as soon as it exists, so afterAll removes it even if a later step fails.
    const create = (): Netns => {
      const ns = new Netns();
      nodes.push(ns);
      return ns;
    };
    [seed, vpn, pod] = [create(), create(), create()];
    for (const ns of nodes) ns.run(['ip', 'link', 'set', 'lo', 'up']);
    // The seed pod's own network: a veth whose peer answers nobody, so 10.1.0.0/16 is local and leads nowhere.
    seed.run(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer']);
    seed.run(['ip', 'link', 'set', 'eth0-peer', 'up']);
    up(seed, 'eth0', '10.1.0.10/16');
    link(seed, DEVICE.seed, vpn, DEVICE.shoot);
    up(seed, DEVICE.seed, '172.31.255.1/30');
    up(vpn, DEVICE.shoot, '172.31.255.2/30');
    link(vpn, 'eth0', pod, 'eth0');
    up(vpn, 'eth0', '10.1.7.7/16');
    up(pod, 'eth0', '10.1.5.20/16');
    vpn.run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    // The test plays the route owners (path controller, tunnel controller) for what the agents depend on. A veth
    // is not a point-to-point tunnel: the routes need the peer as gateway, and the seed's the pod address as
    // source (it would take the veth's own otherwise).
    for (const route of routeDependencies(sideParams('seed', true))) {
      seed.run(['ip', 'route', 'add', route.destination.text, 'via', '172.31.255.2', 'dev', DEVICE.seed, 'src', '10.1.0.10']);
    }
    for (const route of routeDependencies(sideParams('shoot', true))) {
      vpn.run(['ip', 'route', 'add', route.destination.text, 'via', '172.31.255.1', 'dev', DEVICE.shoot]);
    }
    server = spawn('ip', ['netns', 'exec', pod.name, process.execPath, '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(server.stdout!, 'data');
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill();
      await once(server, 'exit');
    }
    for (const ns of nodes) ns.delete();
  });

  /**
   * Connects from the seed namespace, as Envoy (its group) or as any other process; the answer or undefined. The
   * connection that must fail gets one second (it never succeeds, however long it waits); the one that must
   * succeed gets ample time, so a loaded machine cannot fail it.
   */
  function connect(asEnvoy: boolean): string | undefined {
    const identity = asEnvoy ? ['setpriv', `--regid=${ENVOY_GID}`, '--clear-groups'] : [];
    const idleMs = asEnvoy ? 20_000 : 1_000;
    try {
      return seed.run([...identity, process.execPath, '-e', CLIENT, String(idleMs)]).trim();
    } catch {
      return undefined;
    }
  }

  const BACKENDS = ['iptables', 'nftables'] as const satisfies readonly Backend[];
  it.each(
    BACKENDS.flatMap(
      (backend) =>
        [
          [backend, 'bond0+'],
          [backend, 'device names'],
        ] as const,
    ),
  )('%s, tunnel matched by %s: Envoy reaches the overlapping shoot pod, nothing else of the seed pod does, and the counters show it', (backend, match) => {
    for (const [ns, role] of [
      [seed, 'seed'],
      [vpn, 'shoot'],
    ] as const) {
      ns.apply(backend, renderApply(backend, desiredRules(sideParams(role, match === 'bond0+')), EMPTY_LIVE_STATE(backend)));
    }
    try {
      expect(connect(true)).toBe('10.1.7.7');
      expect(connect(false)).toBeUndefined();

      const counted = (ns: Netns, comment: string) => ns.read(backend).rules.find((r) => r.rule?.comment === comment)?.packets;
      expect(counted(seed, 'overlap pods 10.1.0.0/16 244.0.0.0/16 forward')).toBe(1n);
      expect(counted(seed, 'overlap seedPods 10.1.0.0/16 241.1.0.0/16 forward')).toBe(1n);
      expect(counted(vpn, 'overlap pods 10.1.0.0/16 244.0.0.0/16 reverse')).toBe(1n);
      expect(counted(vpn, 'overlap masquerade')).toBe(1n);
      expect(counted(vpn, 'overlap services 10.2.0.0/20 243.0.0.0/20 reverse')).toBe(0n);
      // The SYN leaves vpn-shoot by eth0 towards the pod, the SYN-ACK by tun0 towards the seed: both are clamped.
      // (At least: a retransmission under load would count again; the old FORWARD -o tun0 rule saw only the second.)
      expect(counted(vpn, 'overlap clamp-mss')).toBeGreaterThanOrEqual(2n);
    } finally {
      for (const ns of [seed, vpn]) ns.apply(backend, renderApply(backend, desiredRules(params('seed', { mappings: [] })), ns.read(backend)));
    }
  });
});
