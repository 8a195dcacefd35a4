import { EXAMPLES } from '@overlap/test-support';
// Where `overlap plan` reads Clusters from: standard input, a `kind: List`, several YAML documents; and the
// "what changes" summary it prints before the rules.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

const CLI = join(import.meta.dirname, '../src/cli/overlap.ts');
const overlapping = readFileSync(join(EXAMPLES, 'cluster-ha-overlap.yaml'), 'utf8');
const apart = readFileSync(join(EXAMPLES, 'cluster-ha-no-overlap.yaml'), 'utf8');

/** As an operator pipes it: `kubectl get cluster X -o yaml | overlap plan -f -`. */
function overlapWithInput(input: string, ...args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('overlap plan inputs', () => {
  it('-f - reads one Cluster from standard input', () => {
    const run = overlapWithInput(overlapping, 'plan', '-f', '-', '-o', 'json');
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ namespace: 'shoot--dev--overlap', inject: true });
  });

  it('a kind: List (kubectl get clusters -o yaml) and a multi-document file plan each Cluster in them', () => {
    const list = stringify({ apiVersion: 'v1', kind: 'List', items: [parse(overlapping), parse(apart)] });
    const fromList = overlapWithInput(list, 'plan', '-f', '-', '-o', 'json');
    expect((JSON.parse(fromList.stdout) as Array<{ namespace: string; inject: boolean }>).map((r) => [r.namespace, r.inject])).toEqual([
      ['shoot--dev--overlap', true],
      ['shoot--dev--apart', false],
    ]);
    const documents = `${overlapping}\n---\n${apart}`;
    const text = overlapWithInput(documents, 'plan', '-f', '-');
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n---\n').map((part) => part.match(/^shoot namespace: (\S+)$/m)?.[1])).toEqual(['shoot--dev--overlap', 'shoot--dev--apart']);
  });

  it('input without a Cluster, or broken YAML: one line naming -f, exit 2', () => {
    expect(overlapWithInput('kind: ConfigMap\n', 'plan', '-f', '-')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'overlap plan: -f: "-" does not hold a Cluster (extensions.gardener.cloud/v1alpha1)\n',
    });
    const broken = overlapWithInput('kind: [\n', 'plan', '-f', '-');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^overlap plan: -f: "-" is not YAML or JSON: [^\n]+\n$/);
  });

  it('the summary comes first: containers with images, volumes, flags, objects, who applies each rule set', () => {
    const run = overlapWithInput(overlapping, 'plan', '-f', '-');
    const summary = run.stdout.slice(run.stdout.indexOf('what changes:'), run.stdout.indexOf('double NAT:'));
    expect(summary).toMatch(/\+ container envoy-proxy {2}\(.*envoy.*\)/);
    expect(summary).toMatch(/\+ container seed-vpn-agent {2}\(overlap\/seed-vpn-agent:/);
    expect(summary).toContain('+ volumes envoy-config, certs, http-proxy, egress-selection-config, ca-vpn');
    expect(summary).toContain('+ flags --egress-selector-config-file=/etc/kubernetes/egress/egress-selector-configuration.yaml');
    expect(summary).toContain('+ container shoot-vpn-agent');
    expect(summary).toContain('+ env SEED_POD_NETWORK in vpn-path-controller');
    expect(summary).toContain('ManagedResource/extension-overlap-shoot-webhooks');
    expect(summary).toContain('seed rules applied by: seed-vpn-agent, added to each kube-apiserver pod by this controller');
    expect(run.stdout.indexOf('what changes:')).toBeLessThan(run.stdout.indexOf('mappings:'));
    // The patch itself only with --patch.
    expect(run.stdout).not.toContain('"op": "add"');
    expect(run.stdout).toMatch(/kube-apiserver Deployment patch \(injected; .*\):\n {2}\d+ operations \(--patch or --output json shows them\)/);
    const nonHa = overlapWithInput('', 'plan', '--seed-pods', '10.0.0.0/12', '--shoot-pods', '10.1.0.0/16');
    expect(nonHa.stdout).toContain("seed rules applied by: Gardener's vpn-seed-server (non-HA VPN), not this project");
    expect(nonHa.stdout).toContain('kube-apiserver Deployment (seed): unchanged');
  });
});
