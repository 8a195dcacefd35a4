import { describe, expect, it } from 'vitest';
import { INTERACTIVE_LAB, SERVICE_CHAIN, ipv6Commands, labSpec, topologyCommands, untranslatedRouteCommands, vpn2RuleCommands } from '../src/index.ts';

const lines = (commands: ReadonlyArray<readonly string[]>) => commands.map((c) => c.join(' '));

describe('topologyCommands', () => {
  const commands = lines(topologyCommands(labSpec(INTERACTIVE_LAB)));

  it('creates each namespace once, before anything uses it', () => {
    const adds = commands.filter((c) => c.startsWith('ip netns add '));
    expect(adds).toEqual(['seed', 'vpn-shoot', 'node', 'pod', 'monitor'].map((n) => `ip netns add ovl-lab-${n}`));
    const firstUse = commands.findIndex((c) => !c.startsWith('ip netns add') && !c.endsWith('link set lo up'));
    expect(firstUse).toBe(adds.length * 2);
  });

  it('creates veths straight into their namespaces (never a name in the host namespace)', () => {
    for (const line of commands.filter((c) => c.includes(' type veth '))) {
      expect(line).toMatch(/^ip -n ovl-lab-\S+ link add \S+ type veth peer name \S+ netns ovl-lab-\S+$/);
    }
  });

  it('makes the seed pod network local in the kube-apiserver pod and overlapping in the shoot', () => {
    expect(commands).toContain('ip -n ovl-lab-seed addr add 10.1.0.10/16 dev eth0');
    expect(commands).toContain('ip -n ovl-lab-pod addr add 10.1.5.20 peer 10.1.0.1 dev eth0');
    expect(commands).toContain('ip -n ovl-lab-node addr add 10.250.0.5/32 dev lo');
  });

  it('puts the service DNAT in a chain of its own on the node', () => {
    expect(commands).toContain(`ip netns exec ovl-lab-node iptables -w -t nat -A PREROUTING -j ${SERVICE_CHAIN}`);
    expect(commands).toContain(
      `ip netns exec ovl-lab-node iptables -w -t nat -A ${SERVICE_CHAIN} -d 10.2.0.10/32 -p tcp --dport 80 -j DNAT --to-destination 10.1.5.20:8080`,
    );
  });
});

describe('untranslatedRouteCommands', () => {
  it('adds nothing when the agents translate (they own the routes then)', () => {
    expect(untranslatedRouteCommands(labSpec(INTERACTIVE_LAB))).toEqual([]);
  });

  it('without translation sends the answers from the node to vpn-shoot, which forwards (the controllers route the tunnel)', () => {
    const spec = labSpec({ ...INTERACTIVE_LAB, shootPodNetworks: '100.96.0.0/16', shootServiceNetworks: '100.64.0.0/16' });
    expect(lines(untranslatedRouteCommands(spec))).toEqual([
      'ip -n ovl-lab-node route add 10.1.0.0/16 via 100.96.7.7',
      'ip netns exec ovl-lab-vpn-shoot sysctl -qw net.ipv4.ip_forward=1',
    ]);
  });
});

describe('ipv6Commands', () => {
  it('none for an IPv4 shoot; for a dual-stack one, the node routes the pod and vpn-shoot /128s and is their link-local gateway', () => {
    expect(ipv6Commands(labSpec(INTERACTIVE_LAB))).toEqual([]);
    const v6 = lines(
      ipv6Commands(
        labSpec({
          ...INTERACTIVE_LAB,
          ipFamilies: 'IPv4,IPv6',
          shootPodNetworks: '10.1.0.0/16,2a05:d018:1a2:6f00::/64',
          shootNodeNetworks: '10.250.0.0/16,2a05:d018:1a2:6f00::/64',
        }),
      ),
    );
    expect(v6).toContain('ip -n ovl-lab-node -6 addr add 2a05:d018:1a2:6f00::5/128 dev lo');
    expect(v6).toContain('ip -n ovl-lab-node -6 route add 2a05:d018:1a2:6f00::5:20/128 dev pod');
    expect(v6).toContain('ip -n ovl-lab-pod -6 route add default via fe80::1 dev eth0');
    expect(v6).toContain('ip -n ovl-lab-vpn-shoot -6 addr add 2a05:d018:1a2:6f00::7:7/128 dev eth0 nodad');
  });
});

describe('vpn2RuleCommands', () => {
  const exec = (ns: string, tool: string) => `ip netns exec ovl-lab-${ns} ${tool} -w`;

  it('HA: the kube-apiserver pod accepts only established traffic from the paths; vpn-shoot forwards, clamps and masquerades', () => {
    expect(lines(vpn2RuleCommands(labSpec(INTERACTIVE_LAB)))).toEqual([
      `${exec('seed', 'iptables')} -A INPUT -m state --state RELATED,ESTABLISHED -i bond0+ -j ACCEPT`,
      `${exec('seed', 'iptables')} -A INPUT -i bond0+ -j DROP`,
      `${exec('vpn-shoot', 'iptables')} -A FORWARD -i bond0+ -j ACCEPT`,
      `${exec('vpn-shoot', 'iptables')} -t mangle -A POSTROUTING -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu`,
      `${exec('vpn-shoot', 'iptables')} -t nat -A POSTROUTING -o eth0 -j MASQUERADE`,
    ]);
  });

  it('without HA only vpn-shoot has them, on tun0 (the seed end stands for the server, which the lab does not model)', () => {
    const commands = lines(vpn2RuleCommands(labSpec({ ...INTERACTIVE_LAB, ha: false })));
    expect(commands.filter((c) => c.includes('ovl-lab-seed'))).toEqual([]);
    expect(commands).toContain(`${exec('vpn-shoot', 'iptables')} -A FORWARD -i tun0 -j ACCEPT`);
  });

  it('a dual-stack shoot clamps and masquerades IPv6 too; FORWARD stays IPv4 only, as in vpn2', () => {
    const spec = labSpec({
      ...INTERACTIVE_LAB,
      ipFamilies: 'IPv4,IPv6',
      shootPodNetworks: '10.1.0.0/16,2a05:d018:1a2:6f00::/64',
      shootNodeNetworks: '10.250.0.0/16,2a05:d018:1a2:6f00::/64',
    });
    const ip6 = lines(vpn2RuleCommands(spec)).filter((c) => c.includes(' ip6tables '));
    expect(ip6).toEqual([
      `${exec('vpn-shoot', 'ip6tables')} -t mangle -A POSTROUTING -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu`,
      `${exec('vpn-shoot', 'ip6tables')} -t nat -A POSTROUTING -o eth0 -j MASQUERADE`,
    ]);
  });
});
