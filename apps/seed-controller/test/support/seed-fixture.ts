// A seed as `overlap status` and `overlap plan --all` see it, written straight into FakeApiServer (a TEST DOUBLE
// of the Kubernetes API): Clusters, kube-apiserver Deployments (injected by the real mutation), the objects the
// controller keeps, and kube-apiserver pods with their container statuses.
import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { CLUSTERS, type FakeApiServer, configMapPath, deploymentPath, managedResourcePath, podPath, sampleDeployment, secretPath } from '@overlap/test-support';
import { mutateDeployment } from '../../src/inject/mutate.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../../src/inject/settings.ts';
import { ownedObjects } from '../../src/owned/objects.ts';
import type { ClusterObject } from '../../src/shoot/shoot-facts.ts';
import { planShoot } from '../../src/shoot/shoot-plan.ts';
import { DEFAULT_SHOOT_WEBHOOK_URL } from '../../src/vpn-shoot/names.ts';

const COLLECTION: Record<string, (namespace: string) => string> = {
  ConfigMap: configMapPath,
  Secret: secretPath,
  ManagedResource: managedResourcePath,
};

export interface ShootSetup {
  readonly cluster: ClusterObject;
  /** Put the injection into kube-apiserver as the webhook would (only for a shoot whose plan injects). */
  readonly injected?: boolean;
  /** Leave these owned objects out (`Kind/name`). */
  readonly without?: readonly string[];
  /** Pods of kube-apiserver and whether their seed agent container is ready. */
  readonly pods?: ReadonlyArray<{ name: string; agentReady: boolean }>;
  readonly deployment?: boolean;
}

/** One shoot namespace as the controller and the kubelet would have left it: pure, for the evaluation's tests. */
export function shootObjects(setup: ShootSetup): { deployment: V1Deployment | undefined; owned: KubernetesObject[]; pods: V1Pod[] } {
  const namespace = setup.cluster.metadata!.name!;
  let plan: ReturnType<typeof planShoot> | undefined;
  try {
    plan = planShoot(setup.cluster, DEFAULT_INJECTION_SETTINGS);
  } catch {
    plan = undefined;
  }
  const deployment = sampleDeployment();
  deployment.metadata!.namespace = namespace;
  const injection = setup.injected && plan?.injection;
  const live = injection ? mutateDeployment(deployment, injection).deployment : deployment;
  const owned =
    injection && plan
      ? ownedObjects(plan, { shootWebhook: { baseUrl: DEFAULT_SHOOT_WEBHOOK_URL, caBundle: 'CA', timeoutSeconds: 5 } })
          .filter((object) => !setup.without?.includes(`${object.kind}/${object.metadata!.name}`))
          .map((object) => {
            const status = object.kind === 'ManagedResource' ? { status: { conditions: [{ type: 'ResourcesApplied', status: 'True' }] } } : {};
            return { ...object, metadata: { ...object.metadata, namespace }, ...status } as KubernetesObject;
          })
      : [];
  const containers = live.spec!.template!.spec!.containers.map((c) => ({ name: c.name, image: c.image ?? '' }));
  const pods = (setup.pods ?? []).map(
    (pod): V1Pod => ({
      metadata: { name: pod.name, namespace, labels: { app: 'kubernetes', role: 'apiserver' } },
      spec: { containers },
      status: {
        phase: 'Running',
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image,
          imageID: '',
          restartCount: 0,
          ready: c.name === 'seed-vpn-agent' ? pod.agentReady : true,
        })),
      },
    }),
  );
  return { deployment: setup.deployment === false ? undefined : live, owned, pods };
}

/** Writes one shoot namespace into the fake API server as the controller and the kubelet would have left it. */
export function putShoot(api: FakeApiServer, setup: ShootSetup): void {
  const namespace = setup.cluster.metadata!.name!;
  api.put(CLUSTERS, setup.cluster as never);
  const { deployment, owned, pods } = shootObjects(setup);
  if (deployment) api.put(deploymentPath(namespace), deployment as never);
  for (const object of owned) api.put(COLLECTION[object.kind!]!(namespace), object as never);
  for (const pod of pods) api.put(podPath(namespace), pod as never);
}
