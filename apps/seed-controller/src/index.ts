// The public API of @overlap/seed-controller for other packages: what the shoot webhook makes of a vpn-shoot
// manifest, so the lab can start its shoot agent from exactly the container the webhook would add; the objects it
// keeps for Gardener's monitoring and the label its webhook is selected by, so deploy/ and the lab follow the code.
export { DEFAULT_SHOOT_AGENT_SETTINGS, type ShootAgentSettings, type VpnShootWorkload, shootAgentContainer } from './vpn-shoot/shoot-agent.ts';
export { type VpnShootMutation, mutateVpnShoot } from './vpn-shoot/mutate-vpn-shoot.ts';
// The per-shoot PKI as files in the layout the pods mount, so the lab's Envoy stand-in runs with issued certificates.
export { PKI_FILES, writeShootPki } from './pki/files.ts';
export { ENVOY_METRICS, RUNBOOK_BASE } from './monitoring/labels.ts';
export { AGENT_ALERTS, SHOOT_RULE_GROUPS } from './monitoring/shoot-rules.ts';
export { SHOOT_DASHBOARD, podMonitor, scrapeConfig, shootMonitoringObjects } from './monitoring/shoot-monitoring.ts';
export { WEBHOOK_NAMESPACE_LABEL } from './inject/names.ts';
// What the manifests in deploy/ must agree with: the injection's defaults, the CA Secret the webhook's Certificate
// fills, and every object the controller owns (so uninstall and RBAC cover the same list).
export { DEFAULT_INJECTION_SETTINGS } from './inject/settings.ts';
export { CA_SECRET } from './pki/secrets.ts';
export { OWN_OBJECTS } from './uninstall/own-objects.ts';
