import { CONFIG_MAPS, DEPLOYMENTS, NAMESPACES } from '../kube/calls.ts';
import { type Resource, resourcePath } from '../kube/request.ts';

/** One object deploy/seed creates for the controller itself, and where it is in the API. */
export interface OwnObject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly path: string;
}

const NAME = 'overlap-seed-controller';
const SYSTEM_NAMESPACE = 'overlap-system';
const EVENTS_ROLE = `${NAME}-events`;
const WRITES_POLICY = `${NAME}-writes`;
const SEED_DASHBOARD = 'overlap-seed-dashboard';

/**
 * The controller's own objects from deploy/seed, in the order uninstall deletes them (deploy/test checks that the
 * list covers every cluster-scoped object and every namespace the manifests create). The webhook and the
 * controller go first, so neither puts an injection back while uninstall takes it out; the namespace takes
 * everything inside it (Service, ServiceAccount, Role, PDB, Lease, monitoring, webhook certificate). The
 * admission policy that narrows the controller's writes goes last, once nothing runs under its ServiceAccount.
 */
const ADMISSION = (plural: string): Resource => ({ group: 'admissionregistration.k8s.io', version: 'v1', plural });
const RBAC = (plural: string): Resource => ({ group: 'rbac.authorization.k8s.io', version: 'v1', plural });
const own = (kind: string, resource: Resource, name: string, namespace?: string): OwnObject => ({
  kind,
  name,
  ...(namespace === undefined ? {} : { namespace }),
  path: resourcePath(resource, namespace, name),
});

export const OWN_OBJECTS: readonly OwnObject[] = [
  own('MutatingWebhookConfiguration', ADMISSION('mutatingwebhookconfigurations'), NAME),
  own('Deployment', DEPLOYMENTS, NAME, SYSTEM_NAMESPACE),
  own('Namespace', NAMESPACES, SYSTEM_NAMESPACE),
  own('ClusterRoleBinding', RBAC('clusterrolebindings'), NAME),
  own('ClusterRole', RBAC('clusterroles'), NAME),
  own('RoleBinding', RBAC('rolebindings'), EVENTS_ROLE, 'default'),
  own('Role', RBAC('roles'), EVENTS_ROLE, 'default'),
  own('ConfigMap', CONFIG_MAPS, SEED_DASHBOARD, 'garden'),
  own('ValidatingAdmissionPolicyBinding', ADMISSION('validatingadmissionpolicybindings'), WRITES_POLICY),
  own('ValidatingAdmissionPolicy', ADMISSION('validatingadmissionpolicies'), WRITES_POLICY),
];

/** The first objects to go: with them gone nothing re-injects (see OWN_OBJECTS). */
export const STOPPING = 2;
/** Events the controller recorded about Clusters carry this component (its Lease name by default). */
export const EVENT_COMPONENT = NAME;
/** The controller's pods (deploy/seed/deployment.yaml's selector). */
export const CONTROLLER_PODS = { namespace: SYSTEM_NAMESPACE, selector: `app.kubernetes.io/name=${NAME}` } as const;
