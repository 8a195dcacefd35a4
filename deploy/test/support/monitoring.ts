import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHOOT_DASHBOARD, SHOOT_RULE_GROUPS } from '@overlap/seed-controller';
import { type JsonObject, type RuleGroup, dashboardQueries, metricNames, parseManifests, ruleGroups, withVariablesResolved } from '../../src/index.ts';
import { DEPLOY, MONITORING } from './paths.ts';

/** The generic variant's rules: the agents' (and the cross-check of both) and the controller's. */
const RULES_FILES = [join(MONITORING, 'overlap.prometheusrule.yaml'), join(MONITORING, 'controller/overlap-controller.prometheusrule.yaml')];
export const RULES_TEST_FILE = join(MONITORING, 'overlap.prometheusrule.test.yaml');
/** The unit tests of the rules the controller puts into each Gardener shoot's Prometheus. */
export const SHOOT_RULES_TEST_FILE = join(MONITORING, 'overlap-shoot.prometheusrule.test.yaml');
const DASHBOARD_FILE = join(MONITORING, 'overlap-dashboard.json');
const SEED_DASHBOARD_FILE = join(DEPLOY, 'gardener/overlap-seed-dashboard.json');

export const loadRuleGroups = (): RuleGroup[] => RULES_FILES.flatMap((file) => ruleGroups(parseManifests(readFileSync(file, 'utf8'), file)[0]!));
export const loadShootRuleGroups = (): RuleGroup[] => structuredClone(SHOOT_RULE_GROUPS) as RuleGroup[];
export const loadDashboard = (): JsonObject => JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as JsonObject;
/** Every dashboard shipped: the generic one, Gardener's seed dashboard, and the controller's per-shoot one. */
export const loadDashboards = (): Record<string, JsonObject> => ({
  generic: loadDashboard(),
  seed: JSON.parse(readFileSync(SEED_DASHBOARD_FILE, 'utf8')) as JsonObject,
  shoot: structuredClone(SHOOT_DASHBOARD) as JsonObject,
});

/** Every PromQL expression of the alerts and dashboards, with dashboard variables resolved, and where it is used. */
export function monitoringExpressions(): { where: string; expr: string }[] {
  const rules = [...loadRuleGroups(), ...loadShootRuleGroups()].flatMap((group) =>
    group.rules.map((rule) => ({ where: `alert ${rule.alert ?? rule.record}`, expr: rule.expr })),
  );
  const panels = Object.entries(loadDashboards()).flatMap(([name, dashboard]) =>
    dashboardQueries(dashboard).map((query) => ({ where: `dashboard ${name} ${query.panel} ${query.refId}`, expr: withVariablesResolved(query.expr) })),
  );
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
