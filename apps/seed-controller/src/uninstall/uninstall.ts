import type { CoreV1Event, V1Deployment, V1Namespace, V1Pod } from '@kubernetes/client-node';
import { mutateDeployment } from '../inject/mutate.ts';
import { INJECTED_ANNOTATION, KUBE_APISERVER, PLAN_HASH_ANNOTATION, WEBHOOK_NAMESPACE_LABEL, WEBHOOK_NAMESPACE_SELECTOR } from '../inject/names.ts';
import { deploymentPatch } from '../inject/patch.ts';
import { DEPLOYMENTS, EVENTS, NAMESPACES, PODS, markNamespace } from '../kube/calls.ts';
import type { KubeClient } from '../kube/client.ts';
import { type ObjectList, httpStatus, resourcePath, unlessStatus } from '../kube/request.ts';
import { OWNED_KINDS, kindClient } from '../owned/kinds.ts';
import { CONTROLLER_PODS, EVENT_COMPONENT, OWN_OBJECTS, type OwnObject, STOPPING } from './own-objects.ts';

const exists = async (object: OwnObject, api: KubeClient): Promise<boolean> => (await unlessStatus(api.get(object.path), 404)) !== undefined;

const place = (namespace: string | undefined, name: string): string => (namespace ? `${namespace}/${name}` : name);

/**
 * The kube-apiserver Deployment without anything of ours: the webhook's own removal path for the pod template
 * (which takes out exactly what the injection marker records), and the reconciler's plan-hash annotation.
 */
function withoutOverlap(deployment: V1Deployment): V1Deployment {
  const next = structuredClone(mutateDeployment(deployment, undefined).deployment);
  const annotations = next.metadata?.annotations;
  if (annotations && PLAN_HASH_ANNOTATION in annotations) {
    delete annotations[PLAN_HASH_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete next.metadata!.annotations;
  }
  return next;
}

const carriesOverlap = (deployment: V1Deployment): boolean =>
  deployment.spec?.template?.metadata?.annotations?.[INJECTED_ANNOTATION] !== undefined ||
  deployment.metadata?.annotations?.[PLAN_HASH_ANNOTATION] !== undefined;

/**
 * Takes overlap out of a seed: stops the webhook and the controller, restores every kube-apiserver Deployment,
 * deletes every object of ours in every shoot namespace and the events we recorded, then the rest of the
 * controller's own objects. Reports each step (as "would …" in a dry run); a second run finds nothing to do.
 */
export async function uninstall(api: KubeClient, options: { dryRun: boolean; report: (line: string) => void; waitMs?: number }): Promise<number> {
  const { dryRun, report } = options;
  let steps = 0;
  const step = async (done: string, action: () => Promise<unknown>): Promise<void> => {
    steps += 1;
    if (!dryRun) await action();
    report(dryRun ? `would ${done}` : `${done.replace(/^(\w+)/, (verb) => PAST[verb] ?? verb)}`);
  };

  const deleteOwn = async (objects: readonly OwnObject[]): Promise<void> => {
    for (const object of objects) {
      if (await exists(object, api)) {
        await step(`delete ${object.kind} ${place(object.namespace, object.name)}`, () => api.delete(object.path));
      }
    }
  };
  await deleteOwn(OWN_OBJECTS.slice(0, STOPPING));
  if (!dryRun) await controllerGone(api, options.waitMs ?? 120_000, report);

  const deployments = (await api.get<ObjectList<V1Deployment>>(resourcePath(DEPLOYMENTS))).items.filter(
    (d) => d.metadata?.name === KUBE_APISERVER && carriesOverlap(d),
  );
  for (const deployment of deployments) {
    const namespace = deployment.metadata!.namespace!;
    // As JSON, the form the webhook works on (the client's Date objects would not diff as their strings).
    const patch = deploymentPatch(deployment, withoutOverlap(deployment));
    await step(`remove the injection from Deployment ${namespace}/${KUBE_APISERVER}`, () =>
      api.patch(resourcePath(DEPLOYMENTS, namespace, KUBE_APISERVER), 'json', patch),
    );
  }

  for (const kind of OWNED_KINDS) {
    const client = kindClient(kind, api);
    // Without prometheus-operator's CRDs (shoot monitoring off) there is nothing of that kind to delete.
    const listed = await client.list().catch((error: unknown) => {
      if (kind.gardenerMonitoring && httpStatus(error) === 404) return { items: [] };
      throw error;
    });
    for (const object of listed.items) {
      const { namespace, name } = object.metadata as { namespace: string; name: string };
      await step(`delete ${kind.kind} ${namespace}/${name}`, () => client.delete(namespace, name));
    }
  }

  for (const namespace of (await api.get<ObjectList<V1Namespace>>(resourcePath(NAMESPACES), { labelSelector: WEBHOOK_NAMESPACE_SELECTOR })).items) {
    const name = namespace.metadata!.name!;
    await step(`remove label ${WEBHOOK_NAMESPACE_LABEL} from Namespace ${name}`, () => markNamespace(api, name, false));
  }
  const events = (await api.get<ObjectList<CoreV1Event>>(resourcePath(EVENTS, 'default'))).items.filter((e) => e.source?.component === EVENT_COMPONENT);
  for (const event of events) {
    await step(`delete Event default/${event.metadata!.name}`, () => api.delete(resourcePath(EVENTS, 'default', event.metadata!.name!)));
  }

  await deleteOwn(OWN_OBJECTS.slice(STOPPING));
  if (steps === 0) report('nothing to do: no trace of overlap in this cluster');
  return steps;
}

/** A terminating controller pod still reconciles and would put back what is deleted next: wait until none runs. */
async function controllerGone(api: KubeClient, waitMs: number, report: (line: string) => void): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let reported = false; ; reported = true) {
    const pods = await api.get<ObjectList<V1Pod>>(resourcePath(PODS, CONTROLLER_PODS.namespace), { labelSelector: CONTROLLER_PODS.selector });
    if (pods.items.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `${pods.items.length} controller pod(s) still run in ${CONTROLLER_PODS.namespace} after ${waitMs / 1000} s; run uninstall again once they are gone`,
      );
    if (!reported) report(`waiting for ${pods.items.length} controller pod(s) in ${CONTROLLER_PODS.namespace} to stop`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const PAST: Readonly<Record<string, string>> = { delete: 'deleted', remove: 'removed' };
