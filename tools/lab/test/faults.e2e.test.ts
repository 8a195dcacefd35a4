import { describe, expect, it } from 'vitest';
import { metricValue, waitFor, NEEDS_ROOT, isRoot } from '@overlap/test-support';
import {
  PORTS,
  agentMetrics,
  captureOnEach,
  devicesThatCarried,
  failPath,
  holdXtablesLock,
  inNetns,
  processesIn,
  request,
  restorePath,
  run,
  seedRouteDevice,
  startAgent,
  stopAgent,
  throwawayLab,
  waitForAllPaths,
} from '../src/index.ts';
import { duplicates, labForSuite, ownedRules } from './support/lab-fixture.ts';

// Faults while the agents work (issue 17), on the HA lab whose agents run legacy iptables: the xtables lock exists
// only there, and the lab gives it a lock file of its own.
const options = throwawayLab('e2e', { backend: 'iptables', legacyIptables: true });
const LEGACY_SAVE = 'iptables-legacy-save';
const POD = '244.0.5.20';

describe.skipIf(!isRoot)(`faults: a held xtables lock during a path switch, an agent killed mid-apply (${NEEDS_ROOT})`, () => {
  const suiteLab = labForSuite(options);
  const seedRules = () => ownedRules(suiteLab().spec.namespaces.seed, LEGACY_SAVE);
  const readyz = async () =>
    (
      await run(
        inNetns(suiteLab().spec.namespaces.seed, ['curl', '-sS', '--max-time', '2', '-w', ' %{http_code}', `http://127.0.0.1:${PORTS.seedAgent}/readyz`]),
      )
    ).trim();
  /** Drift the agent must repair with an apply: its OUTPUT chain emptied (with the host's default lock, not the lab's). */
  const drift = () => run(inNetns(suiteLab().spec.namespaces.seed, ['iptables-legacy', '-w', '5', '-t', 'nat', '-F', 'OVERLAP-OUTPUT']));

  /** Converged: the rules as before, none twice, ready, no iptables program left running, the proxy's request answered. */
  async function converged(before: Awaited<ReturnType<typeof seedRules>>): Promise<void> {
    const lab = suiteLab();
    await waitFor(
      'the seed agent to converge',
      async () => {
        const now = await seedRules();
        return JSON.stringify(now) === JSON.stringify(before) && (await readyz()).endsWith(' 200') ? true : undefined;
      },
      30_000,
      250,
    );
    expect(duplicates((await seedRules()).iptables)).toEqual([]);
    await waitFor(
      'no iptables program left in the kube-apiserver pod',
      async () => ((await processesIn(lab.spec.namespaces.seed, 'iptables')).length === 0 ? true : undefined),
      10_000,
      200,
    );
    const metrics = await agentMetrics(lab, 'seed');
    expect(metricValue(metrics, 'overlap_nat_rules_installed')).toBe(metricValue(metrics, 'overlap_nat_rules_desired'));
    expect((await request(lab, lab.spec.targets[0]!, 'proxy')).status).toBe(200);
  }

  it('the lock held while the path switches: syncs fail visibly, nothing hangs; once free, the rules converge and traffic takes the new path', async () => {
    const lab = suiteLab();
    const before = await seedRules();
    expect(before.iptables.length).toBeGreaterThan(0);
    const agentPid = lab.state.daemons['seed-vpn-agent']!.pid;
    const failures = async () => metricValue(await agentMetrics(lab, 'seed'), 'overlap_syncs_total', { result: 'failure' });
    const failedBefore = await failures();
    const active = await seedRouteDevice(lab, POD);
    const path = lab.spec.paths.find((p) => p.seedDevice === active)!;
    const release = await holdXtablesLock(lab.spec);
    try {
      await drift();
      failPath(lab, path);
      await waitFor('the path controller to switch paths', async () => ((await seedRouteDevice(lab, POD)) !== active ? true : undefined), 15_000, 200);
      await waitFor('the seed agent to report failed syncs', async () => ((await failures()) > failedBefore ? true : undefined), 20_000, 250);
      expect(await readyz()).toMatch(/xtables lock.* 503$|lock.* 503$/s);
    } finally {
      await release();
      restorePath(lab, path);
    }
    await converged(before);
    expect(lab.state.daemons['seed-vpn-agent']!.pid).toBe(agentPid);
    const { summaries } = await captureOnEach(lab.spec.namespaces.seed, lab.spec.tunnelDevices.seed, () => request(lab, lab.spec.targets[0]!, 'proxy'));
    expect(devicesThatCarried(summaries, POD)).toEqual([(await seedRouteDevice(lab, POD))!]);
    expect(await seedRouteDevice(lab, POD)).not.toBe(active);
    await waitForAllPaths(lab);
  });

  it('the agent killed mid-apply (its iptables-restore waiting on the lock): a new agent converges with nothing left over', async () => {
    let lab = suiteLab();
    const before = await seedRules();
    const release = await holdXtablesLock(lab.spec);
    try {
      await drift();
      await waitFor(
        "the seed agent's apply to be under way",
        async () => ((await processesIn(lab.spec.namespaces.seed, 'iptables-legacy-restore')).length > 0 ? true : undefined),
        20_000,
        50,
      );
      await stopAgent(lab, 'seed', 'SIGKILL');
    } finally {
      await release();
    }
    lab = await startAgent(lab, 'seed');
    await converged(before);
  });
});
