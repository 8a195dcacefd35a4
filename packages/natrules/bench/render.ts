// How long the pure part of one agent sync takes (desired rules, render, parse the live state back, diff) for
// 10, 100 and 1000 mappings; as root, also how long the kernel takes to apply the rendered rule set: one
// iptables-restore, one nft -f, and, for comparison, one iptables process per rule as the reference does.
import { type Mapping, parseNetworks, planMappings } from '@overlap/cidr';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  APPLY_COMMAND,
  type Backend,
  EMPTY_LIVE_STATE,
  type NatParams,
  type Role,
  desiredRules,
  diffRules,
  iptablesRuleArgs,
  parseIptablesSave,
  parseNftJson,
  renderApply,
  renderTeardown,
} from '../src/index.ts';

const SIZES = [10, 100, 1000];
/** One process per rule takes seconds at 1000 mappings and says nothing new; it stops here. */
const PER_RULE_MAX = 100;
const isRoot = process.getuid?.() === 0;

/** n shoot pod /24s and a seed pod network overlapping none of them. */
function mappingsFor(n: number): Mapping[] {
  const pods = Array.from({ length: n }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`).join(',');
  return planMappings(parseNetworks({ seedPods: '100.64.0.0/16', pods }));
}

const paramsFor = (role: Role, mappings: Mapping[]): NatParams => ({
  role,
  mappings,
  tunnelDevice: 'tun0',
  egressDevice: 'eth0',
  envoyGid: 31415,
});

function median(samples: number[]): number {
  return samples.toSorted((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

function time(runs: number, work: () => unknown): number {
  work();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    work();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

const f = (ms: number | undefined): string => (ms === undefined ? 'n/a' : ms.toFixed(ms < 1 ? 3 : 1));

class Netns {
  readonly name = `ovl-natrules-bench-${randomBytes(4).toString('hex')}`;
  constructor() {
    execFileSync('ip', ['netns', 'add', this.name]);
  }
  run(argv: readonly string[], input = ''): string {
    return execFileSync('ip', ['netns', 'exec', this.name, ...argv], { input, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  }
  delete(): void {
    execFileSync('ip', ['netns', 'delete', this.name]);
  }
}

/** The backends' real output for a rule set, to parse; only available as root. */
function liveOutput(ns: Netns | undefined, backend: Backend, params: NatParams): string | undefined {
  if (!ns) return undefined;
  const desired = desiredRules(params);
  ns.run(APPLY_COMMAND[backend], renderApply(backend, desired, EMPTY_LIVE_STATE(backend)));
  const text = backend === 'iptables' ? ns.run(['iptables-save', '-c']) : ns.run(['nft', '-j', 'list', 'table', 'ip', 'overlap']);
  ns.run(APPLY_COMMAND[backend], renderTeardown(backend, backend === 'iptables' ? parseIptablesSave(text) : parseNftJson(text)));
  return text;
}

function elapsed(work: () => void): number {
  const start = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const ns = isRoot ? new Netns() : undefined;
try {
  console.log('### Pure: plan, render, parse, diff (median)\n');
  console.log('| mappings | role | rules | desiredRules | render iptables | parse iptables-save | diff | render nft | parse nft JSON | diff | sync total iptables | sync total nft |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const kernelRows: string[] = [];
  for (const n of SIZES) {
    const mappings = mappingsFor(n);
    const runs = n >= 1000 ? 15 : 50;
    for (const role of ['seed', 'shoot'] as const) {
      const params = paramsFor(role, mappings);
      const desired = desiredRules(params);
      const tPlan = time(runs, () => desiredRules(params));
      const t: Record<Backend, { render: number; parse?: number; diff?: number }> = {
        iptables: { render: time(runs, () => renderApply('iptables', desired, EMPTY_LIVE_STATE('iptables'))) },
        nftables: { render: time(runs, () => renderApply('nftables', desired, EMPTY_LIVE_STATE('nftables'))) },
      };
      for (const backend of ['iptables', 'nftables'] as const) {
        const output = liveOutput(ns, backend, params);
        if (output === undefined) continue;
        const parse = backend === 'iptables' ? parseIptablesSave : parseNftJson;
        const live = parse(output);
        if (!diffRules(desired, live).inSync) throw new Error(`${backend} ${role} ${n}: live state not in sync`);
        t[backend].parse = time(runs, () => parse(output));
        t[backend].diff = time(runs, () => diffRules(desired, live));
      }
      const total = (b: Backend) => (t[b].parse === undefined ? undefined : tPlan + t[b].render + t[b].parse! + t[b].diff!);
      console.log(
        `| ${n} | ${role} | ${desired.rules.length} | ${f(tPlan)} | ${f(t.iptables.render)} | ${f(t.iptables.parse)} | ${f(t.iptables.diff)} | ${f(t.nftables.render)} | ${f(t.nftables.parse)} | ${f(t.nftables.diff)} | ${f(total('iptables'))} | ${f(total('nftables'))} |`,
      );
      if (ns && role === 'shoot') kernelRows.push(kernelRow(ns, n, params));
    }
  }
  console.log('\nAll times in ms. Parse inputs are the real `iptables-save -c` / `nft -j list table ip overlap` output');
  console.log(`${ns ? 'of the rule set applied in a scratch network namespace.' : 'and need root; not run as root, so n/a.'}`);
  if (ns) {
    console.log('\n### Kernel: applying the shoot rule set into empty tables (one run each)\n');
    console.log('| mappings | rules | iptables-restore (one transaction) | nft -f (one transaction) | one iptables process per rule |');
    console.log('|---:|---:|---:|---:|---:|');
    for (const row of kernelRows) console.log(row);
    console.log(`\nOne process per rule is what the reference implementation does (plus a check per rule); measured up to ${PER_RULE_MAX} mappings.`);
  }
} finally {
  ns?.delete();
}

function kernelRow(ns: Netns, n: number, params: NatParams): string {
  const desired = desiredRules(params);
  const applyOnce = (backend: Backend): number => {
    const text = renderApply(backend, desired, EMPTY_LIVE_STATE(backend));
    const ms = elapsed(() => ns.run(APPLY_COMMAND[backend], text));
    const live = backend === 'iptables' ? parseIptablesSave(ns.run(['iptables-save'])) : parseNftJson(ns.run(['nft', '-j', 'list', 'ruleset']));
    ns.run(APPLY_COMMAND[backend], renderTeardown(backend, live));
    return ms;
  };
  const restore = applyOnce('iptables');
  const nft = applyOnce('nftables');
  let perRule: number | undefined;
  if (n <= PER_RULE_MAX) {
    const chains = new Set(desired.rules.map((r) => `${r.table} ${iptablesRuleArgs(r).chain}`));
    perRule = elapsed(() => {
      for (const chain of chains) {
        const [table, name] = chain.split(' ');
        ns.run(['iptables', '-t', table!, '-N', name!]);
      }
      for (const rule of desired.rules) {
        const { table, chain, args } = iptablesRuleArgs(rule);
        ns.run(['iptables', '-t', table, '-A', chain, ...args]);
      }
    });
    ns.run(APPLY_COMMAND.iptables, renderTeardown('iptables', parseIptablesSave(ns.run(['iptables-save']))));
  }
  return `| ${n} | ${desired.rules.length} | ${f(restore)} | ${f(nft)} | ${perRule === undefined ? 'not run' : f(perRule)} |`;
}
