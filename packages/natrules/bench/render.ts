// How long the pure part of one agent sync takes (desired rules, render, parse the live state back, diff) for
// 10, 100 and 1000 mappings. The parse inputs are the kernel's real output, so it needs root to parse; the
// kernel's own apply times are in packages/agent-core/bench/sync.ts.
//   node packages/natrules/bench/render.ts
import { type Mapping, parseNetworks, planMappings } from '@overlap/cidr';
import { isRoot } from '@overlap/test-support';
import {
  APPLY_COMMAND,
  type Backend,
  EMPTY_LIVE_STATE,
  type NatParams,
  type Role,
  desiredRules,
  diffRules,
  parseLive,
  renderApply,
  renderTeardown,
} from '../src/index.ts';
import { Netns } from '../test/netns.ts';

const SIZES = [10, 100, 1000];

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

/** The backends' real output for a rule set, to parse; only available as root. */
function liveOutput(ns: Netns | undefined, backend: Backend, params: NatParams): string | undefined {
  if (!ns) return undefined;
  const desired = desiredRules(params);
  ns.run(APPLY_COMMAND[backend], renderApply(backend, desired, EMPTY_LIVE_STATE(backend)));
  const text = backend === 'iptables' ? ns.run(['iptables-save', '-c']) : ns.run(['nft', '-j', 'list', 'table', 'ip', 'overlap']);
  ns.run(APPLY_COMMAND[backend], renderTeardown(backend, parseLive(backend, text)));
  return text;
}

const ns = isRoot ? new Netns() : undefined;
try {
  console.log('### natrules: plan, render, parse, diff for one side (median, ms)\n');
  console.log(
    '| mappings | role | rules | desiredRules | render iptables | parse iptables-save | diff | render nft | parse nft JSON | diff | sync total iptables | sync total nft |',
  );
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
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
        const parse = (text: string) => parseLive(backend, text);
        const live = parse(output);
        if (!diffRules(desired, live).inSync) throw new Error(`${backend} ${role} ${n}: live state not in sync`);
        t[backend].parse = time(runs, () => parse(output));
        t[backend].diff = time(runs, () => diffRules(desired, live));
      }
      const total = (b: Backend) => (t[b].parse === undefined ? undefined : tPlan + t[b].render + t[b].parse! + t[b].diff!);
      console.log(
        `| ${n} | ${role} | ${desired.rules.length} | ${f(tPlan)} | ${f(t.iptables.render)} | ${f(t.iptables.parse)} | ${f(t.iptables.diff)} | ${f(t.nftables.render)} | ${f(t.nftables.parse)} | ${f(t.nftables.diff)} | ${f(total('iptables'))} | ${f(total('nftables'))} |`,
      );
    }
  }
  console.log('\nAll times in ms. Parse inputs are the real `iptables-save -c` / `nft -j list table ip overlap` output');
  console.log(`${ns ? 'of the rule set applied in a scratch network namespace.' : 'and need root; not run as root, so n/a.'}`);
} finally {
  ns?.delete();
}
