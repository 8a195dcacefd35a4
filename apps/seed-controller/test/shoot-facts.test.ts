import { describe, expect, it } from 'vitest';
import { InputError } from '@overlap/runtime';
import { cluster, overlappingCluster } from '@overlap/test-support';
import { decideInjection } from '../src/shoot/decision.ts';
import { type ClusterObject, shootFactsFromCluster } from '../src/shoot/shoot-facts.ts';
import { planShoot } from '../src/shoot/shoot-plan.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../src/inject/settings.ts';

const texts = (list: ReadonlyArray<{ text: string }>): string[] => list.map((c) => c.text);

function inputError(c: ClusterObject): InputError {
  try {
    planShoot(c, DEFAULT_INJECTION_SETTINGS);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('shootFactsFromCluster', () => {
  it('merges spec and status networks, dropping duplicates, keeping order', () => {
    const facts = shootFactsFromCluster(overlappingCluster());
    expect(facts.namespace).toBe('shoot--dev--overlap');
    expect(facts.networks.seedPods?.text).toBe('10.0.0.0/12');
    expect(texts(facts.networks.pods)).toEqual(['10.1.0.0/16']);
    expect(texts(facts.networks.nodes)).toEqual(['10.100.0.0/16', '10.99.14.0/24', '10.99.15.0/24']);
    expect(facts).toMatchObject({ haVpn: true, hasWorkers: true, hasSeed: true, shootFamilies: ['IPv4'] });
  });

  it('orders the effective networks by the shoot’s IP families', () => {
    const facts = shootFactsFromCluster(cluster({ pods: 'fd00:10:1::/56', ipFamilies: ['IPv6', 'IPv4'], status: { pods: ['10.1.0.0/16', 'fd00:10:1::/56'] } }));
    expect(texts(facts.networks.pods)).toEqual(['fd00:10:1::/56', '10.1.0.0/16']);
  });

  it('keeps only the primary family while a dual-stack migration is pending', () => {
    const migrating = { pods: '10.1.0.0/16', ipFamilies: ['IPv4', 'IPv6'], status: { pods: ['10.1.0.0/16', 'fd00:10:1::/56'] } };
    const pending = shootFactsFromCluster(cluster({ ...migrating, constraints: [{ type: 'DualStackNodesMigrationReady', status: 'False' }] }));
    expect(pending.dualStackMigrating).toBe(true);
    expect(texts(pending.networks.pods)).toEqual(['10.1.0.0/16']);
    const done = shootFactsFromCluster(cluster({ ...migrating, constraints: [{ type: 'DualStackNodesMigrationReady', status: 'True' }] }));
    expect(texts(done.networks.pods)).toEqual(['10.1.0.0/16', 'fd00:10:1::/56']);
  });

  it('takes HA VPN from the spec, overridden by a parsable annotation only', () => {
    const ha = (options: Parameters<typeof cluster>[0]) => shootFactsFromCluster(cluster(options)).haVpn;
    expect(ha({})).toBe(true);
    expect(ha({ ha: false })).toBe(false);
    expect(ha({ ha: false, haAnnotation: 'true' })).toBe(true);
    expect(ha({ ha: true, haAnnotation: 'F' })).toBe(false);
    expect(ha({ ha: true, haAnnotation: 'yes' })).toBe(true);
  });

  it('reports the seed families (the seed agent gets the first)', () => {
    expect(shootFactsFromCluster(cluster({ seedFamilies: ['IPv6', 'IPv4'], seedPods: 'fd00:1::/48' })).seedFamilies).toEqual(['IPv6', 'IPv4']);
  });
});

describe('decideInjection', () => {
  const decide = (options: Parameters<typeof cluster>[0]) => decideInjection(shootFactsFromCluster(cluster(options)));

  it('injects for HA with an overlap and says why', () => {
    const decision = decide({ pods: '10.1.0.0/16', services: '100.64.0.0/13' });
    expect(decision.inject).toBe(true);
    expect(decision.reason).toBe(
      'HA VPN (spec.controlPlane.highAvailability is set) and the seed pod network 10.0.0.0/12 overlaps shoot pod network 10.1.0.0/16',
    );
  });

  it('compares with the seed pod network only', () => {
    expect(decide({ pods: '100.96.0.0/11', services: '10.16.0.0/16' }).inject).toBe(false);
  });

  it.each([
    [{ pods: '10.1.0.0/16', ha: false }, /not HA/],
    [{ pods: '10.1.0.0/16', workers: false }, /no workers/],
    [{ pods: '100.96.0.0/11' }, /^HA VPN, but no shoot network overlaps/],
    [{ pods: 'fd00:10:1::/56', ipFamilies: ['IPv6'] }, /^HA VPN, but no shoot network overlaps/],
  ])('does not inject for %j', (options, reason) => {
    const decision = decide(options);
    expect(decision.inject).toBe(false);
    expect(decision.reason).toMatch(reason);
  });

  it('opt-in mode: injects only shoots that enable the extension type in spec.extensions (not disabled)', () => {
    const withExtensions = (extensions: unknown[]) => {
      const c = cluster({ pods: '10.1.0.0/16' });
      (c.spec as { shoot: { spec: Record<string, unknown> } }).shoot.spec.extensions = extensions;
      return shootFactsFromCluster(c);
    };
    expect(withExtensions([{ type: 'shoot-dns-service' }, { type: 'overlap' }]).extensions).toEqual(['shoot-dns-service', 'overlap']);
    expect(decideInjection(withExtensions([{ type: 'overlap' }]), 'overlap').inject).toBe(true);
    expect(decideInjection(withExtensions([{ type: 'overlap', disabled: true }]), 'overlap').reason).toBe(
      'the shoot does not enable the extension type overlap (spec.extensions), which this seed requires',
    );
    expect(decideInjection(withExtensions([]), 'overlap').inject).toBe(false);
    // Automatic mode ignores spec.extensions.
    expect(decideInjection(withExtensions([])).inject).toBe(true);
  });

  it('does not inject without a seed (self-hosted shoot)', () => {
    const c = cluster({ pods: '10.1.0.0/16' });
    delete (c.spec as { seed?: unknown }).seed;
    expect(decideInjection(shootFactsFromCluster(c)).reason).toMatch(/no seed/);
  });
});

describe('bad Clusters name the field and the value', () => {
  it.each<[Parameters<typeof cluster>[0], string]>([
    [{ pods: '10.1.0.0/33' }, 'spec.shoot.spec.networking.pods: "10.1.0.0/33" is not a valid CIDR'],
    [
      { pods: '10.1.0.0/16', status: { nodes: ['10.100.0.0/16', '242.1.0.0/16'] } },
      'spec.shoot.status.networking.nodes[1]: "242.1.0.0/16" intersects the reserved range 240.0.0.0/4',
    ],
    [{ seedPods: '10.0.0.0/33', pods: '10.1.0.0/16' }, 'spec.seed.spec.networks.pods: "10.0.0.0/33" is not a valid CIDR'],
    [{ pods: '10.0.0.0/7' }, 'spec.shoot.spec.networking.pods: "10.0.0.0/7" is larger than its mapped range 244.0.0.0/8 can hold'],
    [
      { pods: '10.1.0.0/16', services: '10.1.128.0/20' },
      'spec.shoot.spec.networking.services: "10.1.128.0/20" overlaps 10.1.0.0/16 of spec.shoot.spec.networking.pods; shoot networks must be disjoint',
    ],
    [{ pods: '10.1.0.0/16', ipFamilies: ['IPv5'] }, 'spec.shoot.spec.networking.ipFamilies[0]: "IPv5" must be IPv4 or IPv6'],
  ])('%j', (options, message) => {
    expect(inputError(cluster(options)).message).toBe(message);
  });

  it('a network that is not a string', () => {
    const c = cluster();
    (c.spec!.shoot as { spec: { networking: Record<string, unknown> } }).spec.networking.pods = 42;
    expect(inputError(c).message).toBe('spec.shoot.spec.networking.pods: "42" must be a string');
  });

  it('node networks that do not fit together into 242.0.0.0/8', () => {
    const error = inputError(cluster({ pods: '10.1.0.0/16', nodes: '10.128.0.0/9', status: { nodes: ['11.0.0.0/9', '12.0.0.0/9'] } }));
    expect(error.message).toBe('spec.shoot.spec.networking.nodes: "10.128.0.0/9,11.0.0.0/9,12.0.0.0/9" do not fit together into the mapped range 242.0.0.0/8');
  });
});
