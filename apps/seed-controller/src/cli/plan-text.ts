import type { PlanReport, SideDataPath } from './plan-report.ts';

const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

function table(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ')}`.trimEnd());
}

function block(title: string, body: string, absent: string): string[] {
  return ['', `${title}:`, body === '' ? `  (${absent})` : body.trimEnd().replace(/^/gm, '  ')];
}

function sideDataPath(title: string, side: SideDataPath): string[] {
  const match =
    side.iptables === side.nftables
      ? `tunnel device ${side.device}`
      : `tunnel devices ${side.device} (iptables -i/-o ${side.iptables}, nftables iifname/oifname "${side.nftables}")`;
  const routes = side.routes.map((r) => {
    if (r.installedByAgent) return `    ${r.destination} (${r.kind}) dev ${r.device}: installed by the agent`;
    const need = r.coverage === 'whole' ? `routed whole through ${r.device}` : `some route back through ${r.device}`;
    return `    ${r.destination} (${r.kind}) ${need}: owned by ${r.owner}, checked by the agent (/readyz, overlap_route_dependency_ok)`;
  });
  return [`  ${title}: ${match}`, ...(routes.length === 0 ? ['    (no routes: this side does not translate)'] : routes)];
}

/** The human-readable dry run: decision first, then what each side would install, then the Deployment patch. */
export function formatPlanText(report: PlanReport): string {
  const lines = [
    `shoot namespace: ${report.namespace}`,
    `overlap: ${yesNo(report.overlap)}   HA VPN: ${yesNo(report.ha)}   inject Envoy + egress selector + seed agent: ${yesNo(report.inject)}`,
    `why: ${report.reason}`,
    `double NAT: seed side ${yesNo(report.seedNat)}${!report.ha ? " (non-HA: Gardener's vpn-seed-server translates)" : ''}, shoot side ${yesNo(report.shootNat)}`,
    '',
    'mappings:',
    ...(report.mappings.length === 0
      ? ['  (none: no IPv4 networks to map)']
      : table([['KIND', 'ORIGINAL', 'MAPPED'], ...report.mappings.map((m) => [m.kind, m.original, m.mapped])])),
    ...block(`seed rules (${report.backend}, kube-apiserver pod)`, report.seedRules, 'none: this side does not translate'),
    ...block(`shoot rules (${report.backend}, vpn-shoot pod)`, report.shootRules, 'none: this side does not translate'),
    '',
    report.ha
      ? "data path (HA: Gardener's path and tunnel controllers own the routes; the agents add none and check them):"
      : "data path (point-to-point, as in the lab or a standalone VPN: each agent routes into its one tunnel device; Gardener's non-HA seed runs no seed agent):",
    ...sideDataPath('seed side', report.dataPath.seed),
    ...sideDataPath('shoot side', report.dataPath.shoot),
    '',
    `objects in ${report.namespace} (created or kept by the controller; --output json shows them in full):`,
    ...(report.objects.length === 0
      ? ['  (none)']
      : table([
          ['KIND', 'NAME'],
          ...report.objects.map((object) => [
            object.kind ?? '',
            `${object.metadata?.name ?? ''}${object.metadata?.namespace ? '' : ' (in the shoot, through the ManagedResource)'}`,
          ]),
        ])),
    '',
    `kube-apiserver Deployment patch (${report.deployment.outcome}; against ${report.deployment.source}):`,
    ...(report.deployment.patch.length === 0
      ? ['  (none: the Deployment stays exactly as it is)']
      : JSON.stringify(report.deployment.patch, null, 2).split('\n').map((line) => `  ${line}`)),
    '',
    `vpn-shoot patch (${report.vpnShoot.outcome}; against ${report.vpnShoot.source}):`,
    `  why: ${report.vpnShoot.detail}`,
    ...(report.vpnShoot.patch.length === 0
      ? ['  (none: vpn-shoot stays exactly as it is)']
      : JSON.stringify(report.vpnShoot.patch, null, 2).split('\n').map((line) => `  ${line}`)),
  ];
  return `${lines.join('\n')}\n`;
}
