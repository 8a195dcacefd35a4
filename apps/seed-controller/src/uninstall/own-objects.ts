import { AdmissionregistrationV1Api, AppsV1Api, CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';

/** One object deploy/seed creates for the controller itself, with how to read and delete it. */
export interface OwnObject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  read(config: KubeConfig): Promise<unknown>;
  delete(config: KubeConfig): Promise<unknown>;
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
export const OWN_OBJECTS: readonly OwnObject[] = [
  {
    kind: 'MutatingWebhookConfiguration',
    name: NAME,
    read: (config) => config.makeApiClient(AdmissionregistrationV1Api).readMutatingWebhookConfiguration({ name: NAME }),
    delete: (config) => config.makeApiClient(AdmissionregistrationV1Api).deleteMutatingWebhookConfiguration({ name: NAME }),
  },
  {
    kind: 'Deployment',
    name: NAME,
    namespace: SYSTEM_NAMESPACE,
    read: (config) => config.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: NAME, namespace: SYSTEM_NAMESPACE }),
    delete: (config) => config.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: NAME, namespace: SYSTEM_NAMESPACE }),
  },
  {
    kind: 'Namespace',
    name: SYSTEM_NAMESPACE,
    read: (config) => config.makeApiClient(CoreV1Api).readNamespace({ name: SYSTEM_NAMESPACE }),
    delete: (config) => config.makeApiClient(CoreV1Api).deleteNamespace({ name: SYSTEM_NAMESPACE }),
  },
  {
    kind: 'ClusterRoleBinding',
    name: NAME,
    read: (config) => config.makeApiClient(RbacAuthorizationV1Api).readClusterRoleBinding({ name: NAME }),
    delete: (config) => config.makeApiClient(RbacAuthorizationV1Api).deleteClusterRoleBinding({ name: NAME }),
  },
  {
    kind: 'ClusterRole',
    name: NAME,
    read: (config) => config.makeApiClient(RbacAuthorizationV1Api).readClusterRole({ name: NAME }),
    delete: (config) => config.makeApiClient(RbacAuthorizationV1Api).deleteClusterRole({ name: NAME }),
  },
  {
    kind: 'RoleBinding',
    name: EVENTS_ROLE,
    namespace: 'default',
    read: (config) => config.makeApiClient(RbacAuthorizationV1Api).readNamespacedRoleBinding({ name: EVENTS_ROLE, namespace: 'default' }),
    delete: (config) => config.makeApiClient(RbacAuthorizationV1Api).deleteNamespacedRoleBinding({ name: EVENTS_ROLE, namespace: 'default' }),
  },
  {
    kind: 'Role',
    name: EVENTS_ROLE,
    namespace: 'default',
    read: (config) => config.makeApiClient(RbacAuthorizationV1Api).readNamespacedRole({ name: EVENTS_ROLE, namespace: 'default' }),
    delete: (config) => config.makeApiClient(RbacAuthorizationV1Api).deleteNamespacedRole({ name: EVENTS_ROLE, namespace: 'default' }),
  },
  // deploy/gardener's seed dashboard for Plutono, which lives in Gardener's `garden` namespace.
  {
    kind: 'ConfigMap',
    name: SEED_DASHBOARD,
    namespace: 'garden',
    read: (config) => config.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: SEED_DASHBOARD, namespace: 'garden' }),
    delete: (config) => config.makeApiClient(CoreV1Api).deleteNamespacedConfigMap({ name: SEED_DASHBOARD, namespace: 'garden' }),
  },
  {
    kind: 'ValidatingAdmissionPolicyBinding',
    name: WRITES_POLICY,
    read: (config) => config.makeApiClient(AdmissionregistrationV1Api).readValidatingAdmissionPolicyBinding({ name: WRITES_POLICY }),
    delete: (config) => config.makeApiClient(AdmissionregistrationV1Api).deleteValidatingAdmissionPolicyBinding({ name: WRITES_POLICY }),
  },
  {
    kind: 'ValidatingAdmissionPolicy',
    name: WRITES_POLICY,
    read: (config) => config.makeApiClient(AdmissionregistrationV1Api).readValidatingAdmissionPolicy({ name: WRITES_POLICY }),
    delete: (config) => config.makeApiClient(AdmissionregistrationV1Api).deleteValidatingAdmissionPolicy({ name: WRITES_POLICY }),
  },
];

/** The first objects to go: with them gone nothing re-injects (see OWN_OBJECTS). */
export const STOPPING = 2;
/** Events the controller recorded about Clusters carry this component (its Lease name by default). */
export const EVENT_COMPONENT = NAME;
/** The controller's pods (deploy/seed/deployment.yaml's selector). */
export const CONTROLLER_PODS = { namespace: SYSTEM_NAMESPACE, selector: `app.kubernetes.io/name=${NAME}` } as const;
