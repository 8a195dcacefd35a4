// Collection paths of the Kubernetes API, as FakeApiServer stores objects under them (`put(path, object)`).

export const CLUSTERS = '/apis/extensions.gardener.cloud/v1alpha1/clusters';
export const LEASES = '/apis/coordination.k8s.io/v1/namespaces/garden/leases';
export const deploymentPath = (namespace: string): string => `/apis/apps/v1/namespaces/${namespace}/deployments`;
export const configMapPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/configmaps`;
export const secretPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/secrets`;
export const podPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/pods`;
export const managedResourcePath = (namespace: string): string => `/apis/resources.gardener.cloud/v1alpha1/namespaces/${namespace}/managedresources`;
