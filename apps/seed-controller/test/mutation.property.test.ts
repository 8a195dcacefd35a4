import type { V1Deployment } from '@kubernetes/client-node';
import fc from 'fast-check';
import jsonPatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { type ClusterOptions, cluster, realisticDeployment, sampleDeployment } from '@overlap/test-support';
import { mutateDeployment } from '../src/inject/mutate.ts';
import { deploymentPatch } from '../src/inject/patch.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../src/inject/settings.ts';
import { planShoot } from '../src/shoot/shoot-plan.ts';

/**
 * Shoots of every shape the decision distinguishes: HA or not (spec or annotation), workers or not, IPv4, IPv6 or
 * dual-stack, networks inside or outside the seed pod network 10.0.0.0/12, one or several per kind. Networks are
 * distinct /16s (or /56s), so every generated Cluster is valid.
 */
const clusterOptions: fc.Arbitrary<ClusterOptions> = fc
  .record({
    octets: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { minLength: 4, maxLength: 4 }),
    extraNodes: fc.boolean(),
    families: fc.constantFrom(['IPv4'], ['IPv6'], ['IPv4', 'IPv6']),
    ha: fc.boolean(),
    haAnnotation: fc.option(fc.constantFrom('true', 'false', 'bogus'), { nil: undefined }),
    workers: fc.boolean(),
  })
  .map(({ octets, extraNodes, families, ha, haAnnotation, workers }) => {
    const [pods, services, nodes, more] = octets.map((o) => `10.${o}.0.0/16`);
    const v6 = (i: number) => `fd00:${i}::/56`;
    const v4Only = families[0] === 'IPv4';
    const dual = families.length === 2;
    const base = v4Only ? { pods: pods!, services: services!, nodes: nodes! } : { pods: v6(1), services: 'fd00:2::/112', nodes: v6(3) };
    return {
      ...base,
      ipFamilies: [...families],
      ha,
      workers,
      ...(haAnnotation !== undefined ? { haAnnotation } : {}),
      status: {
        ...(extraNodes && v4Only ? { nodes: [more!] } : {}),
        ...(dual ? { pods: [base.pods, v6(4)] } : {}),
      },
    };
  });

const injectionOf = (options: ClusterOptions) => planShoot(cluster(options), DEFAULT_INJECTION_SETTINGS).injection;

describe('mutateDeployment properties', () => {
  it('inject → re-admit is a no-op; remove restores the original exactly; no injection leaves the object itself', () => {
    fc.assert(
      fc.property(clusterOptions, (options) => {
        const original = sampleDeployment();
        const snapshot = JSON.stringify(original);
        const injection = injectionOf(options);
        const first = mutateDeployment(original, injection);
        if (!injection) {
          expect(first.deployment).toBe(original);
          return;
        }
        expect(first.outcome).toBe('injected');
        expect(mutateDeployment(first.deployment, injection).deployment).toBe(first.deployment);
        const removed = mutateDeployment(first.deployment, undefined);
        expect(removed.outcome).toBe('removed');
        expect(JSON.stringify(removed.deployment)).toBe(snapshot);
      }),
      { numRuns: 100 },
    );
  });

  it('only the path controller ever gets SEED_POD_NETWORK, and a value Gardener set survives inject and remove', () => {
    fc.assert(
      fc.property(clusterOptions, fc.option(fc.constantFrom('10.64.0.0/12', '100.64.0.0/10'), { nil: undefined }), (options, gardenerValue) => {
        const original = sampleDeployment();
        const pathController = original.spec!.template.spec!.containers.find((c) => c.name === 'vpn-path-controller')!;
        if (gardenerValue !== undefined) pathController.env = [...(pathController.env ?? []), { name: 'SEED_POD_NETWORK', value: gardenerValue }];
        const snapshot = JSON.stringify(original);
        const injection = injectionOf(options);
        const injected = mutateDeployment(original, injection).deployment;
        const seedPodEnv = (name: string) =>
          injected.spec!.template.spec!.containers.find((c) => c.name === name)?.env?.filter((e) => e.name === 'SEED_POD_NETWORK') ?? [];
        for (const name of ['vpn-client-0', 'vpn-client-1', 'kube-apiserver']) expect(seedPodEnv(name)).toEqual([]);
        const expected = gardenerValue ?? (injection ? injection.containerEnv[0]?.env.value : undefined);
        expect(seedPodEnv('vpn-path-controller').map((e) => e.value)).toEqual(expected === undefined ? [] : [expected]);
        expect(JSON.stringify(mutateDeployment(injected, undefined).deployment)).toBe(snapshot);
      }),
      { numRuns: 100 },
    );
  });

  it('the result depends only on the latest plan, not on what was injected before', () => {
    fc.assert(
      fc.property(clusterOptions, clusterOptions, (earlier, latest) => {
        const viaEarlier = mutateDeployment(mutateDeployment(sampleDeployment(), injectionOf(earlier)).deployment, injectionOf(latest));
        const direct = mutateDeployment(sampleDeployment(), injectionOf(latest));
        expect(viaEarlier.deployment).toEqual(direct.deployment);
      }),
      { numRuns: 100 },
    );
  });

  it('never writes to the Deployment or the injection it is given, and its patch is the diff against a deep copy', () => {
    fc.assert(
      fc.property(clusterOptions, clusterOptions, fc.boolean(), (earlier, latest, realistic) => {
        // As the webhook gets it: parsed JSON (the realistic sample holds Dates, which the diff cannot compare).
        const fresh = (): V1Deployment => JSON.parse(JSON.stringify(realistic ? realisticDeployment('shoot--dev--overlap') : sampleDeployment()));
        const before = mutateDeployment(fresh(), injectionOf(earlier)).deployment;
        const injection = injectionOf(latest);
        const [beforeText, injectionText] = [JSON.stringify(before), JSON.stringify(injection)];
        const after = mutateDeployment(before, injection).deployment;
        expect(JSON.stringify(before)).toBe(beforeText);
        expect(JSON.stringify(injection)).toBe(injectionText);
        // What the webhook answered when it diffed whole copies: sharing unchanged parts changes no operation.
        expect(deploymentPatch(before, after)).toEqual(jsonPatch.compare(structuredClone(before), structuredClone(after)));
      }),
      { numRuns: 100 },
    );
  });
});
