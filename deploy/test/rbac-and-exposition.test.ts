import { describe, expect, it } from 'vitest';
import { type Manifest, apiRequest, metricNames, rbacAllows } from '../src/index.ts';

describe('apiRequest', () => {
  it('maps the test double request log to RBAC attributes', () => {
    expect(apiRequest('GET /apis/extensions.gardener.cloud/v1alpha1/clusters?watch')).toEqual({
      verb: 'watch',
      group: 'extensions.gardener.cloud',
      resource: 'clusters',
      namespace: undefined,
      name: undefined,
    });
    expect(apiRequest('GET /api/v1/namespaces/ns/configmaps')).toMatchObject({ verb: 'list', group: '', resource: 'configmaps', namespace: 'ns' });
    expect(apiRequest('PATCH /apis/apps/v1/namespaces/ns/deployments/kube-apiserver')).toMatchObject({ verb: 'patch', group: 'apps', name: 'kube-apiserver' });
    expect(apiRequest('GET /apis/apps/v1/namespaces/ns/deployments/kube-apiserver').verb).toBe('get');
    expect(apiRequest('PUT /apis/coordination.k8s.io/v1/namespaces/ns/leases/l').verb).toBe('update');
    expect(() => apiRequest('GET /api/v1')).toThrow(/names no resource/);
  });
});

describe('rbacAllows', () => {
  const account = { name: 'sa', namespace: 'home' };
  const subjects = [{ kind: 'ServiceAccount', name: 'sa', namespace: 'home' }];
  const manifests = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'wide' },
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['kube-apiserver'], verbs: ['get'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'wide' },
      roleRef: { kind: 'ClusterRole', name: 'wide' },
      subjects,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'local', namespace: 'home' },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'local', namespace: 'home' },
      roleRef: { kind: 'Role', name: 'local' },
      subjects,
    },
  ] as Manifest[];
  const allows = (line: string, who = account): boolean => rbacAllows(manifests, who, apiRequest(line));

  it('grants cluster-wide roles everywhere, narrowed by resource name', () => {
    expect(allows('GET /apis/apps/v1/namespaces/a/deployments/kube-apiserver')).toBe(true);
    expect(allows('GET /apis/apps/v1/namespaces/a/deployments/other')).toBe(false);
    expect(allows('GET /apis/apps/v1/namespaces/a/deployments')).toBe(false);
    expect(allows('PATCH /apis/apps/v1/namespaces/a/deployments/kube-apiserver')).toBe(false);
  });

  it('grants namespaced roles only in their namespace, and only to the bound account', () => {
    expect(allows('POST /apis/coordination.k8s.io/v1/namespaces/home/leases')).toBe(true);
    expect(allows('POST /apis/coordination.k8s.io/v1/namespaces/elsewhere/leases')).toBe(false);
    expect(allows('POST /apis/coordination.k8s.io/v1/namespaces/home/leases', { name: 'other', namespace: 'home' })).toBe(false);
  });
});

describe('metric names in queries', () => {
  it('lists the selected metric names of a PromQL expression, not its labels, functions or strings', () => {
    expect(metricNames('sum by (job) (rate(a_total{job="b_total"}[5m])) / on (job) group_left max(c) unless absent(up{job="x"} == 1)')).toEqual([
      'a_total',
      'c',
      'up',
    ]);
    expect(() => metricNames('rate(a[5m]')).toThrow(/does not parse/);
    expect(() => metricNames('{__name__=~"overlap_.*"}')).toThrow(/__name__/);
  });
});
