import { parseCidr } from '@overlap/cidr';
import { describe, expect, it } from 'vitest';
import { InputError } from '@overlap/runtime';
import { type Role, desiredIPv6Rules, desiredRoutes, desiredRules, natRequired, parseComment, routeDependencies } from '../src/index.ts';
import { MAPPINGS, params } from './fixtures.ts';

/** A rule as one readable line, so expectations read like the iptables rules they become. */
const show = (role: Role) =>
  desiredRules(params(role)).rules.map((r) => {
    const m = r.match;
    const parts = [
      `${r.table}/${r.hook}`,
      m.inInterface && `in=${m.inInterface}`,
      m.outInterface && `out=${m.outInterface}`,
      m.source && `src=${m.source.text}`,
      m.destination && `dst=${m.destination.text}`,
      m.gid !== undefined && `gid=${m.gid}`,
      m.tcpSyn && 'syn',
      r.action.type === 'netmap' ? `netmap→${r.action.to.text}` : r.action.type,
      `"${r.comment}"`,
    ];
    return parts.filter(Boolean).join(' ');
  });

describe('natRequired', () => {
  it.each([
    ['seed', false, false, false],
    ['seed', false, true, true],
    ['seed', true, false, false],
    ['seed', true, true, true],
    ['shoot', false, false, true],
    ['shoot', false, true, true],
    ['shoot', true, false, false],
    ['shoot', true, true, true],
  ] as const)('%s with ha=%s overlap=%s → %s', (role, ha, overlap, expected) => {
    expect(natRequired(role, { ha, overlap })).toBe(expected);
  });
});

describe('desiredRules', () => {
  it('seed: Envoy-only destination mapping, seed pod source mapping and its reverse', () => {
    expect(show('seed')).toEqual([
      'nat/prerouting in=bond0 dst=241.1.0.0/16 netmap→10.1.0.0/16 "overlap seedPods 10.1.0.0/16 241.1.0.0/16 reverse"',
      'nat/output dst=10.1.0.0/16 gid=31415 netmap→244.0.0.0/16 "overlap pods 10.1.0.0/16 244.0.0.0/16 forward"',
      'nat/output dst=10.2.0.0/20 gid=31415 netmap→243.0.0.0/20 "overlap services 10.2.0.0/20 243.0.0.0/20 forward"',
      'nat/output dst=10.250.0.0/24 gid=31415 netmap→242.0.0.0/24 "overlap nodes 10.250.0.0/24 242.0.0.0/24 forward"',
      'nat/postrouting out=bond0 src=10.1.0.0/16 netmap→241.1.0.0/16 "overlap seedPods 10.1.0.0/16 241.1.0.0/16 forward"',
    ]);
  });

  it('shoot: both directions per shoot network, masquerade of the seed, forward accept, MSS clamp', () => {
    expect(show('shoot')).toEqual([
      'nat/prerouting in=tun0 dst=244.0.0.0/16 netmap→10.1.0.0/16 "overlap pods 10.1.0.0/16 244.0.0.0/16 reverse"',
      'nat/prerouting in=tun0 dst=243.0.0.0/20 netmap→10.2.0.0/20 "overlap services 10.2.0.0/20 243.0.0.0/20 reverse"',
      'nat/prerouting in=tun0 dst=242.0.0.0/24 netmap→10.250.0.0/24 "overlap nodes 10.250.0.0/24 242.0.0.0/24 reverse"',
      'nat/postrouting out=tun0 src=10.1.0.0/16 netmap→244.0.0.0/16 "overlap pods 10.1.0.0/16 244.0.0.0/16 forward"',
      'nat/postrouting out=tun0 src=10.2.0.0/20 netmap→243.0.0.0/20 "overlap services 10.2.0.0/20 243.0.0.0/20 forward"',
      'nat/postrouting out=tun0 src=10.250.0.0/24 netmap→242.0.0.0/24 "overlap nodes 10.250.0.0/24 242.0.0.0/24 forward"',
      'nat/postrouting out=eth0 src=241.1.0.0/16 masquerade "overlap masquerade"',
      'filter/forward in=tun0 accept "overlap accept-tunnel"',
      'mangle/postrouting syn clamp-mss "overlap clamp-mss"',
    ]);
  });

  it.each(['seed', 'shoot'] as const)('%s: every rule names its mapping, and the comment says the same', (role) => {
    for (const rule of desiredRules(params(role)).rules) {
      const parsed = parseComment(rule.comment);
      expect(parsed).toBeDefined();
      if (rule.action.type === 'netmap') {
        expect(parsed).toEqual({ mapping: rule.mapping });
        const m = rule.mapping!;
        expect(MAPPINGS).toContainEqual({ kind: m.kind, original: m.original, mapped: m.mapped });
        expect(rule.action.to).toEqual(m.direction === 'forward' ? m.mapped : m.original);
      } else {
        expect(rule.mapping).toBeUndefined();
      }
    }
  });

  it.each(['seed', 'shoot'] as const)('%s: no mappings, no rules', (role) => {
    expect(desiredRules(params(role, { mappings: [] }))).toEqual({ role, rules: [] });
  });

  it.each([
    [{ tunnelDevice: '' }, 'tunnelDevice: "" is not a valid interface name'],
    [{ tunnelDevice: 'tun+0' }, 'tunnelDevice: "tun+0" is not a valid interface name'],
    [{ tunnelDevice: '+' }, 'tunnelDevice: "+" is not a valid interface name'],
    [{ tunnelDevice: 'bond0*' }, 'tunnelDevice: "bond0*" is spelled with * here'],
    [{ egressDevice: 'eth+' }, 'egressDevice: "eth+" is not a valid interface name'],
    [{ tunnelDevice: 'a-name-too-long0' }, 'tunnelDevice: "a-name-too-long0" is not a valid interface name'],
    [{ egressDevice: 'eth 0' }, 'egressDevice: "eth 0" is not a valid interface name'],
    [{ egressDevice: '..' }, 'egressDevice: ".." is not a valid interface name'],
    [{ envoyGid: -1 }, 'envoyGid: "-1" is not a valid group id'],
    [{ envoyGid: 1.5 }, 'envoyGid: "1.5" is not a valid group id'],
    [{ envoyGid: 4294967295 }, 'envoyGid: "4294967295" is not a valid group id'],
    [
      { mappings: [{ kind: 'pods', original: parseCidr('fd00::/64', 'x'), mapped: parseCidr('fd01::/64', 'x') }] },
      'mappings: "pods fd00::/64 → fd01::/64" is not IPv4',
    ],
    [
      { mappings: [{ kind: 'pods', original: parseCidr('10.1.0.0/16', 'x'), mapped: parseCidr('244.0.0.0/8', 'x') }] },
      'mappings: "pods 10.1.0.0/16 → 244.0.0.0/8" maps between different prefix lengths',
    ],
    [{ mappings: [...MAPPINGS, MAPPINGS[0]!] }, 'mappings: "pods 10.1.0.0/16 → 244.0.0.0/16" maps the same network twice'],
    [
      {
        mappings: [...MAPPINGS, { kind: 'seedPods', original: parseCidr('10.9.0.0/16', 'x'), mapped: parseCidr('241.9.0.0/16', 'x') }],
      },
      'mappings: "seedPods 10.9.0.0/16 → 241.9.0.0/16" is a second seed pod network',
    ],
  ] as const)('refuses %#: %s', (overrides, message) => {
    for (const role of ['seed', 'shoot'] as const) {
      const call = () => desiredRules(params(role, overrides));
      expect(call).toThrow(InputError);
      expect(call).toThrow(message);
    }
  });

  it('shoot: the egress device must not be the tunnel device (the seed does not use it)', () => {
    const same = { tunnelDevice: 'eth0', egressDevice: 'eth0' };
    expect(() => desiredRules(params('shoot', same))).toThrow('egressDevice: "eth0" must not be matched by the tunnel device eth0');
    expect(() => desiredRules(params('shoot', { tunnelDevice: 'eth+' }))).toThrow('must not be matched by the tunnel device eth+');
    expect(desiredRules(params('seed', same)).rules).not.toHaveLength(0);
  });

  it.each(['seed', 'shoot'] as const)('%s: a prefix pattern goes into every interface match as it is', (role) => {
    const rules = desiredRules(params(role, { tunnelDevice: 'bond0+' })).rules;
    const devices = rules.flatMap((r) => [r.match.inInterface, r.match.outInterface]).filter((d) => d !== undefined);
    expect(new Set(devices)).toEqual(new Set(role === 'seed' ? ['bond0+'] : ['bond0+', 'eth0']));
  });

  it.each(['bond0', 'tun0', 'vpn_seed.1', 'if@x', 'a-name-long-015'])('accepts the interface name %s', (name) => {
    expect(() => desiredRules(params('seed', { tunnelDevice: name }))).not.toThrow();
  });
});

describe('the MSS clamp in every family the shoot has (vpn2 c9ea7e6)', () => {
  const clamps = (rules: ReturnType<typeof desiredRules>) =>
    rules.rules.filter((r) => r.action.type === 'clamp-mss').map((r) => `${r.table}/${r.hook} ${JSON.stringify(r.match)}`);
  const CLAMP = 'mangle/postrouting {"tcpSyn":true}';

  it.each([
    [['IPv4'], [CLAMP], []],
    [['IPv4', 'IPv6'], [CLAMP], [CLAMP]],
    [['IPv6', 'IPv4'], [CLAMP], [CLAMP]],
    [['IPv6'], [], [CLAMP]],
  ] as const)('shoot with %j: IPv4 %j, IPv6 %j (no interface match, so both directions)', (families, v4, v6) => {
    const p = params('shoot', { families });
    expect(clamps(desiredRules(p))).toEqual(v4);
    expect(clamps(desiredIPv6Rules(p))).toEqual(v6);
    expect(desiredIPv6Rules(p)).toMatchObject({ family: 'IPv6', role: 'shoot' });
  });

  it('IPv6 holds nothing else, and nothing at all on the seed or without mappings', () => {
    expect(desiredIPv6Rules(params('shoot', { families: ['IPv4', 'IPv6'] })).rules).toHaveLength(1);
    expect(desiredIPv6Rules(params('seed', { families: ['IPv4', 'IPv6'] })).rules).toEqual([]);
    expect(desiredIPv6Rules(params('shoot', { families: ['IPv4', 'IPv6'], mappings: [] })).rules).toEqual([]);
    expect(clamps(desiredRules(params('seed', { families: ['IPv4', 'IPv6'] })))).toEqual([]);
  });
});

describe('desiredRoutes', () => {
  it('seed: the mapped shoot networks into the tunnel', () => {
    expect(desiredRoutes(params('seed')).map((r) => `${r.destination.text} ${r.device}`)).toEqual([
      '244.0.0.0/16 bond0',
      '243.0.0.0/20 bond0',
      '242.0.0.0/24 bond0',
    ]);
  });

  it('shoot: the mapped seed pod network into the tunnel', () => {
    expect(desiredRoutes(params('shoot')).map((r) => `${r.destination.text} ${r.device}`)).toEqual(['241.1.0.0/16 tun0']);
  });

  it.each(['seed', 'shoot'] as const)('%s: none without mappings', (role) => {
    expect(desiredRoutes(params(role, { mappings: [] }))).toEqual([]);
  });

  it('validates like desiredRules', () => {
    expect(() => desiredRoutes(params('seed', { tunnelDevice: 'bond 0' }))).toThrow('tunnelDevice: "bond 0" is not a valid interface name');
  });

  it('refuses a prefix pattern: a route needs one device (none needed, none refused)', () => {
    expect(() => desiredRoutes(params('seed', { tunnelDevice: 'bond0+' }))).toThrow(
      'tunnelDevice: "bond0+" is a prefix pattern; a route needs one device name',
    );
    expect(desiredRoutes(params('seed', { tunnelDevice: 'bond0+', mappings: [] }))).toEqual([]);
  });
});

describe('routeDependencies', () => {
  const show = (role: Role) =>
    routeDependencies(params(role, { tunnelDevice: 'bond0+' })).map((d) => `${d.kind} ${d.destination.text} ${d.coverage} ${d.devicePattern} ${d.owner}`);

  it('seed: each mapped shoot block, whole, from the path controller', () => {
    expect(show('seed')).toEqual([
      'pods 244.0.0.0/16 whole bond0+ vpn-path-controller',
      'services 243.0.0.0/20 whole bond0+ vpn-path-controller',
      'nodes 242.0.0.0/24 whole bond0+ vpn-path-controller',
    ]);
  });

  it('shoot: some route back into the mapped seed pods, from the tunnel controller', () => {
    expect(show('shoot')).toEqual(['seedPods 241.1.0.0/16 some bond0+ tunnel-controller']);
  });

  it.each(['seed', 'shoot'] as const)('%s: the same destinations as the point-to-point routes, none without mappings', (role) => {
    expect(routeDependencies(params(role)).map((d) => d.destination)).toEqual(desiredRoutes(params(role)).map((r) => r.destination));
    expect(routeDependencies(params(role, { mappings: [] }))).toEqual([]);
  });
});
