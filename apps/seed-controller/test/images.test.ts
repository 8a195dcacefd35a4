// The injected images from the PodTemplate deploy/seed ships, read through FakeApiServer — an in-process TEST
// DOUBLE of the Kubernetes API, not a cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOf } from './support/kube-client.ts';
import { FakeApiServer } from '@overlap/test-support';
import { parseControllerConfig } from '../src/controller/config.ts';
import { withInjectedImages } from '../src/controller/images.ts';

const api = new FakeApiServer();
const TEMPLATE = {
  metadata: { name: 'overlap-injected-images', namespace: 'overlap-system' },
  template: {
    spec: {
      containers: [
        { name: 'envoy-proxy', image: 'mirror.example.com/envoy:1' },
        { name: 'seed-vpn-agent', image: 'mirror.example.com/overlap/seed-vpn-agent:2' },
        { name: 'shoot-vpn-agent', image: 'mirror.example.com/overlap/shoot-vpn-agent:2' },
      ],
    },
  },
};

beforeAll(async () => {
  await api.start();
  api.put('/api/v1/namespaces/overlap-system/podtemplates', TEMPLATE);
});
afterAll(() => api.stop());

describe('the injected images', () => {
  it('come from the PodTemplate, so kustomize images: names them all; an explicit setting still wins', async () => {
    const env = { POD_NAMESPACE: 'overlap-system', OVERLAP_IMAGES_POD_TEMPLATE: 'overlap-injected-images', OVERLAP_AGENT_IMAGE: 'pinned/agent:9' };
    const config = await withInjectedImages(parseControllerConfig([], env), clientOf(api));
    expect(config.injection.envoyImage).toBe('mirror.example.com/envoy:1');
    expect(config.injection.agentImage).toBe('pinned/agent:9');
    expect(config.shootWebhook.agent.image).toBe('mirror.example.com/overlap/shoot-vpn-agent:2');
  });

  it('refuse to start with one line when the PodTemplate lacks a container', async () => {
    api.put('/api/v1/namespaces/overlap-system/podtemplates', {
      ...TEMPLATE,
      metadata: { ...TEMPLATE.metadata, name: 'partial' },
      template: { spec: { containers: [TEMPLATE.template.spec.containers[0]] } },
    });
    const config = parseControllerConfig([], { POD_NAMESPACE: 'overlap-system', OVERLAP_IMAGES_POD_TEMPLATE: 'overlap-system/partial' });
    await expect(withInjectedImages(config, clientOf(api))).rejects.toThrow(
      '--images-pod-template: "overlap-system/partial" has no container seed-vpn-agent with an image',
    );
  });
});
