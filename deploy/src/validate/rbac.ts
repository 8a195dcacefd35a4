import { InputError } from '@overlap/runtime';
import { type Manifest, isObject } from '../manifest.ts';

/** One API request as RBAC sees it. */
export interface ApiRequest {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

const VERBS: Readonly<Record<string, string>> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** `GET /apis/apps/v1/namespaces/ns/deployments/name` (with `?watch` for a watch) → the RBAC attributes. */
export function apiRequest(line: string): ApiRequest {
  const match = /^(\w+) (\/\S*?)(\?watch)?$/.exec(line);
  if (match === null) throw new InputError('request', line, 'is not METHOD /path');
  const [, method = '', path = '', watch] = match;
  const parts = path.split('/').filter(Boolean);
  const group = parts[0] === 'api' ? '' : (parts[1] ?? '');
  let rest = parts.slice(parts[0] === 'api' ? 2 : 3);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name] = rest;
  if (resource === undefined) throw new InputError('request', line, 'names no resource');
  const verb = method === 'GET' ? (watch ? 'watch' : name === undefined ? 'list' : 'get') : VERBS[method];
  if (verb === undefined) throw new InputError('request', line, `has a method RBAC does not know`);
  return { verb, group, resource, namespace, name };
}

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs?: readonly string[];
  readonly resourceNames?: readonly string[];
}

const covers = (list: readonly string[] | undefined, value: string): boolean => list !== undefined && (list.includes(value) || list.includes('*'));

function ruleAllows(rule: PolicyRule, request: ApiRequest): boolean {
  const named =
    rule.resourceNames === undefined || rule.resourceNames.length === 0 || (request.name !== undefined && rule.resourceNames.includes(request.name));
  return covers(rule.apiGroups, request.group) && covers(rule.resources, request.resource) && covers(rule.verbs, request.verb) && named;
}

/**
 * Whether the bindings among `manifests` let the ServiceAccount make the request: ClusterRoleBindings grant
 * everywhere, RoleBindings only in their own namespace (as the API server's RBAC authorizer decides).
 */
export function rbacAllows(manifests: readonly Manifest[], account: { name: string; namespace: string }, request: ApiRequest): boolean {
  const role = (kind: unknown, name: unknown): PolicyRule[] => {
    const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
    return Array.isArray(found?.rules) ? (found.rules as PolicyRule[]) : [];
  };
  return manifests
    .filter((binding) => binding.kind === 'ClusterRoleBinding' || (binding.kind === 'RoleBinding' && binding.metadata.namespace === request.namespace))
    .filter((binding) =>
      (Array.isArray(binding.subjects) ? binding.subjects : []).some(
        (subject: unknown) =>
          isObject(subject) && subject.kind === 'ServiceAccount' && subject.name === account.name && subject.namespace === account.namespace,
      ),
    )
    .some((binding) => {
      const ref = isObject(binding.roleRef) ? binding.roleRef : {};
      return role(ref.kind, ref.name).some((rule) => ruleAllows(rule, request));
    });
}
