// `overlap status`'s judgement is a pure function of a Cluster and its namespace as read from the seed. For any
// shoot, the namespace exactly as the controller and the kubelet leave it is "as planned"; taking away any one
// object, any agent's readiness or the injection itself makes it not, and the problem names what is missing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cluster } from '@overlap/test-support';
import { DEFAULT_INJECTION_SETTINGS } from '../src/inject/settings.ts';
import type { AgentReadiness, NamespaceState } from '../src/status/seed-state.ts';
import { asPlanned, shootStatus } from '../src/status/shoot-status.ts';
import { type ShootSetup, shootObjects } from './support/seed-fixture.ts';

const shoots = fc.record({
  pods: fc.constantFrom('10.1.0.0/16', '10.8.0.0/13', '100.96.0.0/11', '172.16.0.0/12'),
  services: fc.constantFrom('10.96.0.0/16', '192.168.0.0/20', '100.64.0.0/13'),
  nodes: fc.constantFrom('10.250.0.0/16', '192.168.128.0/20'),
  seedPods: fc.constantFrom('10.0.0.0/12', '100.96.0.0/11'),
  ha: fc.boolean(),
  workers: fc.boolean(),
  pods_: fc.integer({ min: 0, max: 3 }),
});

type Shoot = typeof shoots extends fc.Arbitrary<infer T> ? T : never;

/** Planning builds the whole injection (Envoy config, certificates' Secrets) per run: fewer runs, same reach. */
const RUNS = { numRuns: 40 };

/** The namespace as the controller leaves it for this plan: injected iff it injects, every agent in sync. */
function asLeft(options: Shoot): { setup: ShootSetup; state: NamespaceState; inject: boolean } {
  const c = cluster({
    name: 'shoot--p--x',
    pods: options.pods,
    services: options.services,
    nodes: options.nodes,
    seedPods: options.seedPods,
    ha: options.ha,
    workers: options.workers,
  });
  const inject = shootStatus(c, { deployment: undefined, owned: [], pods: [], readiness: new Map() }, DEFAULT_INJECTION_SETTINGS).inject;
  const setup: ShootSetup = {
    cluster: c,
    injected: inject,
    pods: Array.from({ length: options.pods_ }, (_, i) => ({ name: `kube-apiserver-${i}`, agentReady: true })),
  };
  const objects = shootObjects(setup);
  const readiness = new Map<string, AgentReadiness>(objects.pods.map((p) => [p.metadata!.name!, { answer: 'ready', reason: 'in sync' }]));
  return { setup, state: { ...objects, readiness }, inject };
}

describe('shoot status (property)', () => {
  it('the namespace as the controller leaves it is as planned', () => {
    fc.assert(
      fc.property(shoots, (options) => {
        const { setup, state } = asLeft(options);
        const status = shootStatus(setup.cluster, state, DEFAULT_INJECTION_SETTINGS);
        expect(status.problems).toEqual([]);
        expect(asPlanned(status)).toBe(true);
      }),
      RUNS,
    );
  });

  it('any one object missing, or any one agent not in sync, is named', () => {
    fc.assert(
      fc.property(shoots, fc.nat(), (options, pick) => {
        const { setup, state, inject } = asLeft(options);
        fc.pre(inject);
        const victim = state.owned[pick % state.owned.length]!;
        const without = shootStatus(setup.cluster, { ...state, owned: state.owned.filter((o) => o !== victim) }, DEFAULT_INJECTION_SETTINGS);
        expect(asPlanned(without)).toBe(false);
        expect(without.problems.join('\n')).toContain(
          victim.kind === 'Secret' && victim.metadata!.name!.startsWith('extension-')
            ? 'Secret/extension-overlap-shoot-webhooks-*'
            : `${victim.kind}/${victim.metadata!.name}`,
        );
        if (state.pods.length > 0) {
          const pod = state.pods[pick % state.pods.length]!.metadata!.name!;
          const readiness = new Map(state.readiness).set(pod, { answer: 'not-ready', reason: '1 missing' });
          const lagging = shootStatus(setup.cluster, { ...state, readiness }, DEFAULT_INJECTION_SETTINGS);
          expect(lagging.problems).toEqual([`pod ${pod}: seed-vpn-agent not ready: 1 missing`]);
        }
      }),
      RUNS,
    );
  });

  it('a plan that injects, with kube-apiserver as Gardener rendered it, is not as planned and says so', () => {
    fc.assert(
      fc.property(shoots, (options) => {
        const { setup, state, inject } = asLeft(options);
        fc.pre(inject);
        const rendered = shootObjects({ ...setup, injected: false }).deployment;
        const status = shootStatus(setup.cluster, { ...state, deployment: rendered }, DEFAULT_INJECTION_SETTINGS);
        expect(status.deployment).toBe('not-injected');
        expect(status.problems[0]).toContain('kube-apiserver does not carry the injection');
      }),
      RUNS,
    );
  });
});
