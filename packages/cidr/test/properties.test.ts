import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Cidr,
  type Mapping,
  blockSize,
  containsAddress,
  formatAddress,
  lastAddress,
  makeCidr,
  overlaps,
  packKind,
  parseAddress,
  parseCidr,
  translate,
  untranslate,
  MAPPED_RANGE,
  RESERVED_RANGES,
  UNROUTABLE_RANGES,
  parseNetworks,
  tryPlanMappings,
} from '../src/index.ts';

const v4Cidr = (minPrefix = 0, maxPrefix = 32): fc.Arbitrary<Cidr> =>
  fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), fc.integer({ min: minPrefix, max: maxPrefix })).map(([value, prefix]) => {
    const size = 1n << BigInt(32 - prefix);
    return makeCidr('IPv4', (value / size) * size, prefix);
  });

const v6Value = fc.bigInt({ min: 0n, max: 2n ** 128n - 1n });

/** Networks outside 240.0.0.0/4 with room for their own /8 mapping, as validated shoot input would be. */
const shootNetworks = fc.array(v4Cidr(8, 30), { minLength: 1, maxLength: 40 });

describe('CIDR properties', () => {
  it('formatting and parsing round-trip in both families; IPv6 text matches the WHATWG serializer (RFC 5952)', () => {
    fc.assert(
      fc.property(v4Cidr(), (cidr) => {
        expect(parseCidr(cidr.text, 'x')).toEqual(cidr);
      }),
    );
    fc.assert(
      fc.property(v6Value, (value) => {
        const text = formatAddress('IPv6', value);
        expect(parseAddress(text, 'x').value).toBe(value);
        expect(`[${text}]`).toBe(new URL(`http://[${text}]/`).hostname);
      }),
    );
  });

  it('overlap is symmetric, reflexive, and equals "share an address"', () => {
    fc.assert(
      fc.property(v4Cidr(), v4Cidr(), (a, b) => {
        expect(overlaps(a, b)).toBe(overlaps(b, a));
        expect(overlaps(a, a)).toBe(true);
        const shared = a.address <= lastAddress(b) && b.address <= lastAddress(a);
        expect(overlaps(a, b)).toBe(shared);
        // Gardener's form: one contains the other's network address.
        const asAddress = (c: Cidr) => ({ family: c.family, value: c.address, text: '' });
        expect(overlaps(a, b)).toBe(containsAddress(a, asAddress(b)) || containsAddress(b, asAddress(a)));
      }),
    );
  });
});

describe('validation properties', () => {
  it('refuses to translate a set of IPv4 shoot networks exactly when two of them overlap (as a naive pairwise check says)', () => {
    const refused = [...RESERVED_RANGES, ...UNROUTABLE_RANGES.map((u) => u.range)];
    const usable = v4Cidr(8, 30).filter((c) => !refused.some((r) => overlaps(c, r)));
    fc.assert(
      fc.property(fc.array(usable, { maxLength: 12 }), fc.array(usable, { maxLength: 12 }), (pods, nodes) => {
        // Repeats inside one list are dropped by parsing, so only distinct networks can clash there.
        const distinct = (list: Cidr[]) => [...new Map(list.map((c) => [c.text, c])).values()];
        const all = [...distinct(pods), ...distinct(nodes)];
        const clash = all.some((a, i) => all.some((b, j) => i < j && overlaps(a, b)));
        const networks = parseNetworks({ pods: pods.map((c) => c.text).join(','), nodes: nodes.map((c) => c.text).join(',') });
        const plan = tryPlanMappings(networks);
        const disjointness = plan.translatable ? '' : plan.problem.message;
        if (clash) expect(disjointness).toContain('shoot networks must be disjoint');
        else expect(disjointness).not.toContain('shoot networks must be disjoint');
      }),
    );
  });
});

describe('IPv6 is never translated', () => {
  const refused = [...RESERVED_RANGES, ...UNROUTABLE_RANGES.map((u) => u.range)];
  const v6Cidr = fc.tuple(v6Value, fc.integer({ min: 32, max: 128 })).map(([value, prefix]) => {
    const size = 1n << BigInt(128 - prefix);
    return makeCidr('IPv6', (value / size) * size, prefix);
  });
  const usableV6 = fc.array(
    v6Cidr.filter((c) => !refused.some((r) => overlaps(c, r))),
    { maxLength: 4 },
  );

  it('IPv6 networks in any kind, shared or nested, never change what an IPv4 seed translates', () => {
    const usable = v4Cidr(8, 30).filter((c) => !refused.some((r) => overlaps(c, r)));
    fc.assert(
      fc.property(fc.array(usable, { maxLength: 4 }), usableV6, usableV6, usableV6, (v4, pods6, services6, nodes6) => {
        const join = (list: readonly Cidr[]) => list.map((c) => c.text).join(',');
        const base = { seedPods: '10.0.0.0/12', pods: join(v4) };
        const dual = { seedPods: '10.0.0.0/12', pods: join([...v4, ...pods6, ...nodes6]), services: join(services6), nodes: join([...nodes6, ...pods6]) };
        expect(tryPlanMappings(parseNetworks(dual))).toEqual(tryPlanMappings(parseNetworks(base)));
      }),
    );
  });
});

describe('packing properties', () => {
  it('mapped blocks keep the prefix, lie inside the /8, are aligned and pairwise disjoint', () => {
    fc.assert(
      fc.property(shootNetworks, (cidrs) => {
        let mappings: Mapping[];
        try {
          mappings = packKind('nodes', cidrs, 'F');
        } catch {
          return; // too large together: covered by the next property
        }
        const target = MAPPED_RANGE.nodes;
        mappings.forEach((m, i) => {
          expect(m.mapped.prefix).toBe(m.original.prefix);
          expect(m.mapped.address % blockSize(m.mapped)).toBe(0n);
          expect(m.mapped.address >= target.address && lastAddress(m.mapped) <= lastAddress(target)).toBe(true);
          for (const other of mappings.slice(i + 1)) expect(overlaps(m.mapped, other.mapped)).toBe(false);
        });
      }),
    );
  });

  it('fits exactly when the sizes add up to no more than the /8 (largest-first packing leaves no holes)', () => {
    fc.assert(
      fc.property(shootNetworks, (cidrs) => {
        const total = cidrs.reduce((sum, c) => sum + blockSize(c), 0n);
        const fits = total <= blockSize(MAPPED_RANGE.pods);
        if (fits) expect(packKind('pods', cidrs, 'F')).toHaveLength(cidrs.length);
        else expect(() => packKind('pods', cidrs, 'F')).toThrow('do not fit together');
      }),
    );
  });

  it('is deterministic and depends only on sizes and input order', () => {
    fc.assert(
      fc.property(shootNetworks, (cidrs) => {
        try {
          const first = packKind('services', cidrs, 'F').map((m) => m.mapped.text);
          const again = packKind('services', [...cidrs], 'F').map((m) => m.mapped.text);
          expect(again).toEqual(first);
        } catch (error) {
          expect(() => packKind('services', cidrs, 'F')).toThrow((error as Error).message);
        }
      }),
    );
  });

  it('translate then untranslate is the identity for every address of every mapped network', () => {
    fc.assert(
      fc.property(shootNetworks, fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 32n }), (cidrs, pick, offset) => {
        let mappings: Mapping[];
        try {
          mappings = packKind('pods', cidrs, 'F');
        } catch {
          return;
        }
        const chosen = mappings[pick % mappings.length]!;
        const value = chosen.original.address + (offset % blockSize(chosen.original));
        const address = { family: 'IPv4' as const, value, text: formatAddress('IPv4', value) };
        // Originals may overlap each other here (validation forbids that for real input), so translate
        // through the chosen mapping only.
        const forward = translate([chosen], address);
        expect(containsAddress(chosen.mapped, forward)).toBe(true);
        expect(forward.value - chosen.mapped.address).toBe(value - chosen.original.address);
        expect(untranslate([chosen], forward)).toEqual(address);
      }),
    );
  });
});
