import { HA_DEVICE_PATTERN } from './paths.ts';
import { PORTS, TUNNEL_DEVICE, UNDERLAY, type LabSpec, namespaceList } from './spec.ts';

export type Command = readonly string[];

const ip = (ns: string, ...args: string[]): Command => ['ip', '-n', ns, ...args];
const sysctl = (ns: string, setting: string): Command => ['ip', 'netns', 'exec', ns, 'sysctl', '-qw', setting];
const xtables = (tool: 'iptables' | 'ip6tables', ns: string, ...args: string[]): Command => ['ip', 'netns', 'exec', ns, tool, '-w', ...args];
const iptables = (ns: string, ...args: string[]): Command => xtables('iptables', ns, ...args);

/** A veth pair created straight into its two namespaces, so no temporary name ever appears in the host. */
const veth = (a: { ns: string; name: string }, b: { ns: string; name: string }): Command[] => [
  ip(a.ns, 'link', 'add', a.name, 'type', 'veth', 'peer', 'name', b.name, 'netns', b.ns),
  ip(a.ns, 'link', 'set', a.name, 'up'),
  ip(b.ns, 'link', 'set', b.name, 'up'),
];

/**
 * The kube-proxy stand-in: a service address DNATed to the pod in a chain of its own on the shoot node, where
 * kube-proxy keeps it. The agents never run there, and must not need to.
 */
export const SERVICE_CHAIN = 'LAB-SERVICES';

/**
 * Every command that builds the lab's namespaces and links, in order. Shoot pods get a /32 with the node as
 * point-to-point peer (the shape Calico gives them): routed through the node, so the service DNAT and its
 * reverse both happen there.
 */
export function topologyCommands(spec: LabSpec): Command[] {
  const ns = spec.namespaces;
  const a = spec.addresses;
  const seedPodsPrefix = spec.networks.seedPods?.prefix ?? 32;
  return [
    ...namespaceList(spec).flatMap((name) => [['ip', 'netns', 'add', name], ip(name, 'link', 'set', 'lo', 'up')]),

    // Seed: the kube-apiserver pod in the seed pod network, which Prometheus also reaches it through.
    ...veth({ ns: ns.seed, name: 'eth0' }, { ns: ns.monitor, name: 'seed-pods' }),
    ip(ns.seed, 'addr', 'add', `${a.kubeApiserver}/${seedPodsPrefix}`, 'dev', 'eth0'),
    ip(ns.monitor, 'addr', 'add', `${a.monitorOnSeedPods}/${seedPodsPrefix}`, 'dev', 'seed-pods'),
    // A pod has a default route; without one, connect() to a shoot address fails before NAT OUTPUT can map it.
    ip(ns.seed, 'route', 'add', 'default', 'via', a.monitorOnSeedPods),

    // The underlay that carries the VPN's UDP packets.
    ...veth({ ns: ns.seed, name: 'underlay' }, { ns: ns.shoot, name: 'underlay' }),
    ip(ns.seed, 'addr', 'add', `${UNDERLAY.seed}/${UNDERLAY.prefix}`, 'dev', 'underlay'),
    ip(ns.shoot, 'addr', 'add', `${UNDERLAY.shoot}/${UNDERLAY.prefix}`, 'dev', 'underlay'),

    // Shoot: vpn-shoot and the pod hang off the node; the node's addresses live on its loopback.
    ...veth({ ns: ns.node, name: 'vpn-shoot' }, { ns: ns.shoot, name: 'eth0' }),
    ...veth({ ns: ns.node, name: 'pod' }, { ns: ns.pod, name: 'eth0' }),
    ip(ns.node, 'addr', 'add', a.podGateway, 'peer', a.vpnShoot, 'dev', 'vpn-shoot'),
    ip(ns.node, 'addr', 'add', a.podGateway, 'peer', a.shootPod, 'dev', 'pod'),
    ip(ns.shoot, 'addr', 'add', a.vpnShoot, 'peer', a.podGateway, 'dev', 'eth0'),
    ip(ns.shoot, 'route', 'add', 'default', 'via', a.podGateway),
    ip(ns.pod, 'addr', 'add', a.shootPod, 'peer', a.podGateway, 'dev', 'eth0'),
    ip(ns.pod, 'route', 'add', 'default', 'via', a.podGateway),
    ...a.nodes.map((address) => ip(ns.node, 'addr', 'add', `${address}/32`, 'dev', 'lo')),
    sysctl(ns.node, 'net.ipv4.ip_forward=1'),
    iptables(ns.node, '-t', 'nat', '-N', SERVICE_CHAIN),
    iptables(ns.node, '-t', 'nat', '-A', 'PREROUTING', '-j', SERVICE_CHAIN),
    iptables(
      ns.node,
      '-t',
      'nat',
      '-A',
      SERVICE_CHAIN,
      '-d',
      `${a.service}/32`,
      '-p',
      'tcp',
      '--dport',
      String(PORTS.service),
      '-j',
      'DNAT',
      '--to-destination',
      `${a.shootPod}:${PORTS.pod}`,
    ),

    ...ipv6Commands(spec),
  ];
}

/**
 * A dual-stack shoot's IPv6 side: the pod and vpn-shoot reach the node through a fixed link-local gateway on the
 * node's end of their links (IPv6 answers neighbour solicitations only for addresses of the receiving device, so
 * the node's loopback address needs a router, not an on-link route); the node routes their /128s back.
 */
const NODE_LINK_LOCAL = 'fe80::1';

export function ipv6Commands(spec: LabSpec): Command[] {
  const v6 = spec.addresses.ipv6;
  if (!v6) return [];
  const ns = spec.namespaces;
  const ip6 = (name: string, ...args: string[]): Command => ip(name, '-6', ...args);
  return [
    sysctl(ns.node, 'net.ipv6.conf.all.forwarding=1'),
    ip6(ns.node, 'addr', 'add', `${v6.node}/128`, 'dev', 'lo'),
    ...(
      [
        ['pod', ns.pod, v6.shootPod],
        ['vpn-shoot', ns.shoot, v6.vpnShoot],
      ] as const
    ).flatMap(([link, other, address]) => [
      ip6(ns.node, 'addr', 'add', `${NODE_LINK_LOCAL}/64`, 'dev', link, 'nodad'),
      ip6(ns.node, 'route', 'add', `${address}/128`, 'dev', link),
      ip6(other, 'addr', 'add', `${address}/128`, 'dev', 'eth0', 'nodad'),
      ip6(other, 'route', 'add', 'default', 'via', NODE_LINK_LOCAL, 'dev', 'eth0'),
    ]),
  ];
}

/**
 * The rules vpn2's own clients install for every shoot, whether or not anything overlaps (vpn2's
 * pkg/vpn_client/iptables.go; ../shared/research/vpn2-ha-datapath.md §2.4–2.6): in the kube-apiserver pod (HA only;
 * the seed's first family, IPv4 here) INPUT from the tunnel accepts only established traffic; in vpn-shoot FORWARD
 * accepts from the tunnel (IPv4 only), and for each of the shoot's families the MSS is clamped and whatever leaves
 * by eth0 is masqueraded. So connection tracking runs at both tunnel ends, as on every real seed and shoot: the
 * no-overlap lab is a real shoot's path without the double NAT, and the agents work beside rules they do not own.
 */
export function vpn2RuleCommands(spec: LabSpec): Command[] {
  const ns = spec.namespaces;
  const device = spec.options.ha ? HA_DEVICE_PATTERN : TUNNEL_DEVICE;
  const shootTools = spec.options.ipFamilies === 'IPv4,IPv6' ? (['iptables', 'ip6tables'] as const) : (['iptables'] as const);
  return [
    ...(spec.options.ha
      ? [
          iptables(ns.seed, '-A', 'INPUT', '-m', 'state', '--state', 'RELATED,ESTABLISHED', '-i', device, '-j', 'ACCEPT'),
          iptables(ns.seed, '-A', 'INPUT', '-i', device, '-j', 'DROP'),
        ]
      : []),
    iptables(ns.shoot, '-A', 'FORWARD', '-i', device, '-j', 'ACCEPT'),
    ...shootTools.flatMap((tool) => [
      xtables(tool, ns.shoot, '-t', 'mangle', '-A', 'POSTROUTING', '-p', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN', '-j', 'TCPMSS', '--clamp-mss-to-pmtu'),
      xtables(tool, ns.shoot, '-t', 'nat', '-A', 'POSTROUTING', '-o', 'eth0', '-j', 'MASQUERADE'),
    ]),
  ];
}

/** Adds a node address later (a node network added to a running lab). */
export const addNodeAddressCommand = (spec: LabSpec, address: string): Command => ip(spec.namespaces.node, 'addr', 'add', `${address}/32`, 'dev', 'lo');

/**
 * Without translation the VPN carries the real addresses. The path and tunnel controllers route them through the
 * paths as with translation; the node sends the answers to vpn-shoot (as the shoot's routing to the VPN does in a
 * real cluster). Only HA labs go without translation (see labSpec), and only when no network overlaps.
 */
export function untranslatedRouteCommands(spec: LabSpec): Command[] {
  const seedPods = spec.networks.seedPods?.text;
  if (spec.translates.seed || !seedPods) return [];
  const ns = spec.namespaces;
  return [ip(ns.node, 'route', 'add', seedPods, 'via', spec.addresses.vpnShoot), sysctl(ns.shoot, 'net.ipv4.ip_forward=1')];
}

/** A second kube-apiserver replica's pod IP on the seed pod network, for the HA tests' second announcement. */
export const secondKubeApiserverCommand = (spec: LabSpec): Command =>
  ip(spec.namespaces.seed, 'addr', 'add', `${spec.addresses.secondKubeApiserver}/${spec.networks.seedPods?.prefix ?? 32}`, 'dev', 'eth0');
