import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, waitFor, NEEDS_ROOT, isRoot } from '@overlap/test-support';
import {
  ENVOY_GID,
  type Lab,
  VPN_SHOOT_POD,
  containerEnv,
  labOverrides,
  webhookShootAgent,
  agentMetrics,
  issueLabPki,
  bothAgentsScraped,
  prometheusQuery,
  buildAgents,
  down,
  existingNamespaces,
  isRunning,
  namespaceList,
  natCounters,
  reconfigure,
  request,
  restartAgent,
  run,
  inNetns,
  stopAgent,
  unmappedAddresses,
  up,
  throwawayLab,
} from '../src/index.ts';
import { HeldConnection, captureTunnel, duplicates, foreignRules, ownedRules, requestFlows } from './support/lab-fixture.ts';
import { existsSync, readFileSync } from 'node:fs';

// The agents' two backends, each in a lab of its own.
describe.skipIf(!isRoot).each(['nftables', 'iptables'] as const)(
  `the lab with overlapping networks, real agents and double NAT, backend %s (${NEEDS_ROOT})`,
  (backend) => {
    const options = throwawayLab('e2e', { backend });
    let lab: Lab;
    let vpn2Rules: { seed: string[]; shoot: string[] };
    const sync = options.syncPeriodSeconds * 1000;

    beforeAll(async () => {
      await buildAgents();
      lab = await up(options);
      vpn2Rules = { seed: await foreignRules(lab.spec.namespaces.seed), shoot: await foreignRules(lab.spec.namespaces.shoot) };
    });
    afterAll(async () => {
      await down(options);
    });

    const target = (kind: string, address?: string) => {
      const found = lab.spec.targets.find((t) => t.kind === kind && (address === undefined || t.address === address));
      if (!found) throw new Error(`no ${kind} target ${address ?? ''}`);
      return found;
    };

    it('reaches the shoot pod, service and node through the proxy; only 241–244/8 cross the tunnel; direct fails', async () => {
      const info = (await agentMetrics(lab, 'seed')).find((sample) => sample.name === 'overlap_agent_info');
      expect(info?.labels['backend']).toBe(backend);
      const { result, summary } = await captureTunnel(lab, () => Promise.all(lab.spec.targets.map((t) => request(lab, t, 'proxy'))));
      expect(result.map((a) => `${a.status} ${a.text}`)).toEqual([
        '200 shoot pod answered on 10.1.5.20:8080 to 10.1.7.7',
        '200 shoot pod answered on 10.1.5.20:8080 to 10.1.7.7',
        '200 shoot node answered on 10.250.0.5:10250 to 10.1.7.7',
      ]);
      expect(
        requestFlows(summary)
          .map((f) => `${f.client} ${f.server}:${f.port}`)
          .sort(),
      ).toEqual(['241.1.0.10 242.0.0.5:10250', '241.1.0.10 243.0.0.10:80', '241.1.0.10 244.0.5.20:8080']);
      expect(unmappedAddresses(summary)).toEqual([]);
      const direct = await request(lab, target('pods'), 'direct', 3);
      expect(direct.ok).toBe(false);
    });

    it("the shoot agent that translated runs with exactly the env of the container the shoot webhook adds to the lab's vpn-shoot", () => {
      const environ = readFileSync(`/proc/${lab.state.daemons['shoot-vpn-agent']!.pid}/environ`, 'utf8')
        .split('\0')
        .filter((e) => e !== '');
      const running = Object.fromEntries(environ.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]).filter(([name]) => name !== 'PATH'));
      const { container } = webhookShootAgent(lab.spec);
      expect(running).toEqual({ ...containerEnv(container!, { ...VPN_SHOOT_POD, ip: lab.spec.addresses.vpnShoot }), ...labOverrides(lab.spec) });
    });

    it("Envoy's place speaks mutual TLS with the issued certificates: no client certificate, or another shoot's, is refused; only tinyproxy carries gid 31415", async () => {
      const pod = target('pods');
      expect((await request(lab, pod, 'proxy')).ok).toBe(true);
      // The refusal is stunnel's (Envoy's place) at the handshake, as its log says; curl sees an alert or a reset.
      const tlsLog = () => readFileSync(lab.state.daemons['tls-proxy']!.log, 'utf8');
      const logged = tlsLog().length;
      const without = await request(lab, pod, 'proxy', 5, 'none');
      expect(without.ok).toBe(false);
      expect(without.status).toBeUndefined();
      await waitFor(
        'stunnel to log the refusal',
        async () => (tlsLog().slice(logged).includes('peer did not return a certificate') ? true : undefined),
        5_000,
        100,
      );
      const otherShoot = await issueLabPki(lab.spec, 'shoot--other--shoot', 'pki-other-shoot');
      const foreign = await request(lab, pod, 'proxy', 5, otherShoot);
      expect(foreign.ok).toBe(false);
      expect(foreign.status).toBeUndefined();
      await waitFor(
        "stunnel to reject the other shoot's certificate",
        async () => (/Rejected by CERT|certificate verify failed|unable to get local issuer/.test(tlsLog().slice(logged)) ? true : undefined),
        5_000,
        100,
      );
      const gid = (name: string) => readFileSync(`/proc/${lab.state.daemons[name]!.pid}/status`, 'utf8').match(/^Gid:\s+(\d+)/m)?.[1];
      expect(gid('connect-proxy')).toBe(String(ENVOY_GID));
      expect(gid('tls-proxy')).not.toBe(String(ENVOY_GID));
    });

    it("Prometheus, configured from the controller's PodMonitor and ScrapeConfig, scrapes both agents, the shoot agent through the kube-apiserver pod proxy across the double NAT", async () => {
      const targets = await bothAgentsScraped(lab);
      expect(targets.map((t) => `${t.job} ${t.pod} ${t.url} ${t.health}`).sort()).toEqual([
        'overlap-vpn-agent kube-apiserver-0 10.1.0.10:9150 up',
        'overlap-vpn-agent vpn-shoot-0 kube-apiserver:443 up',
      ]);
      const active = await prometheusQuery(lab, 'overlap_nat_active');
      expect(active.map((r) => `${r.metric['pod']} ${r.metric['namespace']} ${r.metric['role']} ${r.value[1]}`).sort()).toEqual([
        'kube-apiserver-0 shoot--lab--overlap seed 1',
        'vpn-shoot-0 shoot--lab--overlap shoot 1',
      ]);
      // The objects' metric relabelings keep only what the alerts and dashboards use.
      expect(await prometheusQuery(lab, 'process_cpu_seconds_total')).toEqual([]);
      // The shoot agent listens on its pod IP only; vpn-shoot saw its scrapes come from the mapped kube-apiserver pod.
      const scrapes = await run(inNetns(lab.spec.namespaces.shoot, ['conntrack', '-L', '-p', 'tcp', '--orig-port-dst', '9151']));
      expect(scrapes).toMatch(/src=241\.1\.0\.10 dst=244\.0\.7\.7 .*dport=9151/);
    });

    it('Prometheus scraped both agents and the per-mapping counters rose with the traffic', async () => {
      const packets = async (role: string, kind: string, direction: string) =>
        (await natCounters(lab)).filter((c) => c.role === role && c.kind === kind && c.direction === direction).reduce((s, c) => s + c.packets, 0);
      const before = { seed: await packets('seed', 'pods', 'forward'), shoot: await packets('shoot', 'pods', 'reverse') };
      for (let i = 0; i < 3; i += 1) expect((await request(lab, target('pods'), 'proxy')).ok).toBe(true);
      await waitFor(
        'Prometheus to show the new connections on both sides',
        async () =>
          (await packets('seed', 'pods', 'forward')) >= before.seed + 3 && (await packets('shoot', 'pods', 'reverse')) >= before.shoot + 3 ? true : undefined,
        30_000,
        500,
      );
    });

    it('repairs drift: rules flushed from outside come back within a sync period and the drift metric counts it', async () => {
      const drifts = async () => metricValue(await agentMetrics(lab, 'seed'), 'overlap_drift_repairs_total');
      const before = await drifts();
      const owned = await ownedRules(lab.spec.namespaces.seed);
      if (owned.nftables.length > 0) await run(inNetns(lab.spec.namespaces.seed, ['nft', 'flush', 'table', 'ip', 'overlap']));
      for (const chain of ['OVERLAP-OUTPUT', 'OVERLAP-POSTROUTING', 'OVERLAP-PREROUTING']) {
        if (owned.iptables.some((line) => line.startsWith(`nat: -A ${chain} `)))
          await run(inNetns(lab.spec.namespaces.seed, ['iptables', '-w', '-t', 'nat', '-F', chain]));
      }
      expect(await ownedRules(lab.spec.namespaces.seed)).not.toEqual(owned);
      await waitFor('the seed agent to repair the drift', async () => ((await drifts()) > before ? true : undefined), 5 * sync + 5_000, 100);
      expect(await ownedRules(lab.spec.namespaces.seed)).toEqual(owned);
      expect((await request(lab, target('pods'), 'proxy')).status).toBe(200);
    });

    it('survives agent restarts (a crash and a graceful one): no duplicate rules, an open connection keeps working', async () => {
      const held = await HeldConnection.open(lab, '10.1.5.20:8080');
      try {
        expect(await held.ask()).toBe('200 shoot pod answered on 10.1.5.20:8080 to 10.1.7.7');
        const rulesBefore = { seed: await ownedRules(lab.spec.namespaces.seed), shoot: await ownedRules(lab.spec.namespaces.shoot) };
        lab = await restartAgent(lab, 'seed', 'SIGKILL');
        lab = await restartAgent(lab, 'shoot', 'SIGTERM');
        expect(await held.ask()).toBe('200 shoot pod answered on 10.1.5.20:8080 to 10.1.7.7');
        for (const role of ['seed', 'shoot'] as const) {
          const rules = await ownedRules(role === 'seed' ? lab.spec.namespaces.seed : lab.spec.namespaces.shoot);
          expect(duplicates([...rules.iptables, ...rules.nftables])).toEqual([]);
          expect(rules).toEqual(rulesBefore[role]);
          const metrics = await agentMetrics(lab, role);
          expect(metricValue(metrics, 'overlap_nat_rules_installed')).toBe(metricValue(metrics, 'overlap_nat_rules_desired'));
        }
        expect((await request(lab, target('pods'), 'proxy')).status).toBe(200);
      } finally {
        held.close();
      }
    });

    it('follows a configuration change: a node network added gets a working mapping and the stale rules are removed', async () => {
      const staleBefore = metricValue(await agentMetrics(lab, 'seed'), 'overlap_stale_rules_removed_total');
      // The new /16 sorts first, so 10.250.0.0/16 moves from 242.0.0.0/16 to 242.1.0.0/16: its old rules become stale.
      lab = await reconfigure(lab, { ...lab.spec.options, shootNodeNetworks: '10.249.0.0/16,10.250.0.0/16' });
      expect(lab.spec.mappings.filter((m) => m.kind === 'nodes').map((m) => `${m.original.text} ${m.mapped.text}`)).toEqual([
        '10.249.0.0/16 242.0.0.0/16',
        '10.250.0.0/16 242.1.0.0/16',
      ]);
      const { result, summary } = await captureTunnel(lab, async () => [
        await request(lab, target('nodes', '10.249.0.5'), 'proxy'),
        await request(lab, target('nodes', '10.250.0.5'), 'proxy'),
      ]);
      expect(result.map((a) => `${a.status} ${a.text}`)).toEqual([
        '200 shoot node answered on 10.249.0.5:10250 to 10.1.7.7',
        '200 shoot node answered on 10.250.0.5:10250 to 10.1.7.7',
      ]);
      expect(requestFlows(summary).map((f) => f.server)).toEqual(['242.0.0.5', '242.1.0.5']);
      expect(metricValue(await agentMetrics(lab, 'seed'), 'overlap_stale_rules_removed_total')).toBeGreaterThan(staleBefore);
      for (const ns of [lab.spec.namespaces.seed, lab.spec.namespaces.shoot]) {
        const rules = await ownedRules(ns);
        expect([...rules.iptables, ...rules.nftables].filter((line) => line.includes('overlap nodes 10.250.0.0/16 242.0.0.0/16'))).toEqual([]);
        expect([...rules.iptables, ...rules.nftables].some((line) => line.includes('overlap nodes 10.250.0.0/16 242.1.0.0/16'))).toBe(true);
      }
    });

    it("tears down without leaving anything: the agents remove their rules and only theirs (vpn2's stay), down removes namespaces, processes and files", async () => {
      await stopAgent(lab, 'seed');
      await stopAgent(lab, 'shoot');
      for (const ns of [lab.spec.namespaces.seed, lab.spec.namespaces.shoot]) expect(await ownedRules(ns)).toEqual({ iptables: [], nftables: [] });
      // vpn2's own rules, in the same tables and built-in chains as the agents' jumps, are all still there.
      expect(vpn2Rules.shoot.some((line) => line.startsWith('nat: ') && line.includes('-j MASQUERADE'))).toBe(true);
      expect(vpn2Rules.seed.some((line) => line.includes('-j DROP'))).toBe(true);
      expect({ seed: await foreignRules(lab.spec.namespaces.seed), shoot: await foreignRules(lab.spec.namespaces.shoot) }).toEqual(vpn2Rules);
      const records = Object.values(lab.state.daemons);
      await down(options);
      const present = await existingNamespaces();
      expect(namespaceList(lab.spec).filter((name) => present.has(name))).toEqual([]);
      expect(records.filter((record) => isRunning(record)).map((r) => r.name)).toEqual([]);
      expect(existsSync(options.runDir)).toBe(false);
      expect((await run(['iptables-save'])).includes('OVERLAP')).toBe(false);
      expect((await run(['nft', 'list', 'tables'])).includes('table ip overlap')).toBe(false);
    });
  },
);
