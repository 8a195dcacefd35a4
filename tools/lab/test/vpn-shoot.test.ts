import { describe, expect, it } from 'vitest';
import {
  INTERACTIVE_LAB,
  type WebhookContainer,
  agentLaunchEnv,
  containerEnv,
  labSpec,
  labVpnShoot,
  webhookAgentEnv,
  webhookShootAgent,
} from '../src/index.ts';

const spec = labSpec(INTERACTIVE_LAB);
const pod = { name: 'vpn-shoot-0', namespace: 'kube-system', ip: '10.1.7.7' };

describe("the lab's vpn-shoot and the shoot webhook", () => {
  it("is shaped as Gardener's HA vpn-shoot: one client per path with the lab's networks, and the tunnel controller", () => {
    const containers = labVpnShoot(spec).spec!.template.spec!.containers;
    expect(containers.map((c) => c.name)).toEqual(['vpn-shoot-s0', 'vpn-shoot-s1', 'tunnel-controller']);
    expect(containers[1]!.env).toContainEqual({ name: 'SHOOT_POD_NETWORKS', value: '10.1.0.0/16' });
    expect(containers[1]!.env).toContainEqual({ name: 'VPN_SERVER_INDEX', value: '1' });
  });

  it("gets the agent from the webhook, and the lab starts it with exactly that container's env, and a short sync period", () => {
    const { mutation, container } = webhookShootAgent(spec);
    expect(mutation.outcome).toBe('injected');
    const env = webhookAgentEnv(spec)!;
    expect(env).toEqual({ ...containerEnv(container!, pod), OVERLAP_SYNC_PERIOD: '5' });
    expect(env['OVERLAP_METRICS_ADDRESS']).toBe('10.1.7.7:9151');
    expect(env).toMatchObject({
      POD_NAME: 'vpn-shoot-0',
      NAMESPACE: 'kube-system',
      IS_HA: 'true',
      OVERLAP_TUNNEL_DEVICE: 'bond0+',
      SEED_POD_NETWORK: '10.1.0.0/16',
    });
    expect(agentLaunchEnv(spec, 'shoot')).toEqual(env);
  });

  it('falls back to the standalone env only where the webhook adds no agent: no overlap, or not HA', () => {
    const noOverlap = labSpec({ ...INTERACTIVE_LAB, shootPodNetworks: '100.96.0.0/16', shootServiceNetworks: '100.64.0.0/16' });
    expect(webhookShootAgent(noOverlap).mutation.outcome).toBe('unchanged');
    expect(webhookAgentEnv(noOverlap)).toBeUndefined();
    expect(webhookAgentEnv(labSpec({ ...INTERACTIVE_LAB, ha: false }))).toBeUndefined();
  });

  it('resolves the downward API and dependent variables as the kubelet does, and refuses what it cannot resolve', () => {
    const container = (env: NonNullable<WebhookContainer['env']>): WebhookContainer => ({ name: 'shoot-vpn-agent', env });
    expect(
      containerEnv(
        container([
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'OVERLAP_METRICS_ADDRESS', value: '$(POD_IP):9151' },
          { name: 'LATER', value: '$(UNDEFINED)' },
        ]),
        pod,
      ),
    ).toEqual({ POD_IP: '10.1.7.7', OVERLAP_METRICS_ADDRESS: '10.1.7.7:9151', LATER: '$(UNDEFINED)' });
    expect(() => containerEnv(container([{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]), pod)).toThrow(/env X comes from/);
  });
});
