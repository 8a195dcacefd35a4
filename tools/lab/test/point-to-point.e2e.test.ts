import { describe, expect, it } from 'vitest';
import { captureWhile, listRoutes, request, throwawayLab, unmappedAddresses } from '../src/index.ts';
import { NEEDS_ROOT, isRoot } from '@overlap/test-support';
import { labForSuite } from './support/lab-fixture.ts';

// The non-HA shape: one point-to-point tun0, no path or tunnel controller, so the agents own the routes.
const options = throwawayLab('e2e', { ha: false });

describe.skipIf(!isRoot)(`the point-to-point lab: non-HA, the agents route through tun0 (${NEEDS_ROOT})`, () => {
  const suiteLab = labForSuite(options);

  it('the agents own the routes of the mapped networks through tun0, both ways', async () => {
    const lab = suiteLab();
    const owned = async (ns: string) =>
      (await listRoutes(ns))
        .filter((r) => r.byAgent)
        .map((r) => `${r.destination.text} dev ${r.device}`)
        .sort();
    expect(await owned(lab.spec.namespaces.seed)).toEqual(['242.0.0.0/16 dev tun0', '243.0.0.0/16 dev tun0', '244.0.0.0/16 dev tun0']);
    expect(await owned(lab.spec.namespaces.shoot)).toEqual(['241.1.0.0/16 dev tun0']);
  });

  it('reaches the shoot through the proxy and the double NAT; only mapped addresses cross tun0', async () => {
    const lab = suiteLab();
    const { result, summary } = await captureWhile(lab.spec.namespaces.seed, 'tun0', () => Promise.all(lab.spec.targets.map((t) => request(lab, t, 'proxy'))));
    expect(result.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(summary.packets).toBeGreaterThan(0);
    expect(unmappedAddresses(summary)).toEqual([]);
  });
});
