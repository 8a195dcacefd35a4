import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RuleGroup } from '../src/index.ts';
import { RULES_TEST_FILE, loadRuleGroups } from './support/monitoring.ts';
import { run } from './support/tools.ts';

const groups = loadRuleGroups();
const alerts = groups.flatMap((group) => group.rules);
const scratch = mkdtempSync(join(tmpdir(), 'ovl-deploy-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** promtool reads plain rule groups: the PrometheusRule's spec, next to a copy of the unit tests. */
function writeRuleFiles(dir: string, ruleGroupsToWrite: readonly RuleGroup[]): void {
  writeFileSync(join(dir, 'overlap.rules.yaml'), stringify({ groups: ruleGroupsToWrite }));
  copyFileSync(RULES_TEST_FILE, join(dir, 'overlap.prometheusrule.test.yaml'));
}

describe('the PrometheusRule', () => {
  it('passes promtool check rules', async () => {
    writeRuleFiles(scratch, groups);
    const checked = await run('promtool', ['check', 'rules', 'overlap.rules.yaml'], { cwd: scratch });
    expect(checked.stderr).toBe('');
    expect(checked.stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(checked.code).toBe(0);
  });

  it('passes its promtool unit tests', async () => {
    writeRuleFiles(scratch, groups);
    const tested = await run('promtool', ['test', 'rules', 'overlap.prometheusrule.test.yaml'], { cwd: scratch });
    expect(tested.stdout + tested.stderr).toContain('SUCCESS');
    expect(tested.code).toBe(0);
  });

  it('has unit tests that fail when an alert changes', async () => {
    const hasty = structuredClone(groups);
    const natNotActive = hasty.flatMap((group) => group.rules).find((rule) => rule.alert === 'OverlapNATNotActive');
    Object.assign(natNotActive ?? {}, { for: '1m' });
    writeRuleFiles(scratch, hasty);
    const tested = await run('promtool', ['test', 'rules', 'overlap.prometheusrule.test.yaml'], { cwd: scratch });
    expect(tested.code).toBe(1);
    expect(tested.stdout + tested.stderr).toContain('alertname: OverlapNATNotActive, time: 5m');
  });

  it('covers what operators must be told: agent down, sync failing, drift, NAT not active, HA route missing, webhook errors and latency', () => {
    expect(alerts.map((alert) => alert.alert).sort()).toEqual([
      'OverlapControllerDown',
      'OverlapControllerReconcileErrors',
      'OverlapNATNotActive',
      'OverlapRepeatedDrift',
      'OverlapRouteMissing',
      'OverlapShootInvalid',
      'OverlapShootNATNotActive',
      'OverlapSyncFailing',
      'OverlapSyncStale',
      'OverlapVPNAgentDown',
      'OverlapWebhookErrors',
      'OverlapWebhookSlowAdmissions',
    ]);
  });

  it('gives every alert a severity, a summary and a description, and a unit test of its own', () => {
    const unitTests = readFileSync(RULES_TEST_FILE, 'utf8');
    for (const alert of alerts) {
      const name = alert.alert ?? '';
      expect(['warning', 'critical'], name).toContain(alert.labels?.severity);
      expect(alert.labels?.service, name).toBe('overlap');
      expect(Object.keys(alert.annotations ?? {}).sort(), name).toEqual(['description', 'summary']);
      expect(unitTests, name).toContain(`alertname: ${name}\n`);
    }
  });
});
