// Clusters of the size gardenlet writes them, for benchmarks: the embedded Shoot, Seed and CloudProfile carry
// everything a real one does (workers, extensions, conditions, a provider's catalogue of machine images and types,
// regions, Kubernetes versions), not only the fields the controller reads. Shapes follow core.gardener.cloud/v1beta1;
// values are made up.
import { type ClusterSample, type ClusterOptions, cluster } from './fixtures.ts';

type Json = Record<string, unknown>;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const time = (i: number): string => new Date(Date.UTC(2026, 0, 1 + (i % 28), i % 24, i % 60)).toISOString().replace('.000', '');

function condition(type: string, i: number): Json {
  return {
    type,
    status: 'True',
    lastTransitionTime: time(i),
    lastUpdateTime: time(i + 1),
    reason: `${type}Healthy`,
    message: `All ${type.toLowerCase()} checks passed: the component is running with the expected number of replicas and reports ready.`,
    codes: [],
  };
}

/** A provider catalogue as large as a public cloud's: ~100 KiB of JSON. */
function cloudProfile(): Json {
  const images = ['gardenlinux', 'ubuntu', 'suse-chost', 'flatcar'].map((name) => ({
    name,
    updateStrategy: 'minor',
    versions: range(25).map((v) => ({
      version: `${1000 + v * 7}.${v % 4}.0`,
      classification: v < 20 ? 'deprecated' : 'supported',
      expirationDate: time(v),
      cri: [{ name: 'containerd' }],
      architectures: ['amd64', 'arm64'],
      kubeletVersionConstraint: '>= 1.27',
    })),
  }));
  const machineTypes = range(120).map((i) => ({
    name: `m${5 + (i % 3)}${['', 'a', 'd', 'n'][i % 4]}.${['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'][i % 8]}-${i}`,
    cpu: String(2 ** (1 + (i % 6))),
    gpu: '0',
    memory: `${2 ** (3 + (i % 6))}Gi`,
    usable: true,
    architecture: i % 5 === 0 ? 'arm64' : 'amd64',
    storage: { class: 'standard', type: 'gp3', size: '50Gi' },
  }));
  const regions = range(25).map((i) => ({
    name: `region-${i}`,
    zones: range(3).map((z) => ({ name: `region-${i}${'abc'[z]}`, unavailableMachineTypes: [], unavailableVolumeTypes: [] })),
    labels: { 'topology.example.com/continent': ['eu', 'us', 'ap'][i % 3] },
  }));
  return {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'CloudProfile',
    metadata: { name: 'provider', uid: '5a1c3d2e-0000-4000-8000-000000000001', resourceVersion: '812345', generation: 57 },
    spec: {
      type: 'provider',
      kubernetes: {
        versions: range(30).map((v) => ({
          version: `1.${26 + Math.floor(v / 5)}.${v % 5}`,
          classification: v > 25 ? 'supported' : 'deprecated',
          expirationDate: time(v),
        })),
      },
      machineImages: images,
      machineTypes,
      volumeTypes: ['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1'].map((name) => ({ name, class: 'standard', usable: true })),
      regions,
      providerConfig: {
        apiVersion: 'provider.extensions.gardener.cloud/v1alpha1',
        kind: 'CloudProfileConfig',
        machineImages: images.map((image) => ({
          name: image.name,
          versions: image.versions.map((version, v) => ({
            version: version.version,
            regions: regions
              .slice(0, 8)
              .map((region) => ({ name: region.name, ami: `ami-${(v * 7919 + region.name.length).toString(16).padStart(17, '0')}`, architecture: 'amd64' })),
          })),
        })),
      },
    },
  };
}

function shootDetails(i: number): Json {
  return {
    spec: {
      addons: { kubernetesDashboard: { enabled: false }, nginxIngress: { enabled: false } },
      cloudProfileName: 'provider',
      dns: { domain: `s${i}.project.shoot.example.com`, providers: [{ type: 'aws-route53', primary: true, secretName: 'dns' }] },
      extensions: ['shoot-dns-service', 'shoot-cert-service', 'shoot-oidc-service', 'shoot-networking-filter'].map((type) => ({
        type,
        providerConfig: { apiVersion: `${type}.extensions.gardener.cloud/v1alpha1`, kind: 'Config' },
      })),
      hibernation: { enabled: false, schedules: [{ start: '00 20 * * 1,2,3,4,5', end: '00 06 * * 1,2,3,4,5', location: 'Europe/Berlin' }] },
      kubernetes: {
        version: '1.31.4',
        enableStaticTokenKubeconfig: false,
        kubeAPIServer: {
          requests: { maxNonMutatingInflight: 400, maxMutatingInflight: 200 },
          enableAnonymousAuthentication: false,
          eventTTL: '1h0m0s',
          logging: { verbosity: 2 },
          defaultNotReadyTolerationSeconds: 300,
          defaultUnreachableTolerationSeconds: 300,
        },
        kubeControllerManager: { nodeCIDRMaskSize: 24, nodeMonitorGracePeriod: '40s' },
        kubeScheduler: { profile: 'balanced' },
        kubeProxy: { mode: 'IPTables', enabled: true },
        kubelet: {
          failSwapOn: true,
          kubeReserved: { cpu: '80m', memory: '1Gi', pid: '20k' },
          imageGCHighThresholdPercent: 50,
          imageGCLowThresholdPercent: 40,
          serializeImagePulls: true,
        },
        verticalPodAutoscaler: {
          enabled: true,
          evictAfterOOMThreshold: '10m0s',
          evictionRateBurst: 1,
          evictionRateLimit: -1,
          evictionTolerance: 0.5,
          recommendationMarginFraction: 0.15,
          updaterInterval: '1m0s',
          recommenderInterval: '1m0s',
        },
      },
      maintenance: { autoUpdate: { kubernetesVersion: true, machineImageVersion: true }, timeWindow: { begin: '220000+0100', end: '230000+0100' } },
      provider: {
        type: 'provider',
        controlPlaneConfig: { apiVersion: 'provider.extensions.gardener.cloud/v1alpha1', kind: 'ControlPlaneConfig' },
        infrastructureConfig: {
          apiVersion: 'provider.extensions.gardener.cloud/v1alpha1',
          kind: 'InfrastructureConfig',
          networks: {
            vpc: { cidr: '10.250.0.0/16' },
            zones: range(3).map((z) => ({
              name: `region-1${'abc'[z]}`,
              internal: `10.250.${112 + z * 16}.0/20`,
              public: `10.250.${96 + z}.0/24`,
              workers: `10.250.${z * 32}.0/19`,
            })),
          },
        },
        workers: range(3).map((w) => ({
          name: `worker-${w}`,
          machine: { type: 'm5.xlarge-1', image: { name: 'gardenlinux', version: '1171.0.0' }, architecture: 'amd64' },
          maximum: 10,
          minimum: 3,
          maxSurge: 1,
          maxUnavailable: 0,
          volume: { type: 'gp3', size: '50Gi' },
          zones: ['region-1a', 'region-1b', 'region-1c'],
          cri: { name: 'containerd' },
          labels: { 'worker.example.com/pool': `pool-${w}` },
          systemComponents: { allow: true },
        })),
      },
      purpose: 'production',
      region: 'region-1',
      secretBindingName: 'provider-credentials',
      seedName: 'seed',
      systemComponents: { coreDNS: { autoscaling: { mode: 'horizontal' } } },
    },
    status: {
      conditions: ['APIServerAvailable', 'ControlPlaneHealthy', 'ObservabilityComponentsHealthy', 'EveryNodeReady', 'SystemComponentsHealthy'].map(condition),
      constraints: [
        'HibernationPossible',
        'MaintenancePreconditionsSatisfied',
        'CACertificateValiditiesAcceptable',
        'CRDsWithProblematicConversionWebhooks',
      ].map(condition),
      gardener: { id: 'gardenlet-7d9f', name: 'gardenlet-7d9f-xyz', version: 'v1.110.0' },
      hibernated: false,
      lastOperation: {
        description: 'Shoot cluster has been successfully reconciled.',
        lastUpdateTime: time(i),
        progress: 100,
        state: 'Succeeded',
        type: 'Reconcile',
      },
      lastErrors: [],
      observedGeneration: 42,
      retryCycleStartTime: time(i),
      seedName: 'seed',
      technicalID: `shoot--project--s${i}`,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      clusterIdentity: `shoot--project--s${i}-00000000-0000-4000-8000-${String(i).padStart(12, '0')}-garden`,
      advertisedAddresses: ['external', 'internal', 'service-account-issuer'].map((name) => ({ name, url: `https://api.s${i}.project.${name}.example.com` })),
      credentials: {
        rotation: {
          certificateAuthorities: { phase: 'Completed', lastCompletionTime: time(i) },
          serviceAccountKey: { phase: 'Completed' },
          etcdEncryptionKey: { phase: 'Completed' },
          observability: { lastCompletionTime: time(i) },
        },
      },
    },
  };
}

function seedDetails(): Json {
  return {
    spec: {
      backup: { provider: 'provider', region: 'region-1', secretRef: { name: 'backup', namespace: 'garden' } },
      dns: { provider: { type: 'aws-route53', secretRef: { name: 'dns', namespace: 'garden' } } },
      ingress: { domain: 'ingress.seed.example.com', controller: { kind: 'nginx' } },
      provider: { type: 'provider', region: 'region-1', zones: ['region-1a', 'region-1b', 'region-1c'] },
      settings: {
        excessCapacityReservation: { enabled: true },
        scheduling: { visible: true },
        verticalPodAutoscaler: { enabled: true },
        dependencyWatchdog: { weeder: { enabled: true }, prober: { enabled: true } },
        topologyAwareRouting: { enabled: true },
      },
      taints: [],
    },
    status: {
      allocatable: { shoots: '250' },
      capacity: { shoots: '250' },
      conditions: ['GardenletReady', 'BackupBucketsReady', 'ExtensionsReady', 'SeedSystemComponentsHealthy'].map(condition),
      gardener: { id: 'gardenlet-7d9f', name: 'gardenlet-7d9f-xyz', version: 'v1.110.0' },
      kubernetesVersion: 'v1.31.4',
      observedGeneration: 12,
    },
  };
}

const merge = (base: Json, extra: Json): Json => {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const existing = out[key];
    out[key] =
      existing && typeof existing === 'object' && !Array.isArray(existing) && value && typeof value === 'object' && !Array.isArray(value)
        ? merge(existing as Json, value as Json)
        : (existing ?? value);
  }
  return out;
};

const CLOUD_PROFILE = cloudProfile();

/** cluster(options) with the rest of a real Cluster around the fields the controller reads (~130 KiB as JSON). */
export function realisticCluster(options: ClusterOptions, index: number): ClusterSample {
  const base = cluster(options) as unknown as { spec: { shoot: Json; seed: Json } };
  return {
    ...(base as unknown as ClusterSample),
    spec: {
      ...base.spec,
      shoot: merge(base.spec.shoot, shootDetails(index)),
      seed: merge(base.spec.seed, seedDetails()),
      cloudProfile: CLOUD_PROFILE,
    },
  } as ClusterSample;
}
