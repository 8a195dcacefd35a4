import { FakeApiServer, deploymentReview, httpsRequest } from '@overlap/test-support';
import pino from 'pino';
import { clientOf } from './kube-client.ts';
import type { ControllerConfig } from '../../src/controller/config.ts';
import { type RunningController, startController } from '../../src/controller/controller.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../../src/inject/settings.ts';
import { DEFAULT_SHOOT_AGENT_SETTINGS } from '../../src/vpn-shoot/shoot-agent.ts';
import { ControllerMetrics } from '../../src/telemetry/metrics.ts';
import { WEBHOOK_PATH } from '../../src/webhook/server.ts';
import { type WebhookCertificates, webhookCertificates } from './webhook-certificates.ts';

/** The fake API server, a serving certificate, and controllers started against them; `close()` undoes it all. */
export class Harness {
  readonly api = new FakeApiServer();
  readonly controllers: RunningController[] = [];
  #certs: WebhookCertificates | undefined;

  async start(): Promise<void> {
    this.#certs = await webhookCertificates('ovl-controller-');
    await this.api.start();
  }

  get #started(): WebhookCertificates {
    if (!this.#certs) throw new Error('the harness is not started');
    return this.#certs;
  }

  /** Routes the fake API server's Deployment writes through this controller's webhook, over HTTPS. */
  useWebhookOf(controller: RunningController): void {
    this.api.admission = async (operation, object, oldObject) => {
      const body = deploymentReview(object, operation, oldObject);
      const response = await httpsRequest(`https://localhost:${controller.webhookPort}${WEBHOOK_PATH}`, {
        ca: this.ca,
        method: 'POST',
        body,
      });
      const answer = JSON.parse(response.body).response as { patch?: string };
      return answer.patch ? JSON.parse(Buffer.from(answer.patch, 'base64').toString('utf8')) : undefined;
    };
  }

  /** Sends one AdmissionReview to a controller's webhook, as kube-apiserver would. */
  async review(controller: RunningController, body: unknown): Promise<{ status: number; body: string }> {
    return httpsRequest(`https://localhost:${controller.webhookPort}${WEBHOOK_PATH}`, { ca: this.ca, method: 'POST', body });
  }

  config(identity: string, overrides: Partial<ControllerConfig> = {}): ControllerConfig {
    return {
      kubeconfig: undefined,
      webhookAddress: { host: '127.0.0.1', port: 0 },
      statusAddress: { host: '127.0.0.1', port: 0 },
      certFile: this.#started.certFile,
      keyFile: this.#started.keyFile,
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
        caFile: this.#started.caFile,
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
    const controller = await startController(config, clientOf(this.api), pino({ level: 'silent' }), metrics, clock);
    this.controllers.push(controller);
    return controller;
  }

  /** The CA the controller puts into the shoot webhook's caBundle. */
  get ca(): string {
    return this.#started.ca;
  }

  async close(): Promise<void> {
    for (const controller of this.controllers.splice(0)) await controller.stop();
    await this.api.stop();
    this.#certs?.remove();
  }
}
