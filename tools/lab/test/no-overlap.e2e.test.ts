import { describe, expect, it } from 'vitest';
import { metricValue, NEEDS_ROOT, isRoot } from '@overlap/test-support';
import { agentMetrics, request, throwawayLab, unmappedAddresses } from '../src/index.ts';
import { captureTunnel, labForSuite, ownedRules, requestFlows } from './support/lab-fixture.ts';

// An HA shoot whose networks do not touch the seed pod network 10.1.0.0/16.
const options = throwawayLab('e2e', { shootPodNetworks: '100.96.0.0/16', shootServiceNetworks: '100.64.0.0/16' });

describe.skipIf(!isRoot)(`the lab without overlap: HA, so neither agent translates (${NEEDS_ROOT})`, () => {
  const suiteLab = labForSuite(options);

  it('both agents decide against translation and install no rules', async () => {
    const lab = suiteLab();
    expect(lab.spec.translates).toEqual({ seed: false, shoot: false });
    for (const role of ['seed', 'shoot'] as const) {
      const metrics = await agentMetrics(lab, role);
      expect(metricValue(metrics, 'overlap_nat_expected')).toBe(0);
      expect(metricValue(metrics, 'overlap_nat_rules_installed')).toBe(0);
      expect(metricValue(metrics, 'overlap_syncs_total', { result: 'success' })).toBeGreaterThan(0);
      const rules = await ownedRules(role === 'seed' ? lab.spec.namespaces.seed : lab.spec.namespaces.shoot);
      expect([...rules.iptables, ...rules.nftables].filter((line) => line.includes('overlap'))).toEqual([]);
    }
  });

  it("traffic crosses the tunnel untranslated; in the shoot vpn2's own MASQUERADE shows vpn-shoot's address", async () => {
    const lab = suiteLab();
    const vpnShoot = lab.spec.addresses.vpnShoot;
    const { result, summary } = await captureTunnel(lab, () => Promise.all(lab.spec.targets.map((t) => request(lab, t, 'direct'))));
    expect(result.map((a) => `${a.status} ${a.text}`)).toEqual([
      `200 shoot pod answered on 100.96.5.20:8080 to ${vpnShoot}`,
      `200 shoot pod answered on 100.96.5.20:8080 to ${vpnShoot}`,
      `200 shoot node answered on 10.250.0.5:10250 to ${vpnShoot}`,
    ]);
    expect(
      requestFlows(summary)
        .map((f) => `${f.client} ${f.server}:${f.port}`)
        .sort(),
    ).toEqual(['10.1.0.10 10.250.0.5:10250', '10.1.0.10 100.64.0.10:80', '10.1.0.10 100.96.5.20:8080']);
    expect(unmappedAddresses(summary)).toEqual(summary.addresses);
  });
});
