import type { PlanReport, SideDataPath } from './plan-report.ts';
import { formatSummary } from './plan-summary.ts';
import { table } from './table.ts';

const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

const indented = (rows: ReadonlyArray<readonly string[]>): string[] => table(rows, { indent: '  ' });

/** The body indented line by line; it is rules text, whose lines end only in `\n`. */
function block(title: string, body: string, absent: string): string[] {
  return ['', `${title}:`, body === '' ? `  (${absent})` : `  ${body.trimEnd().replaceAll('\n', '\n  ')}`];
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

const patchLines = (patch: readonly unknown[], absent: string, show: boolean): string[] => {
  if (patch.length === 0) return [`  (none: ${absent})`];
  if (!show) return [`  ${patch.length} operations (--patch or --output json shows them)`];
  return JSON.stringify(patch, null, 2)
    .split('\n')
    .map((line) => `  ${line}`);
};

/**
 * The human-readable dry run: the decision and what changes first, then what each side would install, then the
 * patches (in full with `showPatch`).
 */
export function formatPlanText(report: PlanReport, options: { showPatch?: boolean } = {}): string {
  const showPatch = options.showPatch ?? false;
  const lines = [
    `shoot namespace: ${report.namespace}`,
    `overlap: ${yesNo(report.overlap)}   HA VPN: ${yesNo(report.ha)}   inject Envoy + egress selector + seed agent: ${yesNo(report.inject)}`,
    `why: ${report.reason}`,
    '',
    ...formatSummary(report.summary),
    '',
    `double NAT: seed side ${yesNo(report.seedNat)}${!report.ha ? " (non-HA: Gardener's vpn-seed-server translates)" : ''}, shoot side ${yesNo(report.shootNat)}`,
    '',
    'mappings:',
    ...(report.mappings.length === 0
      ? ['  (none: no IPv4 networks to map)']
      : indented([['KIND', 'ORIGINAL', 'MAPPED'], ...report.mappings.map((m) => [m.kind, m.original, m.mapped])])),
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
      : indented([
          ['KIND', 'NAME'],
          ...report.objects.map((object) => [
            object.kind ?? '',
            `${object.metadata?.name ?? ''}${object.metadata?.namespace ? '' : ' (in the shoot, through the ManagedResource)'}`,
          ]),
        ])),
    '',
    `kube-apiserver Deployment patch (${report.deployment.outcome}; against ${report.deployment.source}):`,
    ...patchLines(report.deployment.patch, 'the Deployment stays exactly as it is', showPatch),
    '',
    `vpn-shoot patch (${report.vpnShoot.outcome}; against ${report.vpnShoot.source}):`,
    `  why: ${report.vpnShoot.detail}`,
    ...patchLines(report.vpnShoot.patch, 'vpn-shoot stays exactly as it is', showPatch),
  ];
  return `${lines.join('\n')}\n`;
}
