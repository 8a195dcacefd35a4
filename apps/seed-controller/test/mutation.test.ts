import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { describe, expect, it } from 'vitest';
import { apartCluster, cluster, overlappingCluster, sampleDeployment } from '@overlap/test-support';
import { InjectionError, mutateDeployment } from '../src/inject/mutate.ts';
import { INJECTED_ANNOTATION } from '../src/inject/names.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../src/inject/settings.ts';
import type { ClusterObject } from '../src/shoot/shoot-facts.ts';
import { planShoot } from '../src/shoot/shoot-plan.ts';

const injectionFor = (c: ClusterObject) => planShoot(c, DEFAULT_INJECTION_SETTINGS).injection;
const container = (d: V1Deployment, name: string): V1Container | undefined => d.spec!.template.spec!.containers.find((c) => c.name === name);
const envOf = (c: V1Container | undefined): Record<string, string> =>
  Object.fromEntries((c?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));

/** Throws with the schema's complaint if the object is not a valid apps/v1 Deployment. */
function assertValidDeployment(object: V1Deployment): void {
  new Deployment(object as unknown as ConstructorParameters<typeof Deployment>[0]).validate();
}

describe('mutateDeployment: HA shoot with an overlap', () => {
  const original = sampleDeployment();
  const snapshot = JSON.stringify(original);
  const { deployment, outcome } = mutateDeployment(original, injectionFor(overlappingCluster()));
  const spec = deployment.spec!.template.spec!;

  it('injects and leaves the input object alone', () => {
    expect(outcome).toBe('injected');
    expect(JSON.stringify(original)).toBe(snapshot);
  });

  it('adds the envoy-proxy sidecar exactly as Gardener builds it, plus declared ports', () => {
    expect(container(deployment, 'envoy-proxy')).toEqual({
      name: 'envoy-proxy',
      image: DEFAULT_INJECTION_SETTINGS.envoyImage,
      imagePullPolicy: 'IfNotPresent',
      command: ['envoy', '--concurrency', '2', '-c', '/etc/envoy/envoy.yaml'],
      ports: [
        { name: 'http-proxy', containerPort: 9443, protocol: 'TCP' },
        { name: 'envoy-metrics', containerPort: 15000, protocol: 'TCP' },
      ],
      readinessProbe: { tcpSocket: { port: 9443 } },
      livenessProbe: { tcpSocket: { port: 9443 } },
      resources: { requests: { cpu: '20m', memory: '100Mi' } },
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['all'] }, runAsNonRoot: true, runAsGroup: 31415 },
      volumeMounts: [
        { name: 'certs', mountPath: '/srv/secrets/envoy-proxy' },
        { name: 'envoy-config', mountPath: '/etc/envoy' },
      ],
    });
  });

  it('adds the seed agent with NET_ADMIN only and the Cluster-derived env', () => {
    const agent = container(deployment, 'seed-vpn-agent')!;
    expect(agent.securityContext).toEqual({
      runAsUser: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      seccompProfile: { type: 'RuntimeDefault' },
      capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
    });
    expect(envOf(agent)).toEqual({
      SEED_POD_NETWORK: '10.0.0.0/12',
      SHOOT_POD_NETWORKS: '10.1.0.0/16',
      SHOOT_SERVICE_NETWORKS: '10.2.0.0/16',
      SHOOT_NODE_NETWORKS: '10.100.0.0/16,10.99.14.0/24,10.99.15.0/24',
      IP_FAMILIES: 'IPv4',
      IS_HA: 'true',
      OVERLAP_TUNNEL_DEVICE: 'bond0+',
      OVERLAP_ENVOY_GID: '31415',
      OVERLAP_BACKEND: 'auto',
      OVERLAP_METRICS_ADDRESS: '$(POD_IP):9150',
      OVERLAP_LOG_LEVEL: 'info',
    });
    const names = agent.env!.map((e) => e.name);
    expect(names.indexOf('POD_IP')).toBeLessThan(names.indexOf('OVERLAP_METRICS_ADDRESS'));
    expect(agent.env!.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom!.fieldRef!.fieldPath])).toEqual([
      ['POD_NAME', 'metadata.name'],
      ['NAMESPACE', 'metadata.namespace'],
      ['POD_IP', 'status.podIP'],
    ]);
    expect(agent.ports).toEqual([{ name: 'agent-metrics', containerPort: 9150, protocol: 'TCP' }]);
    // Issue 17: the agent's readiness must never gate the kube-apiserver pod; liveness only restarts the agent.
    expect(agent.readinessProbe).toBeUndefined();
    expect(agent.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 9150 });
  });

  it('points kube-apiserver at the egress selector and mounts its files', () => {
    const apiserver = container(deployment, 'kube-apiserver')!;
    expect(apiserver.args!.at(-1)).toBe('--egress-selector-config-file=/etc/kubernetes/egress/egress-selector-configuration.yaml');
    expect(apiserver.args!.slice(0, -1)).toEqual(container(original, 'kube-apiserver')!.args);
    expect(apiserver.volumeMounts).toEqual([
      { name: 'server', mountPath: '/srv/kubernetes/apiserver' },
      { name: 'ca-vpn', mountPath: '/srv/kubernetes/ca-vpn' },
      { name: 'http-proxy', mountPath: '/etc/srv/kubernetes/envoy' },
      { name: 'egress-selection-config', mountPath: '/etc/kubernetes/egress' },
    ]);
  });

  it('adds the hostAlias and the five volumes of Gardener’s layout', () => {
    expect(spec.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['kube-apiserver-http-proxy'] }]);
    const plan = planShoot(overlappingCluster(), DEFAULT_INJECTION_SETTINGS);
    expect(spec.volumes!.slice(4)).toEqual([
      { name: 'envoy-config', configMap: { name: plan.configMaps!.envoy.metadata!.name } },
      {
        name: 'certs',
        projected: {
          defaultMode: 420,
          sources: [
            { secret: { name: 'overlap-vpn-ca-bundle', items: [{ key: 'bundle.crt', path: 'ca.crt' }] } },
            {
              secret: {
                name: 'overlap-kube-apiserver-http-proxy',
                items: [
                  { key: 'tls.crt', path: 'tls.crt' },
                  { key: 'tls.key', path: 'tls.key' },
                ],
              },
            },
          ],
        },
      },
      { name: 'http-proxy', secret: { secretName: 'overlap-kube-apiserver-http-proxy-client', defaultMode: 0o640 } },
      { name: 'egress-selection-config', configMap: { name: plan.configMaps!.egress.metadata!.name } },
      { name: 'ca-vpn', secret: { secretName: 'overlap-vpn-ca-bundle' } },
    ]);
  });

  it('records exactly what it added on the pod template', () => {
    expect(JSON.parse(deployment.spec!.template.metadata!.annotations![INJECTED_ANNOTATION]!)).toEqual({
      containers: ['envoy-proxy', 'seed-vpn-agent'],
      volumes: ['envoy-config', 'certs', 'http-proxy', 'egress-selection-config', 'ca-vpn'],
      apiserverMounts: ['ca-vpn', 'http-proxy', 'egress-selection-config'],
      apiserverArgs: ['--egress-selector-config-file=/etc/kubernetes/egress/egress-selector-configuration.yaml'],
      hostAliases: [{ ip: '127.0.0.1', hostnames: ['kube-apiserver-http-proxy'] }],
      containerEnv: [{ container: 'vpn-path-controller', name: 'SEED_POD_NETWORK', value: '10.0.0.0/12' }],
    });
  });

  it("tells the path controller the seed pod network, appended to Gardener's env; the VPN clients get nothing", () => {
    const before = container(original, 'vpn-path-controller')!.env!;
    expect(container(deployment, 'vpn-path-controller')!.env).toEqual([...before, { name: 'SEED_POD_NETWORK', value: '10.0.0.0/12' }]);
    for (const name of ['vpn-client-0', 'vpn-client-1']) {
      expect(container(deployment, name)).toEqual(container(original, name));
      expect(envOf(container(deployment, name)).SEED_POD_NETWORK).toBeUndefined();
    }
  });

  it('yields a Deployment valid against the Kubernetes OpenAPI schema', () => {
    expect(() => assertValidDeployment(original)).not.toThrow();
    expect(() => assertValidDeployment(deployment)).not.toThrow();
  });

  it('the schema check does catch a broken Deployment', () => {
    const broken = structuredClone(deployment);
    (broken.spec!.template.spec!.containers[0] as unknown as Record<string, unknown>).ports = [{ containerPort: 'x' }];
    expect(() => assertValidDeployment(broken)).toThrow();
  });

  it('is idempotent: admitting the mutated object again changes nothing', () => {
    const again = mutateDeployment(deployment, injectionFor(overlappingCluster()));
    expect(again.outcome).toBe('unchanged');
    expect(again.deployment).toBe(deployment);
  });

  it('replaces its earlier injection when the networks change, never duplicating it', () => {
    const changed = overlappingCluster();
    (changed.spec!.shoot as { spec: { networking: Record<string, string> } }).spec.networking.pods = '10.3.0.0/16';
    const { deployment: next, outcome: nextOutcome } = mutateDeployment(deployment, injectionFor(changed));
    expect(nextOutcome).toBe('injected');
    const names = next.spec!.template.spec!.containers.map((c) => c.name);
    expect(names.filter((n) => n === 'envoy-proxy')).toHaveLength(1);
    expect(envOf(container(next, 'seed-vpn-agent')).SHOOT_POD_NETWORKS).toBe('10.3.0.0/16');
    expect(container(next, 'kube-apiserver')!.args!.filter((a) => a.startsWith('--egress-selector'))).toHaveLength(1);
  });

  it('removal restores the Deployment exactly as gardenlet rendered it', () => {
    const removed = mutateDeployment(deployment, injectionFor(apartCluster()));
    expect(removed.outcome).toBe('removed');
    expect(removed.deployment).toEqual(original);
    expect(JSON.stringify(removed.deployment)).toBe(snapshot);
  });
});

describe('mutateDeployment: nothing to inject', () => {
  const cases: Array<[string, ClusterObject]> = [
    ['HA without an overlap', apartCluster()],
    ['non-HA with an overlap', cluster({ pods: '10.1.0.0/16', ha: false })],
    ['HA with an overlap but no workers', cluster({ pods: '10.1.0.0/16', workers: false })],
    ['IPv6-only shoot', cluster({ pods: 'fd00:10:1::/56', services: 'fd00:10:2::/112', ipFamilies: ['IPv6'] })],
    ['HA forced off by the annotation', cluster({ pods: '10.1.0.0/16', haAnnotation: 'false' })],
  ];
  it.each(cases)('%s: returns the very same object, byte for byte', (_, c) => {
    const original = sampleDeployment();
    const snapshot = JSON.stringify(original);
    const result = mutateDeployment(original, injectionFor(c));
    expect(result.outcome).toBe('unchanged');
    expect(result.deployment).toBe(original);
    expect(JSON.stringify(result.deployment)).toBe(snapshot);
  });

  it('leaves a Deployment that is being deleted alone', () => {
    const original = { ...sampleDeployment(), metadata: { name: 'kube-apiserver', deletionTimestamp: new Date() } };
    expect(mutateDeployment(original, injectionFor(overlappingCluster())).outcome).toBe('unchanged');
  });
});

describe('mutateDeployment: more shapes of shoot', () => {
  it('dual-stack with an IPv4 overlap injects, and the agent sees both families', () => {
    const c = cluster({
      pods: '10.1.0.0/16',
      services: '10.2.0.0/16',
      ipFamilies: ['IPv4', 'IPv6'],
      status: { pods: ['10.1.0.0/16', 'fd00:10:1::/56'], services: ['fd00:10:2::/112'] },
    });
    const { deployment, outcome } = mutateDeployment(sampleDeployment(), injectionFor(c));
    expect(outcome).toBe('injected');
    const env = envOf(container(deployment, 'seed-vpn-agent'));
    expect(env.SHOOT_POD_NETWORKS).toBe('10.1.0.0/16,fd00:10:1::/56');
    expect(env.SHOOT_SERVICE_NETWORKS).toBe('10.2.0.0/16,fd00:10:2::/112');
    expect(env.IP_FAMILIES).toBe('IPv4');
    expect(() => assertValidDeployment(deployment)).not.toThrow();
  });

  it('several CIDRs per kind all reach the agent, spec first, then status in order', () => {
    const c = cluster({
      pods: '10.1.0.0/16',
      services: '10.2.0.0/16',
      nodes: '10.100.0.0/16',
      status: { pods: ['10.1.0.0/16', '10.4.0.0/16'], nodes: ['10.99.14.0/24', '10.99.15.0/24'] },
    });
    const env = envOf(container(mutateDeployment(sampleDeployment(), injectionFor(c)).deployment, 'seed-vpn-agent'));
    expect(env.SHOOT_POD_NETWORKS).toBe('10.1.0.0/16,10.4.0.0/16');
    expect(env.SHOOT_NODE_NETWORKS).toBe('10.100.0.0/16,10.99.14.0/24,10.99.15.0/24');
  });

  it('after gardenlet re-rendered the template (our parts and marker gone), removal has nothing to do', () => {
    const original = sampleDeployment();
    expect(mutateDeployment(original, undefined)).toEqual({ deployment: original, outcome: 'unchanged' });
  });
});

describe('mutateDeployment: SEED_POD_NETWORK of the path controller', () => {
  const withPathControllerEnv = (env: V1Container['env']) => {
    const original = sampleDeployment();
    const pathController = container(original, 'vpn-path-controller')!;
    if (env === undefined) delete pathController.env;
    else pathController.env = env;
    return original;
  };

  it('never changes a value Gardener set, and removal leaves it in place', () => {
    const gardenerValue = [{ name: 'SEED_POD_NETWORK', value: '10.64.0.0/12' }];
    const original = withPathControllerEnv(gardenerValue);
    const snapshot = JSON.stringify(original);
    const injected = mutateDeployment(original, injectionFor(overlappingCluster())).deployment;
    expect(container(injected, 'vpn-path-controller')!.env).toEqual(gardenerValue);
    expect(JSON.parse(injected.spec!.template.metadata!.annotations![INJECTED_ANNOTATION]!).containerEnv).toEqual([]);
    const removed = mutateDeployment(injected, undefined);
    expect(JSON.stringify(removed.deployment)).toBe(snapshot);
  });

  it('also leaves one set from a field reference alone', () => {
    const fromRef = [{ name: 'SEED_POD_NETWORK', valueFrom: { configMapKeyRef: { name: 'x', key: 'y' } } }];
    const injected = mutateDeployment(withPathControllerEnv(fromRef), injectionFor(overlappingCluster())).deployment;
    expect(container(injected, 'vpn-path-controller')!.env).toEqual(fromRef);
  });

  it('adds the env list to a path controller without one, and removal takes the list away again', () => {
    const original = withPathControllerEnv(undefined);
    const snapshot = JSON.stringify(original);
    const injected = mutateDeployment(original, injectionFor(overlappingCluster())).deployment;
    expect(container(injected, 'vpn-path-controller')!.env).toEqual([{ name: 'SEED_POD_NETWORK', value: '10.0.0.0/12' }]);
    expect(JSON.stringify(mutateDeployment(injected, undefined).deployment)).toBe(snapshot);
  });

  it('without a path controller container there is nothing to tell, and nothing else changes for it', () => {
    const original = sampleDeployment();
    original.spec!.template.spec!.containers = original.spec!.template.spec!.containers.filter((c) => c.name !== 'vpn-path-controller');
    const snapshot = JSON.stringify(original);
    const injected = mutateDeployment(original, injectionFor(overlappingCluster()));
    expect(injected.outcome).toBe('injected');
    expect(JSON.parse(injected.deployment.spec!.template.metadata!.annotations![INJECTED_ANNOTATION]!).containerEnv).toEqual([]);
    expect(JSON.stringify(mutateDeployment(injected.deployment, undefined).deployment)).toBe(snapshot);
  });

  it('follows a changed seed pod network: the old value of ours goes, the new one comes', () => {
    const injected = mutateDeployment(sampleDeployment(), injectionFor(overlappingCluster())).deployment;
    const moved = cluster({ pods: '10.1.0.0/16', seedPods: '10.0.0.0/11' });
    const next = mutateDeployment(injected, injectionFor(moved)).deployment;
    expect((container(next, 'vpn-path-controller')!.env ?? []).filter((e) => e.name === 'SEED_POD_NETWORK')).toEqual([
      { name: 'SEED_POD_NETWORK', value: '10.0.0.0/11' },
    ]);
  });
});

describe('mutateDeployment: Gardener v1.124+ injects Envoy itself', () => {
  const gardenerEnvoy: V1Container = { name: 'envoy-proxy', image: 'envoy', command: ['envoy'] };

  it('with its own envoy-proxy container: reports gardener_managed and changes nothing', () => {
    const original = sampleDeployment();
    original.spec!.template.spec!.containers.push(gardenerEnvoy);
    const result = mutateDeployment(original, injectionFor(overlappingCluster()));
    expect(result).toEqual({ deployment: original, outcome: 'gardener_managed' });
    expect(result.deployment).toBe(original);
  });

  it('with its own egress selector flag: reports gardener_managed', () => {
    const original = sampleDeployment();
    container(original, 'kube-apiserver')!.args!.push('--egress-selector-config-file=/etc/kubernetes/egress/egress-selector-configuration.yaml');
    expect(mutateDeployment(original, injectionFor(overlappingCluster())).outcome).toBe('gardener_managed');
  });

  it('our own earlier injection is not mistaken for Gardener’s', () => {
    const injected = mutateDeployment(sampleDeployment(), injectionFor(overlappingCluster())).deployment;
    expect(mutateDeployment(injected, injectionFor(overlappingCluster())).outcome).toBe('unchanged');
  });
});

describe('mutateDeployment: conflicts', () => {
  it('refuses to overwrite a volume of the same name that is not ours, without a partial mutation', () => {
    const original = sampleDeployment();
    original.spec!.template.spec!.volumes!.push({ name: 'certs', emptyDir: {} });
    const snapshot = JSON.stringify(original);
    expect(() => mutateDeployment(original, injectionFor(overlappingCluster()))).toThrow(InjectionError);
    expect(() => mutateDeployment(original, injectionFor(overlappingCluster()))).toThrow(
      'spec.template.spec.volumes: "certs" already exists and was not added by this controller',
    );
    expect(JSON.stringify(original)).toBe(snapshot);
  });

  it('names a Deployment without a kube-apiserver container', () => {
    const original = sampleDeployment();
    original.spec!.template.spec!.containers[0]!.name = 'apiserver';
    expect(() => mutateDeployment(original, injectionFor(overlappingCluster()))).toThrow(
      'spec.template.spec.containers: has no container named kube-apiserver',
    );
  });
});
