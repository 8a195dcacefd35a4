// What other packages (deploy/, the lab) use of the seed controller: the objects it keeps for Gardener's monitoring
// and the labels its webhook is selected by, so the manifests and their tests follow the code.
export { AGENT_JOB, AGENT_METRICS, ENVOY_JOB, ENVOY_METRICS, RUNBOOK_BASE, SHOOT_DASHBOARD_LABEL, SHOOT_PROMETHEUS_LABEL, keepRegex, runbookUrl } from './monitoring/labels.ts';
export { type AlertGroup, type AlertRule, AGENT_ALERTS, SHOOT_RULE_GROUPS, SHOOT_SEED_SIDE_ALERTS } from './monitoring/shoot-rules.ts';
export { DASHBOARD_FILE, SHOOT_DASHBOARD, dashboardConfigMap, podMonitor, prometheusRule, scrapeConfig, shootMonitoringObjects } from './monitoring/shoot-monitoring.ts';
export { WEBHOOK_NAMESPACE_LABEL } from './inject/names.ts';
