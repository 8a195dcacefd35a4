// Certificate renewal on an injected clock, against FakeApiServer — an in-process TEST DOUBLE of the Kubernetes
// API, not a cluster — with the controller's real webhook over HTTPS.
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTERS, deploymentPath, eventually, cluster, sampleDeployment } from '@overlap/test-support';
import { INJECTED_ANNOTATION } from '../src/inject/names.ts';
import { PKI_LIFETIMES } from '../src/pki/shoot-pki.ts';
import { ControllerMetrics } from '../src/telemetry/metrics.ts';
import { Harness } from './support/controller-harness.ts';

const SHOOT = 'shoot--dev--renewal';
const DAY = 86_400_000;
const harness = new Harness();
let now = Date.now();

const secret = (name: string) => harness.api.get(`/api/v1/namespaces/${SHOOT}/secrets/${name}`)!;
const certOf = (name: string) => new X509Certificate(Buffer.from(secret(name).data['tls.crt'], 'base64'));
const marker = () => harness.api.get(`${deploymentPath(SHOOT)}/kube-apiserver`)!.spec.template.metadata.annotations?.[INJECTED_ANNOTATION];

beforeAll(async () => {
  await harness.start();
  harness.api.put(CLUSTERS, cluster({ name: SHOOT, pods: '10.1.0.0/16' }) as never);
  const deployment = sampleDeployment();
  deployment.metadata!.namespace = SHOOT;
  harness.api.put(deploymentPath(SHOOT), deployment as never);
  const controller = await harness.startController('replica-a', new ControllerMetrics('test', false), { resyncSeconds: 0.25 }, () => new Date(now));
  harness.useWebhookOf(controller);
});

afterAll(() => harness.close());

describe('renewal', () => {
  it('re-issues the leaves after 80 % of their lifetime and rolls the pods through the plan hash', async () => {
    await eventually(() => expect(marker()).toContain('mountedVersion'), 'injected');
    const server = certOf('overlap-kube-apiserver-http-proxy').serialNumber;
    const client = certOf('overlap-kube-apiserver-http-proxy-client').serialNumber;
    const before = marker();

    now += PKI_LIFETIMES.leafDays * 0.79 * DAY;
    await new Promise((resolve) => setTimeout(resolve, 600)); // two resyncs: not due yet
    expect(certOf('overlap-kube-apiserver-http-proxy').serialNumber).toBe(server);
    expect(marker()).toBe(before);

    now += PKI_LIFETIMES.leafDays * 0.02 * DAY;
    await eventually(() => expect(certOf('overlap-kube-apiserver-http-proxy').serialNumber).not.toBe(server), 'server re-issued');
    await eventually(() => expect(certOf('overlap-kube-apiserver-http-proxy-client').serialNumber).not.toBe(client), 'client re-issued');
    await eventually(() => expect(marker()).not.toBe(before), 'pod template changed: the pods roll');
    const bundle = Buffer.from(secret('overlap-vpn-ca-bundle').data['bundle.crt'], 'base64').toString();
    expect(certOf('overlap-kube-apiserver-http-proxy').verify(new X509Certificate(bundle).publicKey)).toBe(true);
  });
});
