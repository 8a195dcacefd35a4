import { randomUUID } from 'node:crypto';
import type { V1Deployment } from '@kubernetes/client-node';

/** An AdmissionReview v1 request as kube-apiserver sends it for a Deployment write. */
export function deploymentReview(deployment: V1Deployment, operation: 'CREATE' | 'UPDATE' = 'CREATE', oldObject?: V1Deployment) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      requestKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      requestResource: { group: 'apps', version: 'v1', resource: 'deployments' },
      name: deployment.metadata?.name,
      namespace: deployment.metadata?.namespace,
      operation,
      userInfo: { username: 'system:serviceaccount:garden:gardenlet', groups: ['system:serviceaccounts'] },
      object: deployment,
      oldObject: oldObject ?? null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions' },
    },
  };
}
