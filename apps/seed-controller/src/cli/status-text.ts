import { AGENT_CONTAINER } from '../inject/names.ts';
import { type ShootStatus, asPlanned } from '../status/shoot-status.ts';
import { table } from './table.ts';

const yesNo = (value: boolean | undefined): string => (value === undefined ? '-' : value ? 'yes' : 'no');

function decision(status: ShootStatus): string {
  if (status.state === 'skipped') return 'skipped';
  if (status.deployment === 'gardener') return 'gardener';
  return status.inject ? 'inject' : 'leave';
}

const INJECTED: Readonly<Record<ShootStatus['deployment'], string>> = {
  injected: 'yes',
  'not-injected': 'no',
  missing: 'no-deploy',
  gardener: 'gardener',
};

function agents(status: ShootStatus): string {
  if (status.agents.length === 0) return '-';
  const ready = status.agents.filter((a) => a.container === 'ready' && a.readyz?.answer !== 'not-ready').length;
  return `${ready}/${status.agents.length}`;
}

const objects = (status: ShootStatus): string =>
  status.objects.wanted.length === 0 ? '-' : `${status.objects.wanted.length - status.objects.missing.length}/${status.objects.wanted.length}`;

/** One line per shoot, as `kubectl get` prints; STATUS is `ok` or the first problem (all of them with -n). */
export function formatStatusTable(statuses: readonly ShootStatus[]): string {
  const rows = [
    ['NAMESPACE', 'HA', 'OVERLAP', 'DECISION', 'INJECTED', 'OBJECTS', 'AGENTS', 'STATUS'],
    ...statuses.map((s) => [
      s.namespace,
      yesNo(s.ha),
      yesNo(s.overlap),
      decision(s),
      INJECTED[s.deployment],
      objects(s),
      agents(s),
      asPlanned(s) ? 'ok' : `${s.problems[0]}${s.problems.length > 1 ? ` (+${s.problems.length - 1} more)` : ''}`,
    ]),
  ];
  const off = statuses.filter((s) => !asPlanned(s)).length;
  const summary =
    statuses.length === 0
      ? 'no Clusters on this seed'
      : `${statuses.length} shoots, ${off === 0 ? 'all' : statuses.length - off} as planned${off === 0 ? '' : `, ${off} not`}`;
  return `${[...table(rows, { gap: 3 }), '', summary].join('\n')}\n`;
}

/** One shoot in full, as `kubectl describe` would: the decision, each object, each pod and its agent. */
export function formatStatusDetail(status: ShootStatus): string {
  const lines = [
    `Namespace:     ${status.namespace}`,
    `Decision:      ${decision(status)}${status.state === 'planned' ? ` (HA VPN: ${yesNo(status.ha)}, overlap: ${yesNo(status.overlap)})` : ''}`,
    `Reason:        ${status.reason}`,
    ...(status.skipped ? [`Field:         ${status.skipped.field} = ${JSON.stringify(status.skipped.value)}`] : []),
    `kube-apiserver: ${INJECTED[status.deployment] === 'yes' ? 'injected' : status.deployment}`,
    `Shoot side:    ${status.shootSide === 'none' ? 'no ManagedResource' : `ManagedResource ${status.shootSide}`}`,
    'Objects:',
    ...(status.objects.wanted.length + status.objects.other.length === 0
      ? ['  (none wanted, none there)']
      : table(
          [
            ['OBJECT', 'STATE'],
            ...status.objects.wanted.map((ref) => [ref, status.objects.missing.includes(ref) ? 'MISSING' : 'present']),
            ...status.objects.other.map((ref) => [ref, 'not wanted (kept while mounted, then collected)']),
          ],
          { indent: '  ' },
        )),
    `Pods (${AGENT_CONTAINER}):`,
    ...(status.agents.length === 0
      ? ['  (none checked: kube-apiserver carries no injection)']
      : table([['POD', 'CONTAINER', 'READYZ'], ...status.agents.map((a) => [a.pod, a.container, a.readyz ? `${a.readyz.answer}: ${a.readyz.reason}` : '-'])], {
          indent: '  ',
        })),
    'Problems:',
    ...(status.problems.length === 0 ? ['  none: as planned'] : status.problems.map((p) => `  - ${p}`)),
  ];
  return `${lines.join('\n')}\n`;
}
