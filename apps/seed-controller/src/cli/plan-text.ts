import type { RuleChains } from '@overlap/natrules';
import { type PlanReport, type SideDataPath, rulesLines } from './plan-report.ts';
import { formatSummary } from './plan-summary.ts';
import { table, tableLines } from './table.ts';

const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

const indented = (rows: ReadonlyArray<readonly string[]>): string[] => table(rows, { indent: '  ' });

/**
 * How many lines make one piece of the text. The text of a plan at scale (10 000 networks: 30 000 rules, ~7 MB) is
 * written piece by piece as it is made, so that neither the whole text nor all its lines are ever held at once.
 */
const PIECE_LINES = 512;

/** Lines as text in pieces of up to PIECE_LINES lines, each line with `indent` before it and `\n` after it. */
function* pieces(lines: Iterable<string>, indent = ''): Generator<string> {
  let piece: string[] = [];
  for (const line of lines) {
    piece.push(line);
    if (piece.length === PIECE_LINES) {
      yield `${indent}${piece.join(`\n${indent}`)}\n`;
      piece = [];
    }
  }
  if (piece.length > 0) yield `${indent}${piece.join(`\n${indent}`)}\n`;
}

/** A side's rules, indented; rendered here, where they are shown, a piece at a time. */
function* rulesBlock(title: string, report: PlanReport, rules: RuleChains): Generator<string> {
  yield `\n${title}:\n`;
  let shown = false;
  for (const piece of pieces(rulesLines(report, rules), '  ')) {
    shown = true;
    yield piece;
  }
  if (!shown) yield '  (none: this side does not translate)\n';
}

/** A side's device match and routes, a line at a time (the seed side of a large HA plan: 10 000 routes). */
function* sideDataPath(title: string, side: SideDataPath): Generator<string> {
  const match =
    side.iptables === side.nftables
      ? `tunnel device ${side.device}`
      : `tunnel devices ${side.device} (iptables -i/-o ${side.iptables}, nftables iifname/oifname "${side.nftables}")`;
  yield `  ${title}: ${match}`;
  if (side.routes.length === 0) yield '    (no routes: this side does not translate)';
  for (const r of side.routes) {
    if (r.installedByAgent) yield `    ${r.destination} (${r.kind}) dev ${r.device}: installed by the agent`;
    else {
      const need = r.coverage === 'whole' ? `routed whole through ${r.device}` : `some route back through ${r.device}`;
      yield `    ${r.destination} (${r.kind}) ${need}: owned by ${r.owner}, checked by the agent (/readyz, overlap_route_dependency_ok)`;
    }
  }
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
 * patches (in full with `showPatch`). In pieces, to be written one by one; joined, they are the whole text.
 */
export function* planText(report: PlanReport, options: { showPatch?: boolean } = {}): Generator<string> {
  const showPatch = options.showPatch ?? false;
  yield* pieces([
    `shoot namespace: ${report.namespace}`,
    `overlap: ${yesNo(report.overlap)}   HA VPN: ${yesNo(report.ha)}   inject Envoy + egress selector + seed agent: ${yesNo(report.inject)}`,
    `why: ${report.reason}`,
    '',
    ...formatSummary(report.summary),
    '',
    `double NAT: seed side ${yesNo(report.seedNat)}${!report.ha ? " (non-HA: Gardener's vpn-seed-server translates)" : ''}, shoot side ${yesNo(report.shootNat)}`,
    '',
    'mappings:',
  ]);
  yield* pieces(
    report.mappings.length === 0
      ? ['  (none: no IPv4 networks to map)']
      : tableLines([['KIND', 'ORIGINAL', 'MAPPED'], ...report.mappings.map((m) => [m.kind, m.original, m.mapped])], { indent: '  ' }),
  );
  yield* rulesBlock(`seed rules (${report.backend}, kube-apiserver pod)`, report, report.seedRules);
  yield* rulesBlock(`shoot rules (${report.backend}, vpn-shoot pod)`, report, report.shootRules);
  yield* pieces([
    '',
    report.ha
      ? "data path (HA: Gardener's path and tunnel controllers own the routes; the agents add none and check them):"
      : "data path (point-to-point, as in the lab or a standalone VPN: each agent routes into its one tunnel device; Gardener's non-HA seed runs no seed agent):",
  ]);
  yield* pieces(sideDataPath('seed side', report.dataPath.seed));
  yield* pieces(sideDataPath('shoot side', report.dataPath.shoot));
  yield* pieces([
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
  ]);
}
