// For every shoot Gardener's validation accepts, the controller's plan translates or explains in one line, and the
// agents given Gardener's env for it start (no exit) and agree with the controller. The generator models the
// rules of gardener/gardener pkg/utils/validation/cidr/disjoint.go and pkg/api/core/validation/shoot.go:
// canonical CIDRs, nothing inside the reserved ranges, the IPv4 spec networks disjoint (ValidateShootNetwork-
// Disjointedness), IPv4 free to overlap the seed. Status networks come from the Infrastructure extension and are not
// validated against each other, so they may repeat, share IPv6 ranges across kinds or overlap anything.
// Deliberate differences: overlap refuses all of 240.0.0.0/4, Gardener only 240–244/8, so 245–255/8 is not drawn;
// and the unroutable ranges (0/8, loopback, link-local, multicast), which no shoot network can work in, are not drawn.
import { type Cidr, RESERVED_RANGES, UNROUTABLE_RANGES, makeCidr, networksToEnv, overlaps, parseAddress } from '@overlap/cidr';
import { parseAgentConfig, planAgent } from '@overlap/agent-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '@overlap/runtime';
import { type ClusterOptions, cluster } from '@overlap/test-support';
import { DEFAULT_INJECTION_SETTINGS } from '../src/inject/settings.ts';
import { decideInjection } from '../src/shoot/decision.ts';
import { shootFactsFromCluster } from '../src/shoot/shoot-facts.ts';
import { type ShootPlan, planShoot } from '../src/shoot/shoot-plan.ts';

const refused = [...RESERVED_RANGES, ...UNROUTABLE_RANGES.map((u) => u.range)];
const usable = (cidr: Cidr): boolean => !refused.some((range) => overlaps(cidr, range));

const v4 = fc
  .tuple(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }), fc.integer({ min: 6, max: 30 }))
  .map(([value, prefix]) => {
    const size = 1n << BigInt(32 - prefix);
    return makeCidr('IPv4', (value / size) * size, prefix);
  })
  .filter(usable);

/** A few IPv6 blocks and subnets of them, so kinds often share or contain each other's ranges, and the seed's. */
const v6 = fc
  .tuple(fc.constantFrom('fd00:10::', '2a05:d014:a41:4300::', '2600:1900:4000:b2a::', 'fd8f:6d53:b97a:2::'), fc.constantFrom(48, 56, 64, 108))
  .map(([base, prefix]) => {
    const size = 1n << BigInt(128 - prefix);
    return makeCidr('IPv6', (parseAddress(base, 'base').value / size) * size, prefix);
  })
  .filter(usable)
  .map((cidr) => cidr.text);

const FAMILIES = [['IPv4'], ['IPv6'], ['IPv4', 'IPv6'], ['IPv6', 'IPv4']] as const;

const statusList = fc.array(
  fc.oneof(
    v4.map((c) => c.text),
    v6,
  ),
  { maxLength: 3 },
);

const acceptedShoot: fc.Arbitrary<ClusterOptions> = fc
  .record({
    families: fc.constantFrom(...FAMILIES),
    spec: fc.tuple(v4, v4, v4),
    specV6: fc.tuple(fc.option(v6, { nil: undefined }), fc.option(v6, { nil: undefined }), fc.option(v6, { nil: undefined })),
    status: fc.record({ pods: statusList, services: statusList, nodes: statusList }),
    seed: fc.constantFrom(['10.0.0.0/12', 'IPv4'], ['100.96.0.0/11', 'IPv4'], ['fd00:10::/48', 'IPv6']),
    ha: fc.boolean(),
    haAnnotation: fc.option(fc.constantFrom('true', 'false', 'F', 'bogus'), { nil: undefined }),
    workers: fc.boolean(),
    migration: fc.option(fc.constantFrom('True', 'False', 'Progressing'), { nil: undefined }),
  })
  .filter(({ spec }) => !spec.some((a, i) => spec.some((b, j) => i < j && overlaps(a, b))))
  .map(({ families, spec, specV6, status, seed, ha, haAnnotation, workers, migration }) => {
    const v4Primary = families[0] === 'IPv4';
    const [pods, services, nodes] = v4Primary ? spec.map((c) => c.text) : specV6;
    return {
      ipFamilies: [...families],
      ...(pods === undefined ? {} : { pods }),
      ...(services === undefined ? {} : { services }),
      ...(nodes === undefined ? {} : { nodes }),
      status,
      seedPods: seed[0],
      seedFamilies: [seed[1]],
      ha,
      workers,
      ...(haAnnotation === undefined ? {} : { haAnnotation }),
      ...(migration === undefined ? {} : { constraints: [{ type: 'DualStackNodesMigrationReady', status: migration }] }),
    };
  });

/** The controller's outcome: a plan, or the one-line reason it skips the shoot. Anything else propagates. */
function planOrExplain(options: ClusterOptions): ShootPlan | InputError {
  try {
    return planShoot(cluster(options), DEFAULT_INJECTION_SETTINGS);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
}

describe('shoots Gardener accepts', () => {
  it('are decided, then translated or explained in one line naming a Cluster field; never an exception', () => {
    fc.assert(
      fc.property(acceptedShoot, (options) => {
        const facts = shootFactsFromCluster(cluster(options));
        expect(decideInjection(facts).reason).not.toBe('');
        const outcome = planOrExplain(options);
        if (outcome instanceof InputError) {
          expect(outcome.message).toMatch(/^spec\.(shoot|seed)\.\S+: "[^"\n]*" [^\n]+$/);
          return;
        }
        expect(outcome.mappings.every((m) => m.original.family === 'IPv4')).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('give both agents an env they run with (no exit), translating exactly what the controller planned', () => {
    fc.assert(
      fc.property(acceptedShoot, (options) => {
        const facts = shootFactsFromCluster(cluster(options));
        // No agent is ever started without shoot networks: the controller injects only where they overlap, and the
        // vpn-shoot webhook leaves a vpn-shoot without networks alone. Such an env is a deployment mistake the agents
        // refuse by design (exit 2), e.g. an IPv6-first shoot before its Infrastructure reported any network.
        const { pods, services, nodes } = facts.networks;
        if (pods.length + services.length + nodes.length === 0) return;
        const env = { ...networksToEnv(facts.networks), IS_HA: String(facts.haVpn), IP_FAMILIES: facts.shootFamilies.join(',') };
        const outcome = planOrExplain(options);
        for (const role of ['seed', 'shoot'] as const) {
          const plan = planAgent(parseAgentConfig(role, env));
          if (!plan.natExpected) continue;
          if (outcome instanceof InputError) {
            expect(plan.problem).toBeDefined();
            expect(plan.desired.rules).toEqual([]);
          } else {
            expect(plan.problem).toBeUndefined();
            expect(plan.mappings).toEqual(outcome.mappings);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
