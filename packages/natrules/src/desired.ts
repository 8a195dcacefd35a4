import type { Family, Mapping } from '@overlap/cidr';
import { InputError } from '@overlap/runtime';
import { mappingComment, purposeComment } from './comment.ts';
import {
  type ChainRules,
  type Direction,
  type MappingRef,
  type NatParams,
  type Role,
  type Route,
  type RouteDependency,
  type Rule,
  type RuleChains,
  type RuleSet,
  chainIndex,
} from './model.ts';
import { isWildcard } from './device.ts';
import { assertNatParams } from './params.ts';

/** Seed: translate iff the networks overlap. Shoot: also when not HA, as Gardener's vpn-shoot does. */
export function natRequired(role: Role, decision: { ha: boolean; overlap: boolean }): boolean {
  return role === 'seed' ? decision.overlap : !decision.ha || decision.overlap;
}

const isShootNetwork = (m: Mapping): boolean => m.kind !== 'seedPods';

const ref = (m: Mapping, direction: Direction): MappingRef => ({
  kind: m.kind,
  original: m.original,
  mapped: m.mapped,
  direction,
});

/** Forward: a packet leaving with (source or destination) `original` is rewritten to `mapped`. */
function forwardNetmap(m: Mapping, { table, hook, match }: Pick<Rule, 'table' | 'hook' | 'match'>): Rule {
  const mapping = ref(m, 'forward');
  return { table, hook, match, action: { type: 'netmap', to: m.mapped }, comment: mappingComment(mapping), mapping };
}

/** Reverse: a packet arriving from the tunnel addressed to `mapped` is rewritten back to `original`. */
function reverseNetmap(m: Mapping, tunnelDevice: string): Rule {
  const mapping = ref(m, 'reverse');
  return {
    table: 'nat',
    hook: 'prerouting',
    match: { inInterface: tunnelDevice, destination: m.mapped },
    action: { type: 'netmap', to: m.original },
    comment: mappingComment(mapping),
    mapping,
  };
}

/** `make` over the mappings, one rule at a time. */
function* each(mappings: readonly Mapping[], make: (m: Mapping) => Rule): Generator<Rule> {
  for (const m of mappings) yield make(m);
}

/**
 * In the kube-apiserver pod: only Envoy's connections (its group id) get their shoot destination mapped, the
 * pod's own source leaves into the tunnel mapped into 241/8, and connections the shoot opens to 241/8 reach
 * the real seed pod addresses. Answers need no rule: conntrack undoes each translation.
 */
function seedChains({ mappings, tunnelDevice, envoyGid }: NatParams): ChainRules[] {
  const shoot = mappings.filter(isShootNetwork);
  const seedPods = mappings.filter((m) => !isShootNetwork(m));
  return [
    { chain: { table: 'nat', hook: 'prerouting' }, rules: () => each(seedPods, (m) => reverseNetmap(m, tunnelDevice)) },
    {
      chain: { table: 'nat', hook: 'output' },
      rules: () => each(shoot, (m) => forwardNetmap(m, { table: 'nat', hook: 'output', match: { destination: m.original, gid: envoyGid } })),
    },
    {
      chain: { table: 'nat', hook: 'postrouting' },
      rules: () => each(seedPods, (m) => forwardNetmap(m, { table: 'nat', hook: 'postrouting', match: { source: m.original, outInterface: tunnelDevice } })),
    },
  ];
}

/**
 * In vpn-shoot: mapped destinations from the tunnel become real shoot addresses, real shoot sources into the
 * tunnel become mapped, and the seed's 241/8 sources are masqueraded out of the pod so answers return through
 * it (shoot pods have no route to 241/8).
 */
function shootChains(params: NatParams): ChainRules[] {
  const { mappings, tunnelDevice, egressDevice } = params;
  const shoot = mappings.filter(isShootNetwork);
  const seedPods = mappings.filter((m) => !isShootNetwork(m));
  const masquerade = (m: Mapping): Rule => ({
    table: 'nat',
    hook: 'postrouting',
    match: { source: m.mapped, outInterface: egressDevice },
    action: { type: 'masquerade' },
    comment: purposeComment('masquerade'),
  });
  // iptables: overrides a DROP policy of filter FORWARD. nftables: an accept ends only this table's chain; a
  // drop in any other table's forward hook still drops, so it does not help against a restrictive firewall.
  const acceptTunnel: Rule = {
    table: 'filter',
    hook: 'forward',
    match: { inInterface: tunnelDevice },
    action: { type: 'accept' },
    comment: purposeComment('accept-tunnel'),
  };
  return [
    { chain: { table: 'nat', hook: 'prerouting' }, rules: () => each(shoot, (m) => reverseNetmap(m, tunnelDevice)) },
    {
      chain: { table: 'nat', hook: 'postrouting' },
      rules: function* () {
        yield* each(shoot, (m) => forwardNetmap(m, { table: 'nat', hook: 'postrouting', match: { source: m.original, outInterface: tunnelDevice } }));
        yield* each(seedPods, masquerade);
      },
    },
    { chain: { table: 'filter', hook: 'forward' }, rules: () => [acceptTunnel] },
    ...(families(params).includes('IPv4') ? [{ chain: { table: 'mangle', hook: 'postrouting' } as const, rules: () => [CLAMP_MSS] }] : []),
  ];
}

const families = (params: NatParams): readonly Family[] => params.families ?? ['IPv4'];

/**
 * As vpn2 does since c9ea7e6 ("Apply MSS fix in both directions"): every SYN and SYN-ACK leaving vpn-shoot, on any
 * interface, gets its MSS clamped to the route's path MTU, so connections through the tunnel (the smallest MTU on
 * the path) work whichever side opened them.
 */
const CLAMP_MSS: Rule = {
  table: 'mangle',
  hook: 'postrouting',
  match: { tcpSyn: true },
  action: { type: 'clamp-mss' },
  comment: purposeComment('clamp-mss'),
};

/**
 * The complete rule set of one side chain by chain, each chain's rules made only when they are iterated; no
 * mappings means nothing to translate and so no rules at all. Within a chain the order given is the render order.
 */
export function desiredRuleChains(params: NatParams): RuleChains {
  assertNatParams(params);
  if (params.mappings.length === 0) return { role: params.role, chains: [] };
  const chains = params.role === 'seed' ? seedChains(params) : shootChains(params);
  // Only chains that hold rules: a chain is needed (declared, jumped to) exactly when it does.
  const inOrder = chains.toSorted((a, b) => chainIndex(a.chain) - chainIndex(b.chain));
  return { role: params.role, chains: inOrder.filter((c) => !isEmpty(c.rules())) };
}

const isEmpty = (rules: Iterable<Rule>): boolean => rules[Symbol.iterator]().next().done === true;

/** The complete rule set of one side (desiredRuleChains, every rule made). */
export function desiredRules(params: NatParams): RuleSet {
  return { role: params.role, rules: desiredRuleChains(params).chains.flatMap((c) => [...c.rules()]) };
}

/**
 * The IPv6 rule set: nothing is translated in IPv6, so it holds only the shoot side's MSS clamp, when the shoot has
 * IPv6 and this side translates at all (like the IPv4 rules, nothing is installed without mappings).
 */
export function desiredIPv6Rules(params: NatParams): RuleSet {
  assertNatParams(params);
  const clamp = params.role === 'shoot' && params.mappings.length > 0 && families(params).includes('IPv6');
  return { role: params.role, family: 'IPv6', rules: clamp ? [CLAMP_MSS] : [] };
}

/** The mapped blocks of the other side: what this side sends into the tunnel. */
const remoteMappings = ({ role, mappings }: NatParams): Mapping[] => mappings.filter((m) => isShootNetwork(m) === (role === 'seed'));

/**
 * Point-to-point mode (one tunnel device, no route owner): each mapped block of the other side goes into the
 * tunnel. A route needs one device, so a prefix pattern is refused here.
 */
export function desiredRoutes(params: NatParams): Route[] {
  assertNatParams(params);
  const remote = remoteMappings(params);
  if (remote.length > 0 && isWildcard(params.tunnelDevice)) {
    throw new InputError('tunnelDevice', params.tunnelDevice, 'is a prefix pattern; a route needs one device name');
  }
  return remote.map((m) => ({ destination: m.mapped, device: params.tunnelDevice }));
}

/** Gardener's owners of the HA routes: vpn2's path controller in the kube-apiserver pod, its tunnel controller in vpn-shoot. */
const ROUTE_OWNER: Readonly<Record<Role, string>> = { seed: 'vpn-path-controller', shoot: 'tunnel-controller' };

/**
 * HA mode: the routes belong to Gardener's controllers, the agent only depends on them. The seed side needs each
 * mapped shoot block routed, whole, through the tunnel devices (the path controller routes 242/243/244.0.0.0/8);
 * the shoot side needs some route back into the mapped seed pod block (the tunnel controller routes each
 * kube-apiserver pod's mapped address as a /32).
 */
export function routeDependencies(params: NatParams): RouteDependency[] {
  assertNatParams(params);
  return remoteMappings(params).map((m) => ({
    kind: m.kind,
    destination: m.mapped,
    coverage: params.role === 'seed' ? 'whole' : 'some',
    devicePattern: params.tunnelDevice,
    owner: ROUTE_OWNER[params.role],
  }));
}
