import { parseArgs } from 'node:util';
import type { Family } from '@overlap/cidr';
import { type Backend, type LiveRule, type Role, type Rule, type RuleSet, deviceMatches, diffRules } from '@overlap/natrules';
import { type CommandRunner, type Env, InputError } from '@overlap/runtime';
import { readLiveIfAny, resolveBackend } from './backend.ts';
import { type AgentConfig, parseAgentConfig } from './config.ts';
import { type AgentPlan, planAgent } from './plan.ts';
import { checkDependencies, describeMissingRoutes, readRouteTable } from './route-check.ts';
import { type DeviceState, isOwned, ownedRoutesIn, planRouteChanges } from './routes.ts';
import { describeDiff } from './sync.ts';

/** One family's live rules against the plan, each rule named as the backend shows it. */
interface RuleReport {
  readonly family: Family;
  readonly desired: number;
  readonly live: number;
  /** `in sync`, or what differs (the words of the agent's /readyz). */
  readonly state: string;
  readonly missing: readonly string[];
  readonly stale: readonly string[];
  readonly foreign: readonly string[];
}

/** What `main.js inspect` shows: everything an operator checks inside the agent's container when an alert fires. */
export interface Inspection {
  readonly role: Role;
  readonly backend: Backend;
  readonly natExpected: boolean;
  readonly reason: string;
  /** Why this side should translate but cannot; nothing is installed then. */
  readonly problem: string | undefined;
  /** Each mapping with what its rules counted since they were created (both directions). */
  readonly mappings: ReadonlyArray<{ kind: string; original: string; mapped: string; packets: string; bytes: string }>;
  readonly rules: readonly RuleReport[];
  /** `name` may be a pattern (`bond0+`, HA): `matched` are the devices it matches, `state` up if one of them is. */
  readonly tunnelDevice: { readonly name: string; readonly state: DeviceState; readonly matched: readonly string[] };
  /**
   * Point-to-point: the routes the agent installs. HA: the routes of Gardener's path or tunnel controller this side
   * depends on (checked, never installed). `missing` says which are not in place, in the words of /readyz.
   */
  readonly routes: { readonly desired: readonly string[]; readonly missing: readonly string[] };
  /** net.ipv4.ip_forward; only the shoot side forwards and so needs it. */
  readonly ipForward: { readonly enabled: boolean; readonly needed: boolean };
  /** Everything in sync with the plan. */
  readonly ok: boolean;
}

const ruleName = (rule: Rule): string => `${rule.table} ${rule.hook}: ${rule.comment}`;
const liveName = (rule: LiveRule): string => `${rule.table} ${rule.hook}: ${rule.text}`;

async function inspectRules(plan: AgentPlan, backend: Backend, run: CommandRunner): Promise<{ reports: RuleReport[]; live: LiveRule[] }> {
  const reports: RuleReport[] = [];
  const live: LiveRule[] = [];
  for (const desired of [plan.desired, plan.desiredIPv6] as readonly RuleSet[]) {
    const family = desired.family ?? 'IPv4';
    const state = await readLiveIfAny(backend, run, family);
    if (!state) continue;
    const diff = diffRules(desired, state);
    live.push(...state.rules);
    reports.push({
      family,
      desired: desired.rules.length,
      live: state.rules.length,
      state: describeDiff(diff),
      missing: diff.missing.map(ruleName),
      stale: diff.stale.map(liveName),
      foreign: diff.foreign.map(liveName),
    });
  }
  return { reports, live };
}

/** Sums the kernel's counters of every live rule of one mapping (both directions). */
function mappingCounters(plan: AgentPlan, live: readonly LiveRule[]): Inspection['mappings'] {
  return plan.mappings.map((m) => {
    let packets = 0n;
    let bytes = 0n;
    for (const rule of live) {
      const ref = rule.rule?.mapping;
      if (ref && ref.kind === m.kind && ref.original.text === m.original.text && ref.mapped.text === m.mapped.text) {
        packets += rule.packets;
        bytes += rule.bytes;
      }
    }
    return { kind: m.kind, original: m.original.text, mapped: m.mapped.text, packets: String(packets), bytes: String(bytes) };
  });
}

/** The links the tunnel device name (or pattern) matches, and whether one of them is up. */
async function tunnelDevices(run: CommandRunner, pattern: string): Promise<Inspection['tunnelDevice']> {
  const links = JSON.parse((await run(['ip', '-j', 'link', 'show'])).stdout || '[]') as Array<{ ifname?: string; flags?: string[] }>;
  const matched = links.filter((l) => l.ifname !== undefined && deviceMatches(pattern, l.ifname));
  const state: DeviceState = matched.length === 0 ? 'missing' : matched.some((l) => l.flags?.includes('UP')) ? 'up' : 'down';
  return { name: pattern, state, matched: matched.map((l) => l.ifname!) };
}

/** Reads, never writes: safe to run beside the agent at any time. */
async function inspect(config: AgentConfig, plan: AgentPlan, run: CommandRunner): Promise<Inspection> {
  const backend = await resolveBackend(config.backend, run);
  const { reports, live } = await inspectRules(plan, backend, run);
  const table = await readRouteTable(run);
  const changes = planRouteChanges(plan.routes, ownedRoutesIn(table));
  const dependencies = checkDependencies(
    plan.routeDependencies,
    table.filter((r) => !isOwned(r)),
  );
  const forward = (await run(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim() === '1';
  const needed = config.role === 'shoot' && plan.natExpected;
  const tunnel = await tunnelDevices(run, config.tunnelDevice);
  const rulesOk = reports.every((r) => r.state === 'in sync');
  const missingRoutes = [
    ...changes.replace.map((r) => `${r.destination.text} dev ${r.device}`),
    ...dependencies.flatMap((check) => describeMissingRoutes([check]) ?? []),
  ];
  const wantsTunnel = plan.routes.length + plan.routeDependencies.length > 0;
  return {
    role: config.role,
    backend,
    natExpected: plan.natExpected,
    reason: plan.decision.reason,
    problem: plan.problem,
    mappings: mappingCounters(plan, live),
    rules: reports,
    tunnelDevice: tunnel,
    routes: {
      desired: [
        ...plan.routes.map((r) => `${r.destination.text} dev ${r.device}`),
        ...plan.routeDependencies.map((d) => `${d.destination.text} (${d.kind}) via ${d.devicePattern}, owned by ${d.owner}`),
      ],
      missing: missingRoutes,
    },
    ipForward: { enabled: forward, needed },
    ok: rulesOk && missingRoutes.length === 0 && (!needed || forward) && (!wantsTunnel || tunnel.state === 'up') && plan.problem === undefined,
  };
}

const list = (title: string, items: readonly string[]): string[] => (items.length === 0 ? [] : [`  ${title}:`, ...items.map((i) => `    ${i}`)]);

function formatInspection(i: Inspection): string {
  const width = Math.max(4, ...i.mappings.map((m) => m.kind.length));
  const lines = [
    `${i.role}-vpn-agent (${i.backend}): ${i.ok ? 'OK, in line with the plan' : 'NOT in line with the plan'}`,
    `translates: ${i.natExpected ? 'yes' : 'no'} (${i.reason})${i.problem ? `; cannot: ${i.problem}` : ''}`,
    '',
    'mappings (packets/bytes counted by their rules):',
    ...(i.mappings.length === 0
      ? ['  (none)']
      : i.mappings.map((m) => `  ${m.kind.padEnd(width)}  ${m.original.padEnd(18)} -> ${m.mapped.padEnd(18)} ${m.packets} packets, ${m.bytes} bytes`)),
    '',
    'rules:',
    ...i.rules.flatMap((r) => [
      `  ${r.family}: ${r.state} (${r.desired} planned, ${r.live} live)`,
      ...list('missing', r.missing),
      ...list('stale (ours, not planned)', r.stale),
      ...list('foreign (in our chains, not ours)', r.foreign),
    ]),
    '',
    `tunnel device ${i.tunnelDevice.name}: ${i.tunnelDevice.state}${i.tunnelDevice.matched.length > 0 && i.tunnelDevice.matched[0] !== i.tunnelDevice.name ? ` (${i.tunnelDevice.matched.join(', ')})` : ''}`,
    `routes: ${i.routes.desired.length === 0 ? 'none needed' : i.routes.missing.length === 0 ? `${i.routes.desired.length} in place` : 'not all in place'}`,
    ...i.routes.missing.map((r) => `  missing: ${r}`),
    `net.ipv4.ip_forward: ${i.ipForward.enabled ? 1 : 0}${i.ipForward.needed ? ' (needed: this side forwards)' : ' (not needed on this side)'}`,
  ];
  return `${lines.join('\n')}\n`;
}

export const INSPECT_USAGE = `usage: main.js inspect [--output text|json]

Shows, inside the agent's container (kubectl exec POD -c CONTAINER -- node main.js inspect), the mappings of this
agent, its live rules against the plan (missing, stale, foreign) with the counters of each mapping, the tunnel
device, the routes and IP forwarding. Reads only. Exit 0 when all is in line with the plan, 1 when not.
`;

/** The `inspect` arguments; throws ERR_PARSE_ARGS_* for unknown ones. */
function parseInspectArgs(argv: readonly string[]): { output: 'text' | 'json' } {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: { output: { type: 'string', short: 'o', default: 'text' } },
  });
  if (values.output !== 'text' && values.output !== 'json')
    throw Object.assign(new Error(`--output: "${values.output}" must be text or json`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
  return { output: values.output };
}

/**
 * `main.js inspect`: the same configuration (environment) and plan as the running agent, read against the kernel.
 * Exit 0 in line with the plan, 1 not, 2 bad arguments or configuration (one line).
 */
export async function runInspect(role: Role, argv: readonly string[], env: Env, run: CommandRunner): Promise<number> {
  const name = `${role}-vpn-agent`;
  let output: 'text' | 'json';
  let config: AgentConfig;
  try {
    output = parseInspectArgs(argv).output;
    config = parseAgentConfig(role, env);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (!(error instanceof InputError) && !(typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) throw error;
    process.stderr.write(`${name} inspect: ${(error as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '')}\n`);
    return 2;
  }
  const result = await inspect(config, planAgent(config), run);
  process.stdout.write(output === 'json' ? `${JSON.stringify(result, null, 2)}\n` : formatInspection(result));
  return result.ok ? 0 : 1;
}
