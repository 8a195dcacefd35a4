import type { V1PodTemplate } from '@kubernetes/client-node';
import { InputError } from '@overlap/runtime';
import type { KubeClient } from '../kube/client.ts';
import { resourcePath } from '../kube/request.ts';
import { AGENT_CONTAINER, ENVOY_CONTAINER } from '../inject/names.ts';
import { SHOOT_AGENT_CONTAINER } from '../vpn-shoot/names.ts';
import type { ControllerConfig } from './config.ts';

/** Which setting each container of the images PodTemplate names. */
const INJECTED = { envoy: ENVOY_CONTAINER, agent: AGENT_CONTAINER, shootAgent: SHOOT_AGENT_CONTAINER } as const;

/**
 * The images the controller injects, from the containers of a PodTemplate that deploy/seed ships beside it: kustomize's
 * `images:` rewrites container images wherever they are, so one list in an overlay names registry and tag of
 * every image, the injected ones included. Nothing runs the PodTemplate; it only carries the names. An image set
 * explicitly (flag or env) wins over it.
 */
export async function withInjectedImages(config: ControllerConfig, api: KubeClient): Promise<ControllerConfig> {
  if (!config.imagesPodTemplate) return config;
  const explicit = new Set(config.explicitImages);
  const [namespace, name] = config.imagesPodTemplate.includes('/')
    ? (config.imagesPodTemplate.split('/', 2) as [string, string])
    : [config.leaseNamespace, config.imagesPodTemplate];
  const template = await api.get<V1PodTemplate>(resourcePath({ group: '', version: 'v1', plural: 'podtemplates' }, namespace, name));
  const image = (container: string): string => {
    const found = template.template?.spec?.containers.find((candidate) => candidate.name === container)?.image;
    if (!found) throw new InputError('--images-pod-template', config.imagesPodTemplate, `has no container ${container} with an image`);
    return found;
  };
  return {
    ...config,
    injection: {
      ...config.injection,
      ...(explicit.has('envoy-image') ? {} : { envoyImage: image(INJECTED.envoy) }),
      ...(explicit.has('agent-image') ? {} : { agentImage: image(INJECTED.agent) }),
    },
    shootWebhook: {
      ...config.shootWebhook,
      agent: { ...config.shootWebhook.agent, ...(explicit.has('shoot-agent-image') ? {} : { image: image(INJECTED.shootAgent) }) },
    },
  };
}
