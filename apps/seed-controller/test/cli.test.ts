import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EXAMPLES, cluster } from '@overlap/test-support';
import { main } from '../src/cli/main.ts';
import { runOverlap, textSink } from './support/run-overlap.ts';

const CLI = join(import.meta.dirname, '../src/cli/overlap.ts');
const tmp = mkdtempSync(join(tmpdir(), 'ovl-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The command as an operator runs it: a separate Node process, its exit code, stdout and stderr. */
function overlapProcess(...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The same entry point in this process (a Node start per case would make the suite slow). */
function overlap(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = main(
    args,
    textSink((t) => (stdout += t)),
    textSink((t) => (stderr += t)),
  );
  return { code, stdout, stderr };
}

describe('the overlap bin as a process', () => {
  it('prints the plan and exits 0', () => {
    const run = overlapProcess('plan', '-f', join(EXAMPLES, 'cluster-ha-no-overlap.yaml'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('overlap: no   HA VPN: yes');
  });

  it('bad input: exit 2, one line on stderr, no stack trace', () => {
    const run = overlapProcess('plan', '--seed-pods', '10.0.0.0/33');
    expect([run.code, run.stdout, run.stderr]).toEqual([2, '', 'overlap plan: --seed-pods: "10.0.0.0/33" is not a valid CIDR\n']);
  });
});

const json = (...args: string[]) => {
  const run = overlap(...args, '--output', 'json');
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
};

describe('overlap plan', () => {
  it('text: decision, mapping table, both sides’ rules and (with --patch) the Deployment patch', () => {
    const run = overlap('plan', '-f', join(EXAMPLES, 'cluster-ha-overlap.yaml'), '--patch');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('overlap: yes   HA VPN: yes   inject Envoy + egress selector + seed agent: yes');
    expect(run.stdout).toMatch(/^ {2}nodes {5}10\.99\.14\.0\/24 {2}242\.1\.0\.0\/24$/m);
    expect(run.stdout).toContain('seed rules (iptables, kube-apiserver pod):');
    expect(run.stdout).toContain('-m owner --gid-owner 31415');
    expect(run.stdout).toContain('kube-apiserver Deployment patch (injected;');
    expect(run.stdout).toContain('"name": "envoy-proxy"');
  });

  it('json: overlap, mappings {kind, original, mapped}, seedRules, shootRules and the patch', () => {
    const report = json('plan', '-f', join(EXAMPLES, 'cluster-ha-overlap.yaml'), '--backend', 'nftables');
    expect(report.overlap).toBe(true);
    expect(report.inject).toBe(true);
    expect(report.mappings).toEqual([
      { kind: 'pods', original: '10.1.0.0/16', mapped: '244.0.0.0/16' },
      { kind: 'services', original: '10.2.0.0/16', mapped: '243.0.0.0/16' },
      { kind: 'nodes', original: '10.100.0.0/16', mapped: '242.0.0.0/16' },
      { kind: 'nodes', original: '10.99.14.0/24', mapped: '242.1.0.0/24' },
      { kind: 'nodes', original: '10.99.15.0/24', mapped: '242.1.1.0/24' },
      { kind: 'seedPods', original: '10.0.0.0/12', mapped: '241.0.0.0/12' },
    ]);
    expect(report.seedRules).toContain('table ip overlap');
    expect(report.shootRules).toContain('table ip overlap');
    expect(report.deployment.outcome).toBe('injected');
    expect(report.deployment.patch.length).toBeGreaterThan(0);
  });

  it('text: the device match per side and the routes each agent depends on, with their owners', () => {
    const run = overlap('plan', '-f', join(EXAMPLES, 'cluster-ha-overlap.yaml'));
    expect(run.stdout).toContain("data path (HA: Gardener's path and tunnel controllers own the routes; the agents add none and check them):");
    expect(run.stdout).toContain('  seed side: tunnel devices bond0+ (iptables -i/-o bond0+, nftables iifname/oifname "bond0*")');
    expect(run.stdout).toContain('    244.0.0.0/16 (pods) routed whole through bond0+: owned by vpn-path-controller, checked by the agent');
    expect(run.stdout).toContain('    241.0.0.0/12 (seedPods) some route back through bond0+: owned by tunnel-controller, checked by the agent');
    expect(run.stdout).toContain('-o bond0+');
  });

  it('json: dataPath per side; HA routes belong to Gardener, point-to-point ones to the agent', () => {
    const ha = json('plan', '-f', join(EXAMPLES, 'cluster-ha-overlap.yaml'), '--backend', 'nftables');
    expect(ha.dataPath.seed).toMatchObject({ device: 'bond0+', iptables: 'bond0+', nftables: 'bond0*' });
    expect(ha.dataPath.seed.routes).toHaveLength(5);
    expect(ha.dataPath.seed.routes[0]).toEqual({
      destination: '244.0.0.0/16',
      kind: 'pods',
      device: 'bond0+',
      owner: 'vpn-path-controller',
      installedByAgent: false,
      coverage: 'whole',
    });
    expect(ha.dataPath.shoot.routes).toEqual([
      { destination: '241.0.0.0/12', kind: 'seedPods', device: 'bond0+', owner: 'tunnel-controller', installedByAgent: false, coverage: 'some' },
    ]);
    expect(ha.shootRules).toContain('iifname "bond0*"');

    const p2p = json('plan', '--seed-pods', '10.0.0.0/12', '--shoot-pods', '10.1.0.0/16');
    expect(p2p.dataPath.shoot).toEqual({
      device: 'tun0',
      iptables: 'tun0',
      nftables: 'tun0',
      routes: [{ destination: '241.0.0.0/12', kind: 'seedPods', device: 'tun0', owner: 'shoot-vpn-agent', installedByAgent: true }],
    });
  });

  it('a shoot without overlap: no rules, an empty patch', () => {
    const report = json('plan', '-f', join(EXAMPLES, 'cluster-ha-no-overlap.yaml'));
    expect(report).toMatchObject({ overlap: false, inject: false, seedRules: '', shootRules: '', deployment: { outcome: 'unchanged', patch: [] } });
    expect(report.dataPath.seed.routes).toEqual([]);
    expect(report.dataPath.shoot.routes).toEqual([]);
  });

  it.each(['iptables', 'nftables'])("%s text at scale: each side's rules are the text the backend applies, indented, whatever the pieces", (backend) => {
    // 1500 networks: thousands of rule lines, so the text is written in several pieces.
    const pods = Array.from({ length: 1500 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`).join(',');
    const args = ['plan', '--seed-pods', '10.0.0.0/16', '--shoot-pods', pods, '--ha', '--backend', backend];
    const report = json(...args);
    const run = overlap(...args);
    const indented = (rules: string): string => `${rules.trimEnd().replace(/^/gm, '  ')}\n`;
    expect(report.shootRules.split('\n').length).toBeGreaterThan(3000);
    expect(run.stdout).toContain(`\nseed rules (${backend}, kube-apiserver pod):\n${indented(report.seedRules)}\nshoot rules (${backend}, vpn-shoot pod):\n`);
    expect(run.stdout).toContain(`\nshoot rules (${backend}, vpn-shoot pod):\n${indented(report.shootRules)}\ndata path (HA:`);
  });

  it('from flags: a non-HA shoot translates on the shoot side, the controller injects nothing', () => {
    const report = json('plan', '--seed-pods', '10.0.0.0/12', '--shoot-pods', '10.1.0.0/16', '--shoot-nodes', '10.100.0.0/16,10.99.14.0/24');
    expect(report).toMatchObject({ ha: false, overlap: true, inject: false, shootNat: true, deployment: { patch: [] } });
    expect(report.mappings.map((m: { mapped: string }) => m.mapped)).toEqual(['244.0.0.0/16', '242.0.0.0/16', '242.1.0.0/24', '241.0.0.0/12']);
  });

  it('from flags with --ha: injects into a given Deployment', () => {
    const report = json(
      'plan',
      '--seed-pods',
      '10.0.0.0/12',
      '--shoot-pods',
      '10.1.0.0/16',
      '--ha',
      '--deployment',
      join(EXAMPLES, 'kube-apiserver-deployment.yaml'),
    );
    expect(report).toMatchObject({ ha: true, inject: true, seedNat: true, deployment: { outcome: 'injected' } });
  });

  it.each([
    [['--seed-pods', '10.0.0.0/12', '--shoot-pods', '10.1.0.0/33'], 'overlap plan: --shoot-pods: "10.1.0.0/33" is not a valid CIDR'],
    [
      ['--seed-pods', '10.0.0.0/12', '--shoot-services', '243.1.0.0/16'],
      'overlap plan: --shoot-services: "243.1.0.0/16" intersects the reserved range 240.0.0.0/4',
    ],
    [['--seed-pods', '10.0.0.0/12', '--backend', 'pf'], 'overlap plan: --backend: "pf" must be one of iptables, nftables'],
    [['-f', '/nonexistent/cluster.yaml'], 'overlap plan: -f: "/nonexistent/cluster.yaml" cannot be read (ENOENT)'],
    [['--shoot-pods', '10.1.0.0/16'], 'overlap plan: --seed-pods: "" is required (or give a Cluster with -f or --cluster)'],
    [['--frobnicate'], "overlap plan: Unknown option '--frobnicate'"],
    [
      ['--seed-pods', '10.0.0.0/12', '--shoot-pods', '10.1.0.0/16', '--shoot-nodes', '10.1.128.0/17'],
      'overlap plan: --shoot-nodes: "10.1.128.0/17" overlaps 10.1.0.0/16 of --shoot-pods; shoot networks must be disjoint',
    ],
    [
      ['--seed-pods', 'fd00:10::/48', '--shoot-pods', 'fd00:10:0:1::/64', '--ha'],
      'overlap plan: --shoot-pods: "fd00:10:0:1::/64" overlaps the seed pod network fd00:10::/48; only IPv4 overlaps can be translated',
    ],
  ])('bad input %j: exit 2 and one line naming the field', (args, line) => {
    const run = overlap('plan', ...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`${line}\n`);
  });

  it('a dual-stack AWS shoot (the same IPv6 /56 as pods and nodes) is planned, its IPv4 part translated', () => {
    const v6 = '2a05:d014:a41:4300::/56';
    const run = overlap(
      'plan',
      '--seed-pods',
      '10.0.0.0/12',
      '--shoot-pods',
      `10.1.0.0/16,${v6}`,
      '--shoot-nodes',
      `10.250.0.0/16,${v6}`,
      '--ha',
      '-o',
      'json',
    );
    expect([run.code, run.stderr]).toEqual([0, '']);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ overlap: true, inject: true });
    expect(report.mappings.map((m: { original: string }) => m.original)).toEqual(['10.1.0.0/16', '10.250.0.0/16', '10.0.0.0/12']);
  });

  it('a bad Cluster names the Cluster field', () => {
    const file = join(tmp, 'bad-cluster.yaml');
    writeFileSync(file, stringify(cluster({ pods: '10.1.0.0/16', status: { pods: ['10.1.0.0/16', '10.300.0.0/16'] } })));
    const run = overlap('plan', '-f', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('overlap plan: spec.shoot.status.networking.pods[1]: "10.300.0.0/16" is not a valid CIDR\n');
  });

  it('a file that is not a Cluster', () => {
    const run = overlap('plan', '-f', join(EXAMPLES, 'kube-apiserver-deployment.yaml'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^overlap plan: -f: ".*kube-apiserver-deployment.yaml" does not hold a Cluster/);
  });
});

describe('hostile and broken input (issue 17)', () => {
  const write = (name: string, document: unknown): string => {
    const file = join(tmp, name);
    writeFileSync(file, typeof document === 'string' ? document : stringify(document));
    return file;
  };
  const deployment = (spec: unknown) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'kube-apiserver' }, spec });
  const ha = ['--seed-pods', '10.0.0.0/12', '--shoot-pods', '10.1.0.0/16', '--ha'];

  it.each([
    ['no-template.yaml', deployment({ replicas: 1 }), 'spec.template.spec is missing or not an object'],
    ['containers-string.yaml', deployment({ template: { spec: { containers: 'x' } } }), 'spec.template.spec.containers must be a list of containers'],
    ['container-number.yaml', deployment({ template: { spec: { containers: [7] } } }), 'spec.template.spec.containers[0] must be a container with a name'],
    [
      'args-string.yaml',
      deployment({ template: { spec: { containers: [{ name: 'kube-apiserver', args: '--x' }] } } }),
      'spec.template.spec.containers[0].args must be a list',
    ],
  ])('a Deployment %s: exit 2, one line naming the field', (name, document, problem) => {
    const file = write(name, document);
    const run = overlap('plan', ...ha, '--deployment', file);
    expect([run.code, run.stdout, run.stderr]).toEqual([2, '', `overlap plan: --deployment: ${JSON.stringify(file)} ${problem}\n`]);
  });

  it('a Deployment without the kube-apiserver container: exit 2 with the injection error', () => {
    const file = write('no-apiserver.yaml', deployment({ template: { spec: { containers: [{ name: 'other' }] } } }));
    const run = overlap('plan', ...ha, '--deployment', file);
    expect([run.code, run.stderr]).toEqual([2, 'overlap plan: spec.template.spec.containers: has no container named kube-apiserver\n']);
  });

  it('-f /dev/zero is refused at the size limit instead of never returning', () => {
    const run = overlap('plan', '-f', '/dev/zero');
    expect([run.code, run.stderr]).toEqual([2, 'overlap plan: -f: "/dev/zero" is larger than 4 MiB\n']);
  });

  it('1,000,000 networks: one short line, no stack overflow', () => {
    const many = Array.from({ length: 1_000_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.0/24`).join(',');
    const run = overlap('plan', '--seed-pods', '10.0.0.0/12', '--shoot-pods', many);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^overlap plan: --shoot-pods: ".*" has 1000000 entries; at most 65536 are accepted\n$/);
    expect(run.stderr.length).toBeLessThan(300);
  });

  it('networks that do not fit together: the error line stays short', () => {
    const list = Array.from({ length: 255 }, (_, i) => `${10 + (i >> 8)}.${i & 255}.0.0/16`).join(',');
    const run = overlap('plan', '--seed-pods', '10.0.0.0/8', '--shoot-pods', `${list},11.0.0.0/15`, '--ha');
    expect(run.code).toBe(2);
    expect(run.stderr.length).toBeLessThan(300);
  });

  it.each([
    [
      'networking: "abc"',
      (c: Json) => (((c.spec as Json).shoot as Json).spec = { ...(((c.spec as Json).shoot as Json).spec as Json), networking: 'abc' }),
      'spec.shoot.spec.networking: "\\"abc\\"" must be an object',
    ],
    ['spec.seed.spec: 7', (c: Json) => (((c.spec as Json).seed as Json).spec = 7), 'spec.seed.spec: "7" must be an object'],
    [
      'highAvailability: false',
      (c: Json) => ((((c.spec as Json).shoot as Json).spec as Json).controlPlane = { highAvailability: false }),
      'spec.shoot.spec.controlPlane.highAvailability: "false" must be an object (failureTolerance)',
    ],
  ])('a Cluster with %s: exit 2 and one line naming the field', (_, edit, line) => {
    const document = cluster({ pods: '10.1.0.0/16' }) as unknown as Json;
    edit(document);
    const run = overlap('plan', '-f', write('wrong-type.yaml', document));
    expect([run.code, run.stdout, run.stderr]).toEqual([2, '', `overlap plan: ${line}\n`]);
  });
});

type Json = Record<string, unknown>;

describe('overlap dev-cert', () => {
  it.each([
    ['/dev/null/certs', 'ENOTDIR'],
    ['/dev/null', 'EEXIST'],
  ])('--out %s: exit 2, one line', async (out, code) => {
    const run = await runOverlap('dev-cert', '--out', out);
    expect([run.code, run.stderr]).toEqual([2, `overlap dev-cert: --out: ${JSON.stringify(out)} cannot be written (${code})\n`]);
  });

  it('writes a CA and a serving certificate for the webhook Service, and prints the caBundle', async () => {
    const out = join(tmp, 'certs');
    const run = await runOverlap('dev-cert', '--out', out, '--service', 'overlap-seed-controller', '--namespace', 'garden');
    expect(run.code).toBe(0);
    const ca = new X509Certificate(readFileSync(join(out, 'ca.crt')));
    const serving = new X509Certificate(readFileSync(join(out, 'tls.crt')));
    expect(serving.checkIssued(ca)).toBe(true);
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(ca.ca).toBe(true);
    expect(serving.subjectAltName).toContain('DNS:overlap-seed-controller.garden.svc');
    expect(run.stdout.trim().split('\n').at(-1)).toBe(readFileSync(join(out, 'ca.crt')).toString('base64'));
  });
});

describe('overlap plan: the shoot side', () => {
  it('lists the ManagedResource, its Secret and the webhook configuration it carries among the objects', () => {
    const report = json('plan', '-f', join(EXAMPLES, 'cluster-ha-overlap.yaml'));
    const refs = report.objects.map((o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`);
    expect(refs).toEqual(
      expect.arrayContaining([
        'ManagedResource/extension-overlap-shoot-webhooks',
        expect.stringMatching(/^Secret\/extension-overlap-shoot-webhooks-[0-9a-f]{8}$/),
        'MutatingWebhookConfiguration/overlap-vpn-shoot',
        // Gardener's shoot monitoring for the shoot's own Prometheus and Plutono.
        'PodMonitor/overlap-kube-apiserver-sidecars',
        'ScrapeConfig/overlap-shoot-vpn-agent',
        'PrometheusRule/overlap',
        expect.stringMatching(/^ConfigMap\/overlap-dashboard-[0-9a-f]{8}$/),
      ]),
    );
  });

  it('shows the patch for the example vpn-shoot as vpnShoot.patch: the agent and the marker', () => {
    const report = json('plan', '-f', join(EXAMPLES, 'cluster-ha-overlap.yaml'));
    expect(report.vpnShoot.outcome).toBe('injected');
    expect(report.vpnShoot.source).toBe(join(EXAMPLES, 'vpn-shoot-statefulset.yaml'));
    expect(report.vpnShoot.patch.map((op: { op: string; path: string }) => `${op.op} ${op.path}`)).toEqual([
      'add /spec/template/spec/containers/3',
      'add /spec/template/metadata/annotations',
    ]);
    expect(report.vpnShoot.patch[0].value.name).toBe('shoot-vpn-agent');
  });

  it('with --webhook-ca the webhook carries that CA; with --vpn-shoot another manifest is patched', () => {
    const ca = join(tmp, 'ca.crt');
    writeFileSync(ca, 'PEM\n');
    const recent = join(tmp, 'vpn-shoot-recent.yaml');
    writeFileSync(recent, readFileSync(join(EXAMPLES, 'vpn-shoot-statefulset.yaml'), 'utf8').replaceAll(':0.38.0', ':0.45.0'));
    const report = json('plan', '-f', join(EXAMPLES, 'cluster-ha-overlap.yaml'), '--webhook-ca', ca, '--vpn-shoot', recent);
    const webhooks = report.objects.find((o: { kind: string }) => o.kind === 'MutatingWebhookConfiguration');
    expect(Buffer.from(webhooks.webhooks[0].clientConfig.caBundle, 'base64').toString('utf8')).toBe('PEM\n');
    expect(report.vpnShoot).toMatchObject({ source: recent, outcome: 'translates_itself', patch: [] });
  });

  it('a shoot without overlap gets no ManagedResource, so no webhook touches vpn-shoot', () => {
    const report = json('plan', '-f', join(EXAMPLES, 'cluster-ha-no-overlap.yaml'));
    expect(report.objects).toEqual([]);
    expect(report.vpnShoot).toMatchObject({ outcome: 'not_called', patch: [] });
  });

  it('--vpn-shoot that holds no workload names the flag', () => {
    const run = overlap('plan', '-f', join(EXAMPLES, 'cluster-ha-overlap.yaml'), '--vpn-shoot', join(EXAMPLES, 'cluster-ha-overlap.yaml'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^overlap plan: --vpn-shoot: ".*cluster-ha-overlap.yaml" does not hold a StatefulSet or Deployment\n$/);
  });
});
