// kube-apiserver Deployments of the size gardenlet writes them (~26 KiB as JSON), for benchmarks: the example's
// containers and the fields the webhook reads, plus what a real one carries around them (all of kube-apiserver's
// flags, its secret volumes and mounts (none named like those the controller adds, as before Gardener v1.124), checksum annotations, probes, managedFields, status). Values are made up.
import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { sampleDeployment } from './fixtures.ts';

type Json = Record<string, unknown>;

const sha = (seed: string): string => createHash('sha256').update(seed).digest('hex');

const SECRETS = [
  'ca',
  'ca-etcd',
  'ca-front-proxy',
  'ca-kubelet',
  'ca-vpn-bundle',
  'etcd-client',
  'service-account-key',
  'service-account-key-bundle',
  'kube-apiserver',
  'kube-apiserver-kubelet',
  'kube-apiserver-http-proxy',
  'kube-aggregator',
  'etcd-encryption-secret',
  'kube-apiserver-static-token',
  'kube-apiserver-basic-auth',
  'audit-policy-config',
  'admission-config',
  'tls-sni-config',
  'oidc-ca',
  'authentication-webhook-kubeconfig',
  'authorization-webhook-kubeconfig',
  'konnectivity-uds',
  'vpn-seed-tlsauth',
  'shoot-access-token',
  'structured-authentication',
  'structured-authorization',
  'watchdog',
];

const FLAGS = [
  'allow-privileged=true',
  'anonymous-auth=false',
  'audit-log-maxsize=100',
  'audit-log-maxbackup=5',
  'authorization-mode=Node,RBAC',
  'client-ca-file=/srv/kubernetes/ca-client/bundle.crt',
  'enable-admission-plugins=Priority,NamespaceLifecycle,LimitRanger,PodSecurity,ServiceAccount,NodeRestriction,DefaultStorageClass,DefaultTolerationSeconds,ResourceQuota,StorageObjectInUseProtection,MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
  'disable-admission-plugins=',
  'enable-aggregator-routing=true',
  'enable-bootstrap-token-auth=true',
  'encryption-provider-config=/etc/kubernetes/etcd-encryption-secret/encryption-configuration.yaml',
  'etcd-cafile=/srv/kubernetes/etcd/ca/bundle.crt',
  'etcd-certfile=/srv/kubernetes/etcd/client/tls.crt',
  'etcd-keyfile=/srv/kubernetes/etcd/client/tls.key',
  'etcd-servers=https://etcd-main-client:2379',
  'etcd-servers-overrides=/events#https://etcd-events-client:2379',
  'event-ttl=1h0m0s',
  'external-hostname=api.example.shoot.example.com',
  'insecure-port=0',
  'kubelet-certificate-authority=/srv/kubernetes/ca-kubelet/bundle.crt',
  'kubelet-client-certificate=/srv/kubernetes/apiserver-kubelet/tls.crt',
  'kubelet-client-key=/srv/kubernetes/apiserver-kubelet/tls.key',
  'kubelet-preferred-address-types=InternalIP,Hostname,ExternalIP',
  'livez-grace-period=1m',
  'max-mutating-requests-inflight=200',
  'max-requests-inflight=400',
  'profiling=false',
  'proxy-client-cert-file=/srv/kubernetes/aggregator/tls.crt',
  'proxy-client-key-file=/srv/kubernetes/aggregator/tls.key',
  'requestheader-allowed-names=kube-aggregator',
  'requestheader-client-ca-file=/srv/kubernetes/ca-front-proxy/bundle.crt',
  'requestheader-extra-headers-prefix=X-Remote-Extra-',
  'requestheader-group-headers=X-Remote-Group',
  'requestheader-username-headers=X-Remote-User',
  'secure-port=443',
  'service-account-issuer=https://api.example.shoot.example.com',
  'service-account-key-file=/srv/kubernetes/service-account-key-bundle/bundle.key',
  'service-account-signing-key-file=/srv/kubernetes/service-account-key/id_rsa',
  'service-cluster-ip-range=10.2.0.0/20',
  'shutdown-delay-duration=15s',
  'tls-cert-file=/srv/kubernetes/apiserver/tls.crt',
  'tls-private-key-file=/srv/kubernetes/apiserver/tls.key',
  'tls-cipher-suites=TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
  'audit-policy-file=/etc/kubernetes/audit/audit-policy.yaml',
  'admission-control-config-file=/etc/kubernetes/admission/admission-configuration.yaml',
  'api-audiences=kubernetes,gardener',
  'goaway-chance=0.02',
  'http2-max-streams-per-connection=1000',
  'v=2',
];

/** The managedFields form (FieldsV1) of an object: every field named, list items keyed by name. */
function fieldsV1(value: unknown): Json {
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((item, i) => [
        typeof item === 'object' && item && 'name' in item ? `k:{"name":"${String((item as Json)['name'])}"}` : `i:${i}`,
        fieldsV1(item),
      ]),
    );
  }
  if (value && typeof value === 'object') return { '.': {}, ...Object.fromEntries(Object.entries(value).map(([k, v]) => [`f:${k}`, fieldsV1(v)])) };
  return {};
}

function grow(container: V1Container): void {
  container.args = [...(container.args ?? []), ...FLAGS.map((flag) => `--${flag}`)];
  container.volumeMounts = [...(container.volumeMounts ?? []), ...SECRETS.map((name) => ({ name, mountPath: `/srv/kubernetes/${name}`, readOnly: true }))];
  container.livenessProbe = {
    httpGet: { path: '/livez', port: 443, scheme: 'HTTPS', httpHeaders: [{ name: 'Authorization', value: `Bearer ${sha('probe').repeat(4)}` }] },
    initialDelaySeconds: 15,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
    timeoutSeconds: 15,
  };
  container.readinessProbe = { ...container.livenessProbe, httpGet: { ...container.livenessProbe.httpGet!, path: '/readyz' } };
  container.resources = { requests: { cpu: '800m', memory: '1Gi' }, limits: { memory: '4Gi' } };
  container.terminationMessagePath = '/dev/termination-log';
  container.terminationMessagePolicy = 'File';
  container.imagePullPolicy = 'IfNotPresent';
}

/** The example Deployment in `namespace`, grown to the size and shape gardenlet writes; `generation` varies the checksums. */
export function realisticDeployment(namespace: string, generation = 1): V1Deployment {
  const deployment = sampleDeployment();
  const metadata = deployment.metadata!;
  metadata.namespace = namespace;
  metadata.uid = `00000000-0000-4000-8000-${sha(namespace).slice(0, 12)}`;
  metadata.resourceVersion = String(100_000 + generation);
  metadata.generation = generation;
  metadata.creationTimestamp = new Date(Date.UTC(2026, 0, 1)) as never;
  metadata.annotations = {
    ...metadata.annotations,
    ...Object.fromEntries(SECRETS.map((name) => [`checksum/secret-${name}`, sha(`${name} ${generation}`)])),
    'reference.resources.gardener.cloud/configmap-4b5a1f3e': 'kube-apiserver-admission-config-4b5a1f3e',
    'reference.resources.gardener.cloud/secret-2f1c8d7a': 'kube-apiserver-etcd-encryption-configuration-2f1c8d7a',
  };
  metadata.labels = { ...metadata.labels, 'gardener.cloud/role': 'controlplane', 'high-availability-config.resources.gardener.cloud/type': 'server' };
  const pod = deployment.spec!.template.spec!;
  grow(pod.containers.find((c) => c.name === 'kube-apiserver')!);
  pod.volumes = [...(pod.volumes ?? []), ...SECRETS.map((name) => ({ name, secret: { secretName: `${name}-${sha(name).slice(0, 8)}`, defaultMode: 0o640 } }))];
  pod.priorityClassName = 'gardener-system-500';
  pod.affinity = {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'kubernetes', role: 'apiserver' } } } },
      ],
    },
  };
  pod.topologySpreadConstraints = ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { app: 'kubernetes', role: 'apiserver' } },
  }));
  deployment.status = {
    observedGeneration: generation,
    replicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    updatedReplicas: 3,
    conditions: ['Available', 'Progressing'].map((type) => ({
      type,
      status: 'True',
      reason: type === 'Available' ? 'MinimumReplicasAvailable' : 'NewReplicaSetAvailable',
      message: `ReplicaSet "kube-apiserver-${sha(namespace).slice(0, 10)}" has successfully progressed.`,
      lastUpdateTime: new Date(Date.UTC(2026, 0, 2)) as never,
      lastTransitionTime: new Date(Date.UTC(2026, 0, 2)) as never,
    })),
  };
  metadata.managedFields = [
    {
      manager: 'gardenlet',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: new Date(Date.UTC(2026, 0, 2)) as never,
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsV1({ metadata: { annotations: metadata.annotations, labels: metadata.labels }, spec: deployment.spec }),
    },
    {
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'apps/v1',
      subresource: 'status',
      time: new Date(Date.UTC(2026, 0, 2)) as never,
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsV1({ status: deployment.status }),
    },
  ];
  return deployment;
}
