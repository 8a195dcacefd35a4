// Clusters shaped like the ones real Gardener landscapes write, each decided as Gardener decides it. Every row
// names the Gardener code path whose behaviour it pins (gardener/gardener unless another repository is named).
import { describe, expect, it } from 'vitest';
import { InputError } from '@overlap/runtime';
import { type ClusterOptions, cluster } from '@overlap/test-support';
import { DEFAULT_INJECTION_SETTINGS } from '../src/inject/settings.ts';
import { decideInjection } from '../src/shoot/decision.ts';
import { shootFactsFromCluster } from '../src/shoot/shoot-facts.ts';
import { planShoot } from '../src/shoot/shoot-plan.ts';

const TO_NETWORKS = 'pkg/gardenlet/operation/shoot/shoot.go ToNetworks';
const HA_OVERLAP = 'pkg/component/kubernetes/apiserver/deployment.go handleVPNSettingsHA (netutils.OverLapAny)';
const IS_HA_VPN = 'pkg/api/core/v1beta1/helper/shoot.go IsHAVPNEnabled';
const VPN_ENABLED = 'pkg/gardenlet/operation/botanist/kubeapiserver.go DefaultKubeAPIServer (vpnConfig.Enabled)';

const AWS_V6 = '2a05:d014:a41:4300::/56';
const GCP_NODE_SUBNET_V6 = '2600:1900:4000:b2a::/64';
const GCP_SERVICE_SUBNET_V6 = '2600:1900:4000:b2b::/64';
const MIGRATION = 'DualStackNodesMigrationReady';

interface Expected {
  readonly inject: boolean;
  readonly reason: RegExp;
  readonly pods?: readonly string[];
  readonly services?: readonly string[];
  readonly nodes?: readonly string[];
  /** `kind original mapped` of every mapping, or the one-line refusal. */
  readonly mappings: readonly string[] | string;
}

interface Shape {
  readonly name: string;
  /** The Gardener code that decides this shape. */
  readonly decidedBy: readonly string[];
  readonly cluster: ClusterOptions;
  readonly expected: Expected;
}

/** Seed pods 10.0.0.0/12 (the fixture's default) overlap any shoot network inside 10.0–10.15. */
const SHAPES: readonly Shape[] = [
  {
    name: 'dual-stack AWS: the subnet IPv6 /56 is reported as both pods and nodes, IPv4 pods overlap the seed',
    decidedBy: ['gardener-extension-provider-aws pkg/controller/infrastructure/infraflow/context.go', TO_NETWORKS, HA_OVERLAP],
    cluster: {
      ipFamilies: ['IPv4', 'IPv6'],
      pods: '10.1.0.0/16',
      services: '100.64.0.0/13',
      nodes: '10.180.0.0/16',
      status: { pods: ['10.1.0.0/16', AWS_V6], services: ['100.64.0.0/13', 'fd00:64::/108'], nodes: ['10.180.0.0/16', AWS_V6] },
    },
    expected: {
      inject: true,
      reason: /overlaps shoot pod network 10\.1\.0\.0\/16$/,
      pods: ['10.1.0.0/16', AWS_V6],
      services: ['100.64.0.0/13', 'fd00:64::/108'],
      nodes: ['10.180.0.0/16', AWS_V6],
      mappings: [
        'pods 10.1.0.0/16 244.0.0.0/16',
        'services 100.64.0.0/13 243.0.0.0/13',
        'nodes 10.180.0.0/16 242.0.0.0/16',
        'seedPods 10.0.0.0/12 241.0.0.0/12',
      ],
    },
  },
  {
    name: 'dual-stack GCP: the node subnet IPv6 /64 serves nodes and pods, services get their own subnet',
    decidedBy: ['gardener-extension-provider-gcp pkg/controller/infrastructure/infraflow/reconciler.go', TO_NETWORKS, HA_OVERLAP],
    cluster: {
      ipFamilies: ['IPv4', 'IPv6'],
      pods: '100.96.0.0/11',
      services: '100.64.0.0/13',
      nodes: '10.3.0.0/16',
      status: { pods: ['100.96.0.0/11', GCP_NODE_SUBNET_V6], services: ['100.64.0.0/13', GCP_SERVICE_SUBNET_V6], nodes: ['10.3.0.0/16', GCP_NODE_SUBNET_V6] },
    },
    expected: {
      inject: true,
      reason: /overlaps shoot node network 10\.3\.0\.0\/16$/,
      pods: ['100.96.0.0/11', GCP_NODE_SUBNET_V6],
      nodes: ['10.3.0.0/16', GCP_NODE_SUBNET_V6],
      mappings: [
        'pods 100.96.0.0/11 244.0.0.0/11',
        'services 100.64.0.0/13 243.0.0.0/13',
        'nodes 10.3.0.0/16 242.0.0.0/16',
        'seedPods 10.0.0.0/12 241.0.0.0/12',
      ],
    },
  },
  {
    name: 'dual-stack with IPv6 primary: networks ordered IPv6 first, still only IPv4 translated',
    decidedBy: ['pkg/gardenlet/operation/shoot/shoot.go SortByIPFamilies', HA_OVERLAP],
    cluster: { ipFamilies: ['IPv6', 'IPv4'], pods: AWS_V6, status: { pods: ['10.1.0.0/16', AWS_V6], nodes: [AWS_V6, '10.180.0.0/16'] } },
    expected: {
      inject: true,
      reason: /overlaps shoot pod network 10\.1\.0\.0\/16$/,
      pods: [AWS_V6, '10.1.0.0/16'],
      nodes: [AWS_V6, '10.180.0.0/16'],
      mappings: ['pods 10.1.0.0/16 244.0.0.0/16', 'nodes 10.180.0.0/16 242.0.0.0/16', 'seedPods 10.0.0.0/12 241.0.0.0/12'],
    },
  },
  {
    name: 'IPv6-only shoot on an IPv4 seed: nothing can overlap, nothing is translated',
    decidedBy: [TO_NETWORKS, 'pkg/utils/net/ipnet.go Overlap (families never overlap)', HA_OVERLAP],
    cluster: { ipFamilies: ['IPv6'], status: { pods: [AWS_V6], services: ['fd00:64::/108'], nodes: [AWS_V6] } },
    expected: {
      inject: false,
      reason: /^HA VPN, but no shoot network overlaps/,
      pods: [AWS_V6],
      nodes: [AWS_V6],
      mappings: ['seedPods 10.0.0.0/12 241.0.0.0/12'],
    },
  },
  {
    name: 'IPv6-only shoot inside an IPv6 seed pod network: Gardener would inject Envoy but can translate nothing',
    decidedBy: [HA_OVERLAP, 'pkg/utils/validation/cidr/disjoint.go validateOverlapWithSeed (forbids it at admission)'],
    cluster: { ipFamilies: ['IPv6'], seedPods: 'fd00:10::/48', seedFamilies: ['IPv6'], status: { pods: ['fd00:10:0:1::/64'] } },
    expected: {
      inject: true,
      reason: /overlaps shoot pod network fd00:10:0:1::\/64$/,
      mappings: 'spec.shoot.spec.networking.pods: "fd00:10:0:1::/64" overlaps the seed pod network fd00:10::/48; only IPv4 overlaps can be translated',
    },
  },
  {
    name: 'several CIDRs per kind in spec and status, duplicates dropped, spec first',
    decidedBy: [TO_NETWORKS, 'gardener/vpn2 pkg/network/netmap.go (largest first, aligned)'],
    cluster: {
      pods: '10.1.0.0/16',
      nodes: '10.100.0.0/16',
      status: { pods: ['10.1.0.0/16', '10.2.0.0/17'], nodes: ['10.99.14.0/24', '10.100.0.0/16', '10.99.15.0/24'] },
    },
    expected: {
      inject: true,
      reason: /overlaps shoot pod network 10\.1\.0\.0\/16, shoot pod network 10\.2\.0\.0\/17$/,
      pods: ['10.1.0.0/16', '10.2.0.0/17'],
      nodes: ['10.100.0.0/16', '10.99.14.0/24', '10.99.15.0/24'],
      mappings: [
        'pods 10.1.0.0/16 244.0.0.0/16',
        'pods 10.2.0.0/17 244.1.0.0/17',
        'nodes 10.100.0.0/16 242.0.0.0/16',
        'nodes 10.99.14.0/24 242.1.0.0/24',
        'nodes 10.99.15.0/24 242.1.1.0/24',
        'seedPods 10.0.0.0/12 241.0.0.0/12',
      ],
    },
  },
  {
    name: 'workerless shoot: Gardener runs no VPN at all',
    decidedBy: [VPN_ENABLED],
    cluster: { pods: '10.1.0.0/16', workers: false },
    expected: { inject: false, reason: /no workers/, mappings: ['pods 10.1.0.0/16 244.0.0.0/16', 'seedPods 10.0.0.0/12 241.0.0.0/12'] },
  },
  {
    name: 'non-HA shoot with an overlap: vpn-seed-server translates, nothing to inject',
    decidedBy: [IS_HA_VPN, 'pkg/component/kubernetes/apiserver/deployment.go handleVPNSettingsNonHA'],
    cluster: { pods: '10.1.0.0/16', ha: false },
    expected: {
      inject: false,
      reason: /not HA \(spec\.controlPlane\.highAvailability is not set\)/,
      mappings: ['pods 10.1.0.0/16 244.0.0.0/16', 'seedPods 10.0.0.0/12 241.0.0.0/12'],
    },
  },
  {
    name: 'HA switched on by the annotation on a non-HA control plane',
    decidedBy: [IS_HA_VPN],
    cluster: { pods: '10.1.0.0/16', ha: false, haAnnotation: 'true' },
    expected: {
      inject: true,
      reason: /^HA VPN \(annotation alpha\.control-plane\.shoot\.gardener\.cloud\/high-availability-vpn=true\)/,
      mappings: ['pods 10.1.0.0/16 244.0.0.0/16', 'seedPods 10.0.0.0/12 241.0.0.0/12'],
    },
  },
  {
    name: 'HA switched off by the annotation on an HA control plane',
    decidedBy: [IS_HA_VPN],
    cluster: { pods: '10.1.0.0/16', ha: true, haAnnotation: 'false' },
    expected: { inject: false, reason: /not HA \(annotation .*=false\)/, mappings: ['pods 10.1.0.0/16 244.0.0.0/16', 'seedPods 10.0.0.0/12 241.0.0.0/12'] },
  },
  {
    name: 'dual-stack migration pending (constraint False, two families): the primary family only',
    decidedBy: [TO_NETWORKS],
    cluster: {
      ipFamilies: ['IPv4', 'IPv6'],
      pods: '10.1.0.0/16',
      status: { pods: ['10.1.0.0/16', AWS_V6], nodes: ['10.180.0.0/16', AWS_V6] },
      constraints: [{ type: MIGRATION, status: 'False' }],
    },
    expected: {
      inject: true,
      reason: /overlaps shoot pod network 10\.1\.0\.0\/16$/,
      pods: ['10.1.0.0/16'],
      nodes: ['10.180.0.0/16'],
      mappings: ['pods 10.1.0.0/16 244.0.0.0/16', 'nodes 10.180.0.0/16 242.0.0.0/16', 'seedPods 10.0.0.0/12 241.0.0.0/12'],
    },
  },
  {
    name: 'dual-stack migration done (constraint True, two families): both families',
    decidedBy: [TO_NETWORKS],
    cluster: {
      ipFamilies: ['IPv4', 'IPv6'],
      pods: '10.1.0.0/16',
      status: { pods: ['10.1.0.0/16', AWS_V6], nodes: ['10.180.0.0/16', AWS_V6] },
      constraints: [{ type: MIGRATION, status: 'True' }],
    },
    expected: {
      inject: true,
      reason: /overlaps shoot pod network 10\.1\.0\.0\/16$/,
      pods: ['10.1.0.0/16', AWS_V6],
      nodes: ['10.180.0.0/16', AWS_V6],
      mappings: ['pods 10.1.0.0/16 244.0.0.0/16', 'nodes 10.180.0.0/16 242.0.0.0/16', 'seedPods 10.0.0.0/12 241.0.0.0/12'],
    },
  },
  {
    name: 'constraint True on a single-stack shoot: the primary family only, the reported IPv6 range is dropped',
    decidedBy: [TO_NETWORKS],
    cluster: { pods: '10.1.0.0/16', status: { pods: ['10.1.0.0/16', AWS_V6] }, constraints: [{ type: MIGRATION, status: 'True' }] },
    expected: {
      inject: true,
      reason: /overlaps shoot pod network 10\.1\.0\.0\/16$/,
      pods: ['10.1.0.0/16'],
      mappings: ['pods 10.1.0.0/16 244.0.0.0/16', 'seedPods 10.0.0.0/12 241.0.0.0/12'],
    },
  },
  {
    name: 'no constraint on a single-stack shoot: other-family status networks are kept, after the primary ones',
    decidedBy: ['pkg/gardenlet/operation/shoot/shoot.go SortByIPFamilies (single-stack appends the rest)'],
    cluster: { pods: '10.1.0.0/16', status: { pods: [AWS_V6, '10.1.0.0/16'] } },
    expected: {
      inject: true,
      reason: /overlaps shoot pod network 10\.1\.0\.0\/16$/,
      pods: ['10.1.0.0/16', AWS_V6],
      mappings: ['pods 10.1.0.0/16 244.0.0.0/16', 'seedPods 10.0.0.0/12 241.0.0.0/12'],
    },
  },
  {
    name: 'constraint pending on a single-stack shoot: not a migration, every family counts',
    decidedBy: [TO_NETWORKS],
    cluster: { pods: '10.1.0.0/16', status: { pods: ['10.1.0.0/16', AWS_V6] }, constraints: [{ type: MIGRATION, status: 'Progressing' }] },
    expected: {
      inject: true,
      reason: /overlaps shoot pod network 10\.1\.0\.0\/16$/,
      pods: ['10.1.0.0/16', AWS_V6],
      mappings: ['pods 10.1.0.0/16 244.0.0.0/16', 'seedPods 10.0.0.0/12 241.0.0.0/12'],
    },
  },
];

/** The facts and decision always; the mappings, or the one-line reason the controller skips the shoot with. */
function outcome(options: ClusterOptions) {
  const facts = shootFactsFromCluster(cluster(options));
  const decision = decideInjection(facts);
  const texts = (kind: 'pods' | 'services' | 'nodes') => facts.networks[kind].map((c) => c.text);
  let mappings: readonly string[] | string;
  try {
    mappings = planShoot(cluster(options), DEFAULT_INJECTION_SETTINGS).mappings.map((m) => `${m.kind} ${m.original.text} ${m.mapped.text}`);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    mappings = error.message;
  }
  return { inject: decision.inject, reason: decision.reason, pods: texts('pods'), services: texts('services'), nodes: texts('nodes'), mappings };
}

describe('Gardener-shaped Clusters are decided as Gardener decides them', () => {
  it.each(SHAPES.map((shape) => [shape.name, shape] as const))('%s', (_, shape) => {
    expect(shape.decidedBy.length).toBeGreaterThan(0);
    const result = outcome(shape.cluster);
    expect(result.inject).toBe(shape.expected.inject);
    expect(result.reason).toMatch(shape.expected.reason);
    expect(result.mappings).toEqual(shape.expected.mappings);
    for (const kind of ['pods', 'services', 'nodes'] as const) {
      const expected = shape.expected[kind];
      if (expected) expect(result[kind]).toEqual(expected);
    }
  });
});
