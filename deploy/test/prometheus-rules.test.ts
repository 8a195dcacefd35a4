import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AGENT_ALERTS, RUNBOOK_BASE } from '@overlap/seed-controller';
import type { RuleGroup } from '../src/index.ts';
import { REPO } from './support/paths.ts';
import { RULES_TEST_FILE, SHOOT_RULES_TEST_FILE, loadRuleGroups, loadShootRuleGroups } from './support/monitoring.ts';
import { run } from './support/tools.ts';

const groups = loadRuleGroups();
const alerts = groups.flatMap((group) => group.rules);
const scratch = mkdtempSync(join(tmpdir(), 'ovl-deploy-rules-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** promtool reads plain rule groups: the PrometheusRule's spec, next to a copy of the unit tests. */
function writeRuleFiles(dir: string, ruleGroupsToWrite: readonly RuleGroup[], rules = 'overlap.rules.yaml', tests = RULES_TEST_FILE): void {
  writeFileSync(join(dir, rules), stringify({ groups: ruleGroupsToWrite }));
  copyFileSync(tests, join(dir, basename(tests)));
}

const shootGroups = loadShootRuleGroups();
const shootAlerts = shootGroups.flatMap((group) => group.rules);

/** GitHub's anchors of docs/OPERATIONS.md's headings. */
const operationsAnchors = new Set(
  [...readFileSync(join(REPO, 'docs/OPERATIONS.md'), 'utf8').matchAll(/^#+ (.+)$/gm)].map((match) =>
    match[1]!
      .toLowerCase()
      .replaceAll(/[^a-z0-9 _-]/g, '')
      .replaceAll(' ', '-'),
  ),
);

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
      expect(Object.keys(alert.annotations ?? {}).sort(), name).toEqual(['description', 'runbook_url', 'summary']);
      expect(unitTests, name).toContain(`alertname: ${name}\n`);
    }
  });
});

describe("the rules of each Gardener shoot's own Prometheus (the controller's PrometheusRule)", () => {
  it('hold the agent alerts exactly as the generic variant has them', () => {
    expect(groups.find((group) => group.name === AGENT_ALERTS.name)).toEqual(structuredClone(AGENT_ALERTS));
  });

  it('pass promtool check rules and their promtool unit tests', async () => {
    writeRuleFiles(scratch, shootGroups, 'overlap-shoot.rules.yaml', SHOOT_RULES_TEST_FILE);
    const checked = await run('promtool', ['check', 'rules', 'overlap-shoot.rules.yaml'], { cwd: scratch });
    expect(checked.stdout + checked.stderr).toContain(`SUCCESS: ${shootAlerts.length} rules found`);
    const tested = await run('promtool', ['test', 'rules', basename(SHOOT_RULES_TEST_FILE)], { cwd: scratch });
    expect(tested.stdout + tested.stderr).toContain('SUCCESS');
    expect(tested.code).toBe(0);
  });

  it('have unit tests that fail when the seed-side alert changes', async () => {
    const hasty = structuredClone(shootGroups);
    Object.assign(hasty.flatMap((group) => group.rules).find((rule) => rule.alert === 'OverlapShootNATNotActive') ?? {}, { for: '1m' });
    writeRuleFiles(scratch, hasty, 'overlap-shoot.rules.yaml', SHOOT_RULES_TEST_FILE);
    const tested = await run('promtool', ['test', 'rules', basename(SHOOT_RULES_TEST_FILE)], { cwd: scratch });
    expect(tested.code).toBe(1);
  });
});

describe('runbooks', () => {
  it('every alert of every variant links a section of docs/OPERATIONS.md with the commands to run', () => {
    const runbooks = readFileSync(join(REPO, 'docs/OPERATIONS.md'), 'utf8').split('## Runbooks')[1] ?? '';
    for (const alert of [...alerts, ...shootAlerts]) {
      const url = alert.annotations?.runbook_url ?? '';
      expect(url.startsWith(`${RUNBOOK_BASE}#`), alert.alert).toBe(true);
      const anchor = url.slice(RUNBOOK_BASE.length + 1);
      expect(operationsAnchors, alert.alert).toContain(anchor);
      const section = runbooks.split(/^### /m).find((text) => text.toLowerCase().startsWith(anchor)) ?? '';
      expect(section, alert.alert).toMatch(/kubectl /);
    }
  });
});
