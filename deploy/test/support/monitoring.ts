import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type JsonObject, type RuleGroup, dashboardQueries, metricNames, parseManifests, ruleGroups, withVariablesResolved } from '../../src/index.ts';
import { MONITORING } from './paths.ts';

export const RULES_FILE = join(MONITORING, 'overlap.prometheusrule.yaml');
export const RULES_TEST_FILE = join(MONITORING, 'overlap.prometheusrule.test.yaml');
export const DASHBOARD_FILE = join(MONITORING, 'overlap-dashboard.json');

export const loadRuleGroups = (): RuleGroup[] => ruleGroups(parseManifests(readFileSync(RULES_FILE, 'utf8'), RULES_FILE)[0]!);
export const loadDashboard = (): JsonObject => JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as JsonObject;

/** Every PromQL expression under deploy/monitoring, with dashboard variables resolved, and where it is used. */
export function monitoringExpressions(): { where: string; expr: string }[] {
  const rules = loadRuleGroups().flatMap((group) => group.rules.map((rule) => ({ where: `alert ${rule.alert ?? rule.record}`, expr: rule.expr })));
  const panels = dashboardQueries(loadDashboard()).map((query) => ({ where: `dashboard ${query.panel} ${query.refId}`, expr: withVariablesResolved(query.expr) }));
  return [...rules, ...panels];
}

/** Metric name → the alerts and panels that use it. */
export function usedMetricNames(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const { where, expr } of monitoringExpressions()) {
    for (const name of metricNames(expr)) used.set(name, [...(used.get(name) ?? []), where]);
  }
  return used;
}

/** Series Prometheus makes itself for every target; no application exports them. */
export const PROMETHEUS_SERIES = new Set(['up']);
