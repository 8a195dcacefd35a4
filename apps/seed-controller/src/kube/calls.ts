import { WEBHOOK_NAMESPACE_LABEL } from '../inject/names.ts';
import type { KubeClient } from './client.ts';
import { type Resource, resourcePath } from './request.ts';

// The resources the controller and the `overlap` commands both call, named once.
export const DEPLOYMENTS: Resource = { group: 'apps', version: 'v1', plural: 'deployments' };
export const NAMESPACES: Resource = { group: '', version: 'v1', plural: 'namespaces' };
export const EVENTS: Resource = { group: '', version: 'v1', plural: 'events' };
export const PODS: Resource = { group: '', version: 'v1', plural: 'pods' };
export const SECRETS: Resource = { group: '', version: 'v1', plural: 'secrets' };
export const CONFIG_MAPS: Resource = { group: '', version: 'v1', plural: 'configmaps' };

/** Sets or removes WEBHOOK_NAMESPACE_LABEL on a namespace with a merge patch (a null label value removes it). */
export async function markNamespace(api: KubeClient, namespace: string, marked: boolean): Promise<void> {
  await api.patch(resourcePath(NAMESPACES, '', namespace), 'merge', { metadata: { labels: { [WEBHOOK_NAMESPACE_LABEL]: marked ? 'true' : null } } });
}
