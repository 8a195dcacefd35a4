// The bundled controller as a benchmark starts it: its own process, against FakeApiServer, with the webhook's
// serving certificate from `tlsDir` (tls.crt, tls.key, ca.crt), and the test double calling that webhook over HTTPS
// for kube-apiserver Deployments as a seed's API server would.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandRunner } from '@overlap/runtime';
import { type FakeApiServer, deploymentReview, httpsRequest } from '@overlap/test-support';
import { generateDevCertificates } from '../../src/cli/dev-cert.ts';
import { WEBHOOK_PATH } from '../../src/webhook/server.ts';

/** Builds dist/ (a failed build throws with esbuild's message) and writes a webhook certificate into a new directory. */
export async function prepareController(app: string): Promise<{ dir: string; caCert: string }> {
  await createCommandRunner({ cwd: app })([process.execPath, 'build.ts']);
  const dir = mkdtempSync(join(tmpdir(), 'ovl-bench-'));
  const certs = await generateDevCertificates({ service: 'overlap-seed-controller', namespace: 'garden', days: 1 });
  writeFileSync(join(dir, 'tls.crt'), certs.tlsCert);
  writeFileSync(join(dir, 'tls.key'), certs.tlsKey);
  writeFileSync(join(dir, 'ca.crt'), certs.caCert);
  return { dir, caCert: certs.caCert };
}

export interface ControllerProcessOptions {
  /** apps/seed-controller, whose dist/controller.js runs. */
  readonly app: string;
  /** Node's flags, before the script (the image's: imageNodeFlags of its Dockerfile). */
  readonly nodeFlags: readonly string[];
  readonly kubeconfig: string;
  readonly tlsDir: string;
  readonly webhookPort: number;
  readonly metricsPort: number;
  readonly logLevel: string;
}

/** The argv after `node`: flags, dist/controller.js and its settings. */
export function controllerArgv(options: ControllerProcessOptions): string[] {
  return [
    ...options.nodeFlags,
    join(options.app, 'dist/controller.js'),
    `--kubeconfig=${options.kubeconfig}`,
    `--webhook-address=127.0.0.1:${options.webhookPort}`,
    `--metrics-address=127.0.0.1:${options.metricsPort}`,
    `--tls-cert-file=${join(options.tlsDir, 'tls.crt')}`,
    `--tls-key-file=${join(options.tlsDir, 'tls.key')}`,
    `--tls-ca-file=${join(options.tlsDir, 'ca.crt')}`,
    '--leader-election-namespace=garden',
    `--log-level=${options.logLevel}`,
  ];
}

/** Makes the test double send its Deployment writes through the controller's webhook on `webhookPort`. */
export function admitThroughWebhook(api: FakeApiServer, webhookPort: number, ca: string): void {
  api.admission = async (operation, object, oldObject) => {
    const response = await httpsRequest(`https://localhost:${webhookPort}${WEBHOOK_PATH}`, {
      ca,
      method: 'POST',
      body: deploymentReview(object, operation, oldObject),
    });
    const patch = (JSON.parse(response.body).response as { patch?: string }).patch;
    return patch ? JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) : undefined;
  };
}
