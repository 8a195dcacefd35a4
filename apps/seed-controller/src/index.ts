// The public API of @overlap/seed-controller for other packages: what the shoot webhook makes of a vpn-shoot
// manifest, so the lab can start its shoot agent from exactly the container the webhook would add.
export { DEFAULT_SHOOT_AGENT_SETTINGS, type ShootAgentSettings, type VpnShootWorkload, shootAgentContainer } from './vpn-shoot/shoot-agent.ts';
export { type VpnShootMutation, type VpnShootOutcome, mutateVpnShoot } from './vpn-shoot/mutate-vpn-shoot.ts';
// The per-shoot PKI as files in the layout the pods mount, so the lab's Envoy stand-in runs with issued certificates.
export { PKI_FILES, writeShootPki } from './pki/files.ts';
