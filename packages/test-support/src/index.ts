// Test support for every project's tests and benchmarks, and for the lab (never for what ships): the Kubernetes
// API test double and its samples, HTTPS and AdmissionReview helpers, network namespaces and agent processes,
// polling, and reading Prometheus expositions.
export { deploymentReview } from './admission-review.ts';
export { httpGetIn, spawnAgent, waitForHttpOk } from './agent-process.ts';
export { CLUSTERS, LEASES, configMapPath, deploymentPath, managedResourcePath, podPath, secretPath } from './api-paths.ts';
export { type Sample, exposes, metricFamilies, metricValue, parseMetrics } from './exposition.ts';
export { FakeApiServer } from './fake-apiserver.ts';
export { type ClusterOptions, EXAMPLES, apartCluster, cluster, overlappingCluster, sampleDeployment } from './fixtures.ts';
export { freePort } from './free-port.ts';
export { httpsRequest } from './https-client.ts';
export { type Namespace, addTunnel, createNamespace } from './netns.ts';
export { eventually, poll, waitFor } from './poll.ts';
export { type RunningProcess, startProcess } from './process.ts';
export { realisticCluster } from './realistic-cluster.ts';
export { realisticDeployment } from './realistic-deployment.ts';
export { NEEDS_ROOT, isRoot } from './root.ts';
