import {
  type Cidr,
  type Family,
  type NetworkFields,
  type Networks,
  SHOOT_KINDS,
  type ShootKind,
  assertNotReserved,
  parseCidr,
  parseNetworks,
} from '@overlap/cidr';
import { InputError } from '@overlap/runtime';
import { at, optionalString, optionalStringList } from './json-fields.ts';

const SHOOT = 'spec.shoot';
const SEED = 'spec.seed';
const HA_VPN_ANNOTATION = 'alpha.control-plane.shoot.gardener.cloud/high-availability-vpn';
const DUAL_STACK_MIGRATION_CONSTRAINT = 'DualStackNodesMigrationReady';

/** Where each network lives in a Cluster, so every error names the field an operator can look at. */
export const CLUSTER_FIELDS: NetworkFields = {
  seedPods: 'spec.seed.spec.networks.pods',
  pods: 'spec.shoot.spec.networking.pods',
  services: 'spec.shoot.spec.networking.services',
  nodes: 'spec.shoot.spec.networking.nodes',
};

/** Everything about one shoot that the decision and the injection are computed from. */
export interface ShootFacts {
  /** The Cluster's name, which is also the shoot's control-plane namespace in the seed. */
  readonly namespace: string;
  readonly networks: Networks;
  readonly shootFamilies: readonly Family[];
  readonly seedFamilies: readonly Family[];
  readonly hasSeed: boolean;
  readonly hasWorkers: boolean;
  readonly haVpn: boolean;
  /** Why haVpn has its value: the spec, or the annotation that overrides it. */
  readonly haVpnSource: string;
  /**
   * True while Gardener keeps only the primary family's networks: the DualStackNodesMigrationReady constraint is
   * not True on a shoot with two families (migration pending), or is True on a shoot with one.
   */
  readonly dualStackMigrating: boolean;
  /** The extension types the shoot enables (`spec.extensions[].type`, less those with `disabled: true`). */
  readonly extensions: readonly string[];
}

export interface ClusterObject {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly shoot?: unknown; readonly seed?: unknown };
}

/** Derives a shoot's facts from its Cluster resource; throws InputError naming the Cluster field on bad input. */
export function shootFactsFromCluster(cluster: ClusterObject): ShootFacts {
  const namespace = cluster.metadata?.name;
  if (!namespace) throw new InputError('metadata.name', String(namespace ?? ''), 'must name the shoot namespace');
  const shoot = cluster.spec?.shoot;
  if (shoot === undefined || shoot === null) throw new InputError('spec.shoot', '', 'is missing');
  const seed = cluster.spec?.seed;

  const declaredFamilies = parseFamilies(at(shoot, ['spec', 'networking', 'ipFamilies'], SHOOT), 'spec.shoot.spec.networking.ipFamilies');
  const shootFamilies = withDefault(declaredFamilies);
  const seedFamilies = withDefault(parseFamilies(at(seed, ['spec', 'networks', 'ipFamilies'], SEED), 'spec.seed.spec.networks.ipFamilies'));
  const dualStackMigrating = primaryFamilyOnly(shoot, declaredFamilies.length);

  const effective = Object.fromEntries(SHOOT_KINDS.map((kind) => [kind, effectiveNetworks(shoot, kind, declaredFamilies, dualStackMigrating)])) as Record<
    ShootKind,
    Cidr[]
  >;
  const join = (list: readonly Cidr[]): string => list.map((cidr) => cidr.text).join(',');
  const networks = parseNetworks(
    {
      seedPods: optionalString(at(seed, ['spec', 'networks', 'pods'], SEED), CLUSTER_FIELDS.seedPods) ?? '',
      pods: join(effective.pods),
      services: join(effective.services),
      nodes: join(effective.nodes),
    },
    CLUSTER_FIELDS,
  );

  const workers = at(shoot, ['spec', 'provider', 'workers'], SHOOT);
  const ha = haVpn(shoot);
  return {
    namespace,
    networks,
    shootFamilies,
    seedFamilies,
    hasSeed: seed !== undefined && seed !== null,
    hasWorkers: Array.isArray(workers) && workers.length > 0,
    haVpn: ha.value,
    haVpnSource: ha.source,
    dualStackMigrating,
    extensions: enabledExtensions(shoot),
  };
}

function enabledExtensions(shoot: unknown): string[] {
  const extensions = at(shoot, ['spec', 'extensions']);
  if (!Array.isArray(extensions)) return [];
  return extensions.filter((e) => at(e, ['disabled']) !== true && typeof at(e, ['type']) === 'string').map((e) => at(e, ['type']) as string);
}

const FAMILIES: readonly Family[] = ['IPv4', 'IPv6'];

/** Gardener's API defaults an unset list to IPv4. */
const withDefault = (families: readonly Family[]): readonly Family[] => (families.length > 0 ? families : ['IPv4']);

function parseFamilies(value: unknown, field: string): Family[] {
  const list = optionalStringList(value, field);
  return list.map((family, index) => {
    if (!FAMILIES.includes(family as Family)) throw new InputError(`${field}[${index}]`, family, 'must be IPv4 or IPv6');
    return family as Family;
  });
}

/**
 * Gardener's ToNetworks (pkg/gardenlet/operation/shoot/shoot.go): with the DualStackNodesMigrationReady constraint
 * present, only the primary family counts while it is not True on two families (nodes not migrated yet) or while
 * it is True on one. Without the constraint every family counts.
 */
function primaryFamilyOnly(shoot: unknown, declaredFamilies: number): boolean {
  const constraints = at(shoot, ['status', 'constraints'], SHOOT);
  if (!Array.isArray(constraints)) return false;
  const constraint = constraints.find((c) => at(c, ['type'], `${SHOOT}.status.constraints[]`) === DUAL_STACK_MIGRATION_CONSTRAINT);
  if (constraint === undefined) return false;
  const ready = at(constraint, ['status'], `${SHOOT}.status.constraints[]`) === 'True';
  return ready ? declaredFamilies === 1 : declaredFamilies === 2;
}

/**
 * Gardener's effective list: the spec's CIDR plus every status CIDR not already present, ordered by the shoot's
 * IP families (stable, so ties keep their order; none declared keeps the input order); while primaryOnly, the
 * primary family only.
 */
function effectiveNetworks(shoot: unknown, kind: ShootKind, families: readonly Family[], primaryOnly: boolean): Cidr[] {
  const specField = `spec.shoot.spec.networking.${kind}`;
  const statusField = `spec.shoot.status.networking.${kind}`;
  const specValue = optionalString(at(shoot, ['spec', 'networking', kind], SHOOT), specField);
  const sources = [
    ...(specValue === undefined || specValue.trim() === '' ? [] : [{ value: specValue, field: specField }]),
    ...optionalStringList(at(shoot, ['status', 'networking', kind], SHOOT), statusField).map((value, index) => ({
      value,
      field: `${statusField}[${index}]`,
    })),
  ];
  const seen = new Set<string>();
  const cidrs: Cidr[] = [];
  for (const { value, field } of sources) {
    const cidr = parseCidr(value, field);
    assertNotReserved(cidr, field);
    if (seen.has(cidr.text)) continue;
    seen.add(cidr.text);
    cidrs.push(cidr);
  }
  const rank = (cidr: Cidr): number => {
    const index = families.indexOf(cidr.family);
    return index < 0 ? families.length : index;
  };
  const ordered = [...cidrs].sort((a, b) => rank(a) - rank(b));
  return primaryOnly ? ordered.filter((cidr) => cidr.family === families[0]) : ordered;
}

/** Go's strconv.ParseBool, which Gardener uses for the annotation; anything else leaves the spec in charge. */
const GO_BOOLS: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

function haVpn(shoot: unknown): { value: boolean; source: string } {
  const annotation = at(shoot, ['metadata', 'annotations', HA_VPN_ANNOTATION], SHOOT);
  if (typeof annotation === 'string' && annotation in GO_BOOLS) {
    return { value: GO_BOOLS[annotation]!, source: `annotation ${HA_VPN_ANNOTATION}=${annotation}` };
  }
  const ha = at(shoot, ['spec', 'controlPlane', 'highAvailability'], SHOOT);
  const present = ha !== undefined && ha !== null;
  // Gardener's IsHAControlPlaneConfigured tests for the object; `false` or a string is not one, and must not
  // count as HA just because it is there.
  if (present && (typeof ha !== 'object' || Array.isArray(ha))) {
    throw new InputError(`${SHOOT}.spec.controlPlane.highAvailability`, JSON.stringify(ha), 'must be an object (failureTolerance)');
  }
  return {
    value: present,
    source: present ? 'spec.controlPlane.highAvailability is set' : 'spec.controlPlane.highAvailability is not set',
  };
}
