import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { decideOverlap, parseNetworks } from '@overlap/cidr';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXAMPLES } from '@overlap/test-support';
import { DEFAULT_SHOOT_AGENT_SETTINGS, mutateVpnShoot } from '../src/index.ts';

interface Shape {
  readonly seedPods: string;
  readonly pods: string;
  readonly services: string;
  readonly nodes: string | undefined;
  readonly ha: boolean;
  readonly vpn2: string;
}

/**
 * vpn-shoots of every shape the webhook distinguishes: networks inside or outside the seed pod network
 * 10.0.0.0/12 (distinct /16s, so always valid), node networks or none, HA or not, vpn2 before or after 0.40, or an
 * image without a version.
 */
const shapes: fc.Arbitrary<Shape> = fc
  .record({
    octets: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { minLength: 3, maxLength: 3 }),
    withNodes: fc.boolean(),
    ha: fc.boolean(),
    vpn2: fc.constantFrom(':0.36.1', ':0.39.0', ':0.40.0', ':v0.51.0', '@sha256:0123abcd', ':latest'),
  })
  .map(({ octets, withNodes, ha, vpn2 }) => {
    const [pods, services, nodes] = octets.map((o) => `10.${o}.0.0/16`);
    return { seedPods: '10.0.0.0/12', pods: pods!, services: services!, nodes: withNodes ? nodes : undefined, ha, vpn2 };
  });

const example = readFileSync(join(EXAMPLES, 'vpn-shoot-statefulset.yaml'), 'utf8');

function vpnShoot(shape: Shape): V1StatefulSet {
  const object = parse(example) as V1StatefulSet;
  const values: Record<string, string | undefined> = {
    SEED_POD_NETWORK: shape.seedPods,
    SHOOT_POD_NETWORKS: shape.pods,
    SHOOT_SERVICE_NETWORKS: shape.services,
    SHOOT_NODE_NETWORKS: shape.nodes,
    IS_HA: shape.ha ? 'true' : undefined,
  };
  for (const client of object.spec!.template.spec!.containers.filter((c) => c.name.startsWith('vpn-shoot-s'))) {
    client.image = client.image!.replace(/:0\.38\.0$/, shape.vpn2);
    client.env = client.env!.filter((e) => !(e.name in values));
    for (const [name, value] of Object.entries(values)) if (value !== undefined) client.env.push({ name, value });
  }
  return object;
}

/** The webhook's rule, spelt out: vpn-shoot translating itself (non-HA, vpn2 ≥ 0.40) first, then the overlap. */
function expectedOutcome(shape: Shape): 'injected' | 'unchanged' | 'translates_itself' {
  if (!shape.ha || shape.vpn2 === ':0.40.0' || shape.vpn2 === ':v0.51.0') return 'translates_itself';
  const networks = parseNetworks({ seedPods: shape.seedPods, pods: shape.pods, services: shape.services, nodes: shape.nodes ?? '' });
  return decideOverlap(networks).overlap ? 'injected' : 'unchanged';
}

describe('the vpn-shoot mutation, over every shape of vpn-shoot', () => {
  it('adds the agent exactly when the networks overlap and vpn-shoot does not translate itself; a second run changes nothing', () => {
    fc.assert(
      fc.property(shapes, (shape) => {
        const original = vpnShoot(shape);
        const once = mutateVpnShoot(original, DEFAULT_SHOOT_AGENT_SETTINGS);
        const agents = once.object.spec!.template.spec!.containers.filter((c) => c.name === 'shoot-vpn-agent');
        expect(once.outcome).toBe(expectedOutcome(shape));
        expect(agents).toHaveLength(once.outcome === 'injected' ? 1 : 0);
        expect(original).toEqual(vpnShoot(shape));
        const twice = mutateVpnShoot(once.object, DEFAULT_SHOOT_AGENT_SETTINGS);
        expect(twice.object).toBe(once.object);
      }),
    );
  });

  it('whatever vpn-shoot becomes, a mutated one comes back to exactly what the webhook makes of the new shape', () => {
    fc.assert(
      fc.property(shapes, shapes, (before, after) => {
        const mutated = mutateVpnShoot(vpnShoot(before), DEFAULT_SHOOT_AGENT_SETTINGS).object as V1StatefulSet;
        // Gardener changes vpn-shoot's networks, HA or image under the agent: the result depends on the new shape only.
        const changed = vpnShoot(after);
        const agent = mutated.spec!.template.spec!.containers.find((c) => c.name === 'shoot-vpn-agent');
        if (agent) changed.spec!.template.spec!.containers.push(agent);
        if (mutated.spec!.template.metadata?.annotations) {
          changed.spec!.template.metadata = { ...changed.spec!.template.metadata, annotations: mutated.spec!.template.metadata.annotations };
        }
        expect(mutateVpnShoot(changed, DEFAULT_SHOOT_AGENT_SETTINGS).object).toEqual(mutateVpnShoot(vpnShoot(after), DEFAULT_SHOOT_AGENT_SETTINGS).object);
      }),
    );
  });
});
