import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { parse } from 'yaml';

/**
 * The seed controller's examples (what its README feeds to `overlap plan`): the samples here are those very files,
 * read by path, so that the tests and the documentation show one Gardener shape.
 */
export const EXAMPLES = join(import.meta.dirname, '../../../apps/seed-controller/examples');

/** A Cluster (extensions.gardener.cloud/v1alpha1) as the controller reads it: the embedded Shoot and Seed. */
export interface ClusterSample {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly shoot?: unknown; readonly seed?: unknown };
}

function load<T>(file: string): T {
  return parse(readFileSync(join(EXAMPLES, file), 'utf8')) as T;
}

/** Gardener's kube-apiserver Deployment for an HA-VPN shoot, as a fresh object each call. */
export const sampleDeployment = (): V1Deployment => load<V1Deployment>('kube-apiserver-deployment.yaml');
export const overlappingCluster = (): ClusterSample => load<ClusterSample>('cluster-ha-overlap.yaml');
export const apartCluster = (): ClusterSample => load<ClusterSample>('cluster-ha-no-overlap.yaml');

type Json = Record<string, unknown>;

export interface ClusterOptions {
  name?: string;
  seedPods?: string;
  seedFamilies?: string[];
  pods?: string;
  services?: string;
  nodes?: string;
  status?: { pods?: string[]; services?: string[]; nodes?: string[] };
  ipFamilies?: string[];
  ha?: boolean;
  haAnnotation?: string;
  workers?: boolean;
  constraints?: Array<{ type: string; status: string }>;
}

/** A Cluster as gardenlet writes it, reduced to the fields the controller reads. */
export function cluster(options: ClusterOptions = {}): ClusterSample {
  const networking: Json = { type: 'calico', ipFamilies: options.ipFamilies ?? ['IPv4'] };
  for (const kind of ['pods', 'services', 'nodes'] as const) {
    if (options[kind] !== undefined) networking[kind] = options[kind];
  }
  const shoot: Json = {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'Shoot',
    metadata: {
      name: 'test',
      namespace: 'garden-dev',
      ...(options.haAnnotation !== undefined
        ? { annotations: { 'alpha.control-plane.shoot.gardener.cloud/high-availability-vpn': options.haAnnotation } }
        : {}),
    },
    spec: {
      networking,
      provider: { type: 'local', workers: options.workers === false ? [] : [{ name: 'worker', minimum: 1, maximum: 2 }] },
      ...(options.ha === false ? {} : { controlPlane: { highAvailability: { failureTolerance: { type: 'zone' } } } }),
    },
    status: {
      ...(options.status ? { networking: options.status } : {}),
      ...(options.constraints ? { constraints: options.constraints } : {}),
    },
  };
  return {
    apiVersion: 'extensions.gardener.cloud/v1alpha1',
    kind: 'Cluster',
    metadata: { name: options.name ?? 'shoot--dev--test' },
    spec: {
      shoot,
      seed: {
        apiVersion: 'core.gardener.cloud/v1beta1',
        kind: 'Seed',
        metadata: { name: 'seed' },
        spec: { networks: { pods: options.seedPods ?? '10.0.0.0/12', services: '10.16.0.0/16', ipFamilies: options.seedFamilies ?? ['IPv4'] } },
      },
    },
  } as ClusterSample;
}
