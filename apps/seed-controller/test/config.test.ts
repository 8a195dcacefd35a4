import { describe, expect, it } from 'vitest';
import { parseControllerConfig } from '../src/controller/config.ts';

describe('parseControllerConfig', () => {
  it('the Gardener modes: shoot monitoring on by default, automatic selection unless an extension type is named', () => {
    const defaults = parseControllerConfig([], {});
    expect(defaults.shootMonitoring).toBe('gardener');
    expect(defaults.injection.extensionType).toBeUndefined();
    const optIn = parseControllerConfig(['--shoot-monitoring', 'none'], { OVERLAP_EXTENSION_TYPE: 'overlap' });
    expect(optIn).toMatchObject({ shootMonitoring: 'none', injection: { extensionType: 'overlap' } });
    expect(() => parseControllerConfig([], { OVERLAP_EXTENSION_TYPE: 'Overlap!' })).toThrow('OVERLAP_EXTENSION_TYPE: "Overlap!" must be an extension type');
    expect(() => parseControllerConfig(['--shoot-monitoring', 'grafana'], {})).toThrow('--shoot-monitoring: "grafana" must be one of gardener, none');
  });

  it('defaults match the deploy/ manifests', () => {
    const config = parseControllerConfig([], { POD_NAME: 'overlap-seed-controller-abc' });
    expect(config).toMatchObject({
      kubeconfig: undefined,
      webhookAddress: { host: '0.0.0.0', port: 9443 },
      statusAddress: { host: '0.0.0.0', port: 8080 },
      certFile: '/etc/overlap/webhook-tls/tls.crt',
      keyFile: '/etc/overlap/webhook-tls/tls.key',
      leaseNamespace: 'overlap-system',
      leaseName: 'overlap-seed-controller',
      identity: 'overlap-seed-controller-abc',
      leaseSeconds: 15,
      resyncSeconds: 300,
      injection: { agentBackend: 'auto', caBundleSecret: 'overlap-vpn-ca-bundle' },
    });
  });

  it('a flag beats its env variable, which beats the default', () => {
    const env = { OVERLAP_WEBHOOK_ADDRESS: '[::]:10250', OVERLAP_AGENT_IMAGE: 'env/agent:1', OVERLAP_LOG_LEVEL: 'debug' };
    const config = parseControllerConfig(['--agent-image=flag/agent:2'], env);
    expect(config.webhookAddress).toEqual({ host: '::', port: 10250 });
    expect(config.injection.agentImage).toBe('flag/agent:2');
    expect(config.logLevel).toBe('debug');
  });

  it.each([
    [['--webhook-address', 'localhost'], {}, '--webhook-address: "localhost" must be host:port (IPv6 host in brackets), port 0–65535'],
    [[], { OVERLAP_RESYNC_PERIOD: '0' }, 'OVERLAP_RESYNC_PERIOD: "0" must be a whole number of seconds from 1 to 86400'],
    [['--agent-backend', 'ebpf'], {}, '--agent-backend: "ebpf" must be one of auto, iptables, nftables'],
    [[], { OVERLAP_LOG_LEVEL: 'loud' }, 'OVERLAP_LOG_LEVEL: "loud" must be one of fatal, error, warn, info, debug, trace'],
    [[], { OVERLAP_SHOOT_WEBHOOK_URL: 'http://overlap.svc' }, 'OVERLAP_SHOOT_WEBHOOK_URL: "http://overlap.svc" must be an https:// URL'],
    [
      ['--shoot-webhook-url', 'https://overlap.svc/path'],
      {},
      '--shoot-webhook-url: "https://overlap.svc/path" must be an https:// URL of the controller\'s Service, without path',
    ],
  ])('%j %j: names the flag or variable', (argv, env, message) => {
    expect(() => parseControllerConfig(argv, env)).toThrow(message);
  });

  it('the shoot webhook: the Service URL, the CA file and the shoot agent image, with the agent backend and log level', () => {
    const config = parseControllerConfig(['--shoot-agent-image', 'registry/shoot-vpn-agent:2'], { OVERLAP_AGENT_BACKEND: 'nftables' });
    expect(config.shootWebhook).toEqual({
      agent: { image: 'registry/shoot-vpn-agent:2', backend: 'nftables', logLevel: 'info' },
      baseUrl: 'https://overlap-seed-controller.overlap-system.svc',
      caFile: '/etc/overlap/webhook-tls/ca.crt',
      timeoutSeconds: 5,
    });
    expect(parseControllerConfig([], { OVERLAP_SHOOT_WEBHOOK_URL: 'https://overlap.example.svc:8443/' }).shootWebhook.baseUrl).toBe(
      'https://overlap.example.svc:8443',
    );
  });
});
