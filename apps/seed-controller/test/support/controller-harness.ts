import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { generateDevCertificates } from '../../src/cli/dev-cert.ts';
import type { ControllerConfig } from '../../src/controller/config.ts';
import { type RunningController, startController } from '../../src/controller/controller.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../../src/inject/settings.ts';
import { DEFAULT_SHOOT_AGENT_SETTINGS } from '../../src/vpn-shoot/shoot-agent.ts';
import { ControllerMetrics } from '../../src/telemetry/metrics.ts';
import { WEBHOOK_PATH } from '../../src/webhook/server.ts';
import { deploymentReview } from './admission-review.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { httpsRequest } from './https-client.ts';

export const CLUSTERS = '/apis/extensions.gardener.cloud/v1alpha1/clusters';
export const deploymentPath = (namespace: string): string => `/apis/apps/v1/namespaces/${namespace}/deployments`;
export const configMapPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/configmaps`;
export const LEASES = '/apis/coordination.k8s.io/v1/namespaces/garden/leases';
export const managedResourcePath = (namespace: string): string => `/apis/resources.gardener.cloud/v1alpha1/namespaces/${namespace}/managedresources`;
export const secretPath = (namespace: string): string => `/api/v1/namespaces/${namespace}/secrets`;

/** The fake API server, a serving certificate, and controllers started against them; `close()` undoes it all. */
export class Harness {
  readonly api = new FakeApiServer();
  readonly controllers: RunningController[] = [];
  readonly #dir = mkdtempSync(join(tmpdir(), 'ovl-controller-'));
  #ca = '';

  async start(): Promise<void> {
    const certs = await generateDevCertificates({ service: 'overlap-seed-controller', namespace: 'garden', days: 1 });
    this.#ca = certs.caCert;
    writeFileSync(join(this.#dir, 'ca.crt'), certs.caCert);
    writeFileSync(join(this.#dir, 'tls.crt'), certs.tlsCert);
    writeFileSync(join(this.#dir, 'tls.key'), certs.tlsKey);
    await this.api.start();
  }

  /** Routes the fake API server's Deployment writes through this controller's webhook, over HTTPS. */
  useWebhookOf(controller: RunningController): void {
    this.api.admission = async (operation, object, oldObject) => {
      const body = deploymentReview(object, operation, oldObject);
      const response = await httpsRequest(`https://localhost:${controller.webhookPort}${WEBHOOK_PATH}`, {
        ca: this.#ca,
        method: 'POST',
        body,
      });
      const answer = JSON.parse(response.body).response as { patch?: string };
      return answer.patch ? JSON.parse(Buffer.from(answer.patch, 'base64').toString('utf8')) : undefined;
    };
  }

  /** Sends one AdmissionReview to a controller's webhook, as kube-apiserver would. */
  async review(controller: RunningController, body: unknown): Promise<{ status: number; body: string }> {
    return httpsRequest(`https://localhost:${controller.webhookPort}${WEBHOOK_PATH}`, { ca: this.#ca, method: 'POST', body });
  }

  config(identity: string, overrides: Partial<ControllerConfig> = {}): ControllerConfig {
    return {
      kubeconfig: undefined,
      webhookAddress: { host: '127.0.0.1', port: 0 },
      statusAddress: { host: '127.0.0.1', port: 0 },
      certFile: join(this.#dir, 'tls.crt'),
      keyFile: join(this.#dir, 'tls.key'),
      leaseNamespace: 'garden',
      leaseName: 'overlap-seed-controller',
      identity,
      leaseSeconds: 2,
      resyncSeconds: 3600,
      logLevel: 'silent',
      injection: DEFAULT_INJECTION_SETTINGS,
      shootWebhook: {
        agent: DEFAULT_SHOOT_AGENT_SETTINGS,
        baseUrl: 'https://overlap-seed-controller.garden.svc',
        caFile: join(this.#dir, 'ca.crt'),
        timeoutSeconds: 5,
      },
      shootMonitoring: 'gardener',
      imagesPodTemplate: '',
      explicitImages: [],
      ...overrides,
    };
  }

  async startController(
    identity: string,
    metrics = new ControllerMetrics('test', false),
    overrides: Partial<ControllerConfig> = {},
    clock?: () => Date,
  ): Promise<RunningController> {
    const config = this.config(identity, overrides);
    const controller = await startController(config, this.api.kubeConfig(), pino({ level: 'silent' }), metrics, clock);
    this.controllers.push(controller);
    return controller;
  }

  /** The CA the controller puts into the shoot webhook's caBundle. */
  get ca(): string {
    return this.#ca;
  }

  async close(): Promise<void> {
    for (const controller of this.controllers.splice(0)) await controller.stop();
    await this.api.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
