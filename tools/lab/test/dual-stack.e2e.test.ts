import { describe, expect, it } from 'vitest';
import { metricValue, NEEDS_ROOT, isRoot } from '@overlap/test-support';
import { agentMetrics, agentUrl, attempt, inNetns, request, run, stopAgent, throwawayLab, unmappedAddresses } from '../src/index.ts';
import { captureTunnel, labForSuite, ownedRules } from './support/lab-fixture.ts';

// A dual-stack shoot as AWS reports it: the same IPv6 range for pods and nodes. The seed stays IPv4.
const IPV6_RANGE = '2a05:d018:1a2:6f00::/64';

/** Every IPv6 rule the agents could own in a namespace: ip6tables' OVERLAP chains and nft's `table ip6 overlap`. */
async function ownedIPv6Rules(netns: string): Promise<string[]> {
  const save = await run(inNetns(netns, ['ip6tables-save']));
  let table = '';
  const iptables = save.split('\n').flatMap((line) => {
    if (line.startsWith('*')) table = line.slice(1);
    return line.includes('OVERLAP') && !line.startsWith('#') ? [`${table}: ${line}`] : [];
  });
  const nft = await attempt(inNetns(netns, ['nft', 'list', 'table', 'ip6', 'overlap']));
  return [
    ...iptables,
    ...(nft.ok
      ? nft.stdout
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line.includes('comment'))
      : []),
  ];
}

describe.skipIf(!isRoot).each(['nftables', 'iptables'] as const)(
  `the dual-stack lab: IPv6 on the shoot's pod and node side, IPv4 translated, backend %s (${NEEDS_ROOT})`,
  (backend) => {
    const suiteLab = labForSuite(
      throwawayLab('e2e', {
        backend,
        ipFamilies: 'IPv4,IPv6',
        shootPodNetworks: `10.1.0.0/16,${IPV6_RANGE}`,
        shootNodeNetworks: `10.250.0.0/16,${IPV6_RANGE}`,
      }),
    );

    it('both agents accept the shared IPv6 range: ready, translating, nothing untranslatable; the shoot agent runs dual-stack', async () => {
      const lab = suiteLab();
      for (const role of ['seed', 'shoot'] as const) {
        const ns = role === 'seed' ? lab.spec.namespaces.seed : lab.spec.namespaces.shoot;
        expect((await attempt(inNetns(ns, ['curl', '-sf', '--max-time', '2', agentUrl(lab.spec, role, '/readyz')]))).ok).toBe(true);
        const metrics = await agentMetrics(lab, role);
        expect(metricValue(metrics, 'overlap_nat_active')).toBe(1);
        expect(metricValue(metrics, 'overlap_nat_untranslatable')).toBe(0);
      }
      const environ = await run(['cat', `/proc/${lab.state.daemons['shoot-vpn-agent']!.pid}/environ`]);
      expect(environ.split('\0')).toEqual(expect.arrayContaining(['IP_FAMILIES=IPv4,IPv6', `SHOOT_NODE_NETWORKS=10.250.0.0/16,${IPV6_RANGE}`]));
    });

    it('IPv4 is translated: pod, service and node answer through the proxy, only 241–244/8 cross the tunnel', async () => {
      const lab = suiteLab();
      const { result, summary: all } = await captureTunnel(lab, () => Promise.all(lab.spec.targets.map((t) => request(lab, t, 'proxy'))));
      expect(result.map((a) => `${a.status} ${a.text}`)).toEqual([
        '200 shoot pod answered on 10.1.5.20:8080 to 10.1.7.7',
        '200 shoot pod answered on 10.1.5.20:8080 to 10.1.7.7',
        '200 shoot node answered on 10.250.0.5:10250 to 10.1.7.7',
      ]);
      expect(all.packets).toBeGreaterThan(0);
      expect(unmappedAddresses(all)).toEqual([]);
    });

    it('the IPv6 side is real and untranslated: vpn-shoot reaches the pod and the node by their IPv6 addresses', async () => {
      const lab = suiteLab();
      const v6 = lab.spec.addresses.ipv6!;
      for (const address of [v6.shootPod, v6.node]) {
        await run(inNetns(lab.spec.namespaces.shoot, ['ping', '-6', '-n', '-q', '-c', '1', '-W', '2', '-I', v6.vpnShoot, address]));
      }
    });

    it('the shoot agent clamps the MSS in IPv6 too (mangle POSTROUTING, SYN); IPv6 has nothing else, the seed nothing at all', async () => {
      const lab = suiteLab();
      const shoot6 = await ownedIPv6Rules(lab.spec.namespaces.shoot);
      expect(shoot6).toHaveLength(backend === 'iptables' ? 3 : 1);
      const clamp = shoot6.find((line) => /clamp-mss-to-pmtu|maxseg size set rt mtu/.test(line));
      expect(clamp).toBeDefined();
      if (backend === 'iptables') {
        expect(shoot6).toContain('mangle: -A POSTROUTING -j OVERLAP-POSTROUTING');
        expect(clamp).toMatch(/^mangle: -A OVERLAP-POSTROUTING -p tcp .*--tcp-flags (SYN,RST SYN|FIN,SYN,RST,ACK SYN)/);
      } else {
        expect(clamp).toMatch(/tcp flags .*syn/);
      }
      expect(shoot6.join('\n')).not.toMatch(/NETMAP|SNAT|DNAT|MASQUERADE|snat|dnat|masquerade/);
      const shoot4 = await ownedRules(lab.spec.namespaces.shoot);
      expect([...shoot4.iptables, ...shoot4.nftables].some((line) => /clamp-mss-to-pmtu|maxseg size set rt mtu/.test(line))).toBe(true);
      expect(await ownedIPv6Rules(lab.spec.namespaces.seed)).toEqual([]);
    });

    it('stopped, the shoot agent takes its IPv6 rules with it', async () => {
      const lab = suiteLab();
      await stopAgent(lab, 'shoot');
      expect(await ownedIPv6Rules(lab.spec.namespaces.shoot)).toEqual([]);
    });
  },
);
