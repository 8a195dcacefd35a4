import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPatch } from 'rfc6902';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXAMPLES, sampleDeployment } from '@overlap/test-support';
import { main } from '../src/cli/main.ts';
import { mountedRefs } from '../src/owned/mounts.ts';
import { textSink } from './support/run-overlap.ts';

const clusterExamples = readdirSync(EXAMPLES).filter((file) => parse(readFileSync(join(EXAMPLES, file), 'utf8'))?.kind === 'Cluster');

function planJson(file: string) {
  let stdout = '';
  const sink = textSink((t) => (stdout += t));
  expect(main(['plan', '-f', join(EXAMPLES, file), '--output', 'json'], sink, sink)).toBe(0);
  return JSON.parse(stdout);
}

describe('overlap plan: objects', () => {
  it('covers examples with and without an injection', () => {
    expect(clusterExamples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(clusterExamples)('%s: every Secret and ConfigMap the Deployment patch mounts is among the objects', (file) => {
    const report = planJson(file);
    const original = sampleDeployment();
    const patched = structuredClone(original);
    expect(applyPatch(patched, report.deployment.patch).filter((e) => e !== null)).toEqual([]);
    const before = mountedRefs(original.spec!.template.spec!.volumes);
    const added = [...mountedRefs(patched.spec!.template.spec!.volumes)].filter((ref) => !before.has(ref));
    const listed = new Set(report.objects.map((o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`));
    expect(added.filter((ref) => !listed.has(ref))).toEqual([]);
    if (report.inject) expect(added.length).toBeGreaterThan(0);
    else expect(report.objects).toEqual([]);
  });

  it('shows full manifests, with Secret data as <generated> and never a key', () => {
    const report = planJson('cluster-ha-overlap.yaml');
    // The PKI; the shoot webhook's Secret holds a webhook configuration, nothing secret (shoot-webhook-objects.test.ts).
    const secrets = report.objects.filter(
      (o: { kind: string; metadata: { name: string } }) => o.kind === 'Secret' && !o.metadata.name.startsWith('extension-overlap-shoot-webhooks-'),
    );
    expect(secrets.length).toBe(4);
    for (const secret of secrets) {
      expect(secret).toMatchObject({
        apiVersion: 'v1',
        metadata: { namespace: report.namespace, labels: { 'app.kubernetes.io/managed-by': 'overlap-seed-controller' } },
      });
      expect(Object.values(secret.data).every((value) => value === '<generated>')).toBe(true);
    }
    expect(JSON.stringify(report)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });
});
