import { AGENT_JOB, runbookUrl } from './labels.ts';

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

const alert = (
  name: string,
  severity: 'warning' | 'critical',
  rule: Omit<AlertRule, 'alert' | 'labels' | 'annotations'>,
  summary: string,
  description: string,
): AlertRule => ({
  alert: name,
  ...rule,
  labels: { severity, service: 'overlap' },
  annotations: { summary, description, runbook_url: runbookUrl(name) },
});

/**
 * The alerts about one shoot's agents, evaluated by the Prometheus that scrapes them: in Gardener the shoot's own
 * Prometheus (PrometheusRule `prometheus: shoot` in the shoot namespace), elsewhere any Prometheus with
 * deploy/monitoring. Both sides' agents carry `namespace` = the shoot's control-plane namespace.
 */
export const AGENT_ALERTS: AlertGroup = {
  name: 'overlap.agents',
  rules: [
    alert(
      'OverlapVPNAgentDown',
      'warning',
      { expr: `up{job="${AGENT_JOB}"} == 0`, for: '5m' },
      'The overlap VPN agent in {{ $labels.namespace }}/{{ $labels.pod }} cannot be scraped.',
      "Its NAT rules stay in place while it is down, but nobody repairs drift or applies network changes. Check the container's restarts and its log (`kubectl logs -c seed-vpn-agent` or `-c shoot-vpn-agent`).",
    ),
    alert(
      'OverlapSyncFailing',
      'critical',
      {
        // No sync of this agent succeeded in 5 minutes (10 sync periods) while some failed.
        expr: 'increase(overlap_syncs_total{result="failure"}[5m]) > 0\nunless ignoring (result)\nincrease(overlap_syncs_total{result="success"}[5m]) > 0\n',
        for: '5m',
      },
      'The {{ $labels.role }} agent in {{ $labels.namespace }}/{{ $labels.pod }} fails every sync.',
      "It cannot read or apply its {{ $labels.backend }} rules, so the live NAT may be missing or stale. The agent's log names the failing command (iptables-restore or nft -f) and a hint.",
    ),
    alert(
      'OverlapSyncStale',
      'critical',
      {
        // The last good sync is older than 3 sync periods: also catches an agent whose sync hangs (a wedged kernel
        // call, a held lock before deadlines existed) and so never counts a failure.
        expr: 'time() - overlap_sync_last_success_timestamp_seconds > 3 * overlap_sync_period_seconds',
        for: '5m',
      },
      'The {{ $labels.role }} agent in {{ $labels.namespace }}/{{ $labels.pod }} has not synced successfully for {{ $value | humanizeDuration }}.',
      "Its rules are not being checked or repaired. The agent's log names the command that failed or ran past its deadline (overlap_sync_timeouts_total counts those); /readyz says the same.",
    ),
    alert(
      'OverlapNATNotActive',
      'critical',
      { expr: 'overlap_nat_expected == 1 and overlap_nat_active == 0', for: '5m' },
      'The {{ $labels.role }} side of {{ $labels.namespace }} should translate but its NAT is not in place.',
      "The agent decided that this side must translate (an overlap exists), but the live rules differ from the desired ones. The control plane cannot reach the shoot's overlapping pods, services or nodes. The agent's /readyz says why.",
    ),
    alert(
      'OverlapRouteMissing',
      'critical',
      {
        // HA: the route the path controller (seed) or tunnel controller (shoot) owns is not there or goes elsewhere;
        // the rules are in place but the traffic cannot take them. The agent's /readyz names it.
        expr: 'overlap_route_dependency_ok == 0',
        for: '2m',
      },
      'The {{ $labels.role }} side of {{ $labels.namespace }} has no route to {{ $labels.destination }} through {{ $labels.device }}.',
      "The {{ $labels.owner }} route for the mapped {{ $labels.kind }} block is missing or another route takes (part of) it, so translated traffic does not enter the tunnel. The agent's /readyz and log say which route wins instead.",
    ),
    alert(
      'OverlapRepeatedDrift',
      'warning',
      { expr: 'increase(overlap_drift_repairs_total[1h]) >= 3' },
      'Something keeps changing the NAT rules of the {{ $labels.role }} agent in {{ $labels.namespace }}/{{ $labels.pod }}.',
      'The agent repaired missing or edited rules {{ $value | humanize }} times in the last hour. Another component (a VPN client, a CNI, a person) flushes or rewrites the OVERLAP chains or the overlap table.',
    ),
  ],
};

/**
 * Only in a shoot's own Prometheus, which exists only where the controller injected: the seed agent of this shoot
 * has not had its NAT active for 10 minutes (not injected, not running, or not converged).
 */
const SHOOT_SEED_SIDE_ALERTS: AlertGroup = {
  name: 'overlap.shoot',
  rules: [
    alert(
      'OverlapShootNATNotActive',
      'critical',
      { expr: `absent(max(overlap_nat_active{role="seed"}) == 1)`, for: '10m' },
      'This shoot needs the double NAT, but its seed side is not translating.',
      'Either the webhook did not inject the sidecars (look at the kube-apiserver Deployment and the Events of the Cluster in `default`) or the injected seed-vpn-agent is not running or not converged.',
    ),
  ],
};

/** What the per-shoot PrometheusRule holds. */
export const SHOOT_RULE_GROUPS: readonly AlertGroup[] = [AGENT_ALERTS, SHOOT_SEED_SIDE_ALERTS];
