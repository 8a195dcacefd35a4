import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '@overlap/runtime';
import { deploymentReview, eventually, apartCluster, overlappingCluster, sampleDeployment, httpsRequest, realisticDeployment } from '@overlap/test-support';
import { generateDevCertificates } from '../src/cli/dev-cert.ts';
import { injectedVersion, mutateDeployment } from '../src/inject/mutate.ts';
import { mountedRefs, mountedVersion } from '../src/owned/mounts.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../src/inject/settings.ts';
import { planShoot } from '../src/shoot/shoot-plan.ts';
import { ControllerMetrics } from '../src/telemetry/metrics.ts';
import { type PlanEntry, admit } from '../src/webhook/admission.ts';
import { WEBHOOK_PATH, type WebhookServer, startWebhookServer } from '../src/webhook/server.ts';
import { objectsOf } from './support/owned-objects.ts';
import { type WebhookCertificates, patched, webhookCertificates } from './support/webhook-certificates.ts';

const OVERLAP_NS = 'shoot--dev--overlap';
const APART_NS = 'shoot--dev--apart';
const INVALID_NS = 'shoot--dev--broken';
const entries = new Map<string, PlanEntry>([
  [OVERLAP_NS, { state: 'planned', plan: planShoot(overlappingCluster(), DEFAULT_INJECTION_SETTINGS) }],
  [APART_NS, { state: 'planned', plan: planShoot(apartCluster(), DEFAULT_INJECTION_SETTINGS) }],
  [INVALID_NS, { state: 'invalid', error: new InputError('spec.shoot.spec.networking.pods', '10.1.0.0/33', 'is not a valid CIDR') }],
]);

const deploymentIn = (namespace: string): V1Deployment => {
  const deployment = sampleDeployment();
  deployment.metadata!.namespace = namespace;
  return deployment;
};

const present = objectsOf(entries.values());
/** Objects the webhook's cache lacks, as `Kind/name`. */
const missing = new Set<string>();

let certs: WebhookCertificates;
let server: WebhookServer;
let ready = true;
const metrics = new ControllerMetrics('test', false);

beforeAll(async () => {
  certs = await webhookCertificates('ovl-webhook-');
  server = await startWebhookServer({
    host: '127.0.0.1',
    port: 0,
    certFile: certs.certFile,
    keyFile: certs.keyFile,
    lookup: (namespace) => entries.get(namespace) ?? { state: 'unknown' },
    objects: (namespace, ref) => (missing.has(ref) ? undefined : present(namespace, ref)),
    metrics,
    logger: pino({ level: 'silent' }),
    isReady: () => ready,
  });
});

afterAll(async () => {
  await server?.close();
  certs?.remove();
});

async function review(body: unknown) {
  const response = await httpsRequest(`https://localhost:${server.port}${WEBHOOK_PATH}`, { ca: certs.ca, method: 'POST', body });
  return { status: response.status, review: response.status === 200 ? JSON.parse(response.body) : undefined, text: response.body };
}

describe('the admission webhook over HTTPS', () => {
  it('injects into an overlapping HA shoot: the JSONPatch, applied independently, yields the mutated Deployment', async () => {
    const original = deploymentIn(OVERLAP_NS);
    const body = deploymentReview(original);
    const { status, review: answer } = await review(body);
    expect(status).toBe(200);
    expect(answer).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: body.request.uid, allowed: true } });
    const injection = planShoot(overlappingCluster(), DEFAULT_INJECTION_SETTINGS).injection!;
    const mounted = [...mountedRefs(injection.volumes)].map((ref) => [ref, present(OVERLAP_NS, ref)!] as const);
    const expected = mutateDeployment(original, { ...injection, mountedVersion: mountedVersion(mounted) });
    expect(expected.outcome).toBe('injected');
    expect(patched(original, answer.response)).toEqual(expected.deployment);
  });

  it('waits, admitting unchanged, while a Secret or ConfigMap the injection mounts is missing from its cache', async () => {
    const injection = planShoot(overlappingCluster(), DEFAULT_INJECTION_SETTINGS).injection!;
    for (const ref of mountedRefs(injection.volumes)) {
      missing.add(ref);
      try {
        const { review: answer } = await review(deploymentReview(deploymentIn(OVERLAP_NS)));
        expect(answer.response, ref).toEqual({ uid: expect.any(String), allowed: true });
      } finally {
        missing.delete(ref);
      }
    }
    const counts = Object.fromEntries((await metrics.admissions.get()).values.map((v) => [v.labels.outcome, v.value]));
    expect(counts.waiting_for_objects).toBe(mountedRefs(injection.volumes).size);
  });

  it('re-admitting the injected Deployment (UPDATE) returns no patch', async () => {
    const original = deploymentIn(OVERLAP_NS);
    const injected = patched(original, (await review(deploymentReview(original))).review.response);
    const { review: answer } = await review(deploymentReview(injected, 'UPDATE', injected));
    expect(answer.response.patch).toBeUndefined();
    expect(answer.response.allowed).toBe(true);
  });

  it('removes an earlier injection when the overlap is gone, back to the original', async () => {
    const original = deploymentIn(OVERLAP_NS);
    const injected = patched(original, (await review(deploymentReview(original))).review.response);
    injected.metadata!.namespace = APART_NS;
    const { review: answer } = await review(deploymentReview(injected, 'UPDATE', injected));
    expect(patched(injected, answer.response)).toEqual(deploymentIn(APART_NS));
  });

  it('leaves a shoot without overlap, an unknown namespace and other objects without a patch', async () => {
    for (const deployment of [deploymentIn(APART_NS), deploymentIn('shoot--unknown--x')]) {
      const { review: answer } = await review(deploymentReview(deployment));
      expect(answer.response).toEqual({ uid: expect.any(String), allowed: true });
    }
    const other = deploymentIn(OVERLAP_NS);
    other.metadata!.name = 'etcd-main';
    expect((await review(deploymentReview(other))).review.response.patch).toBeUndefined();
  });

  it('allows a skipped shoot unchanged, with a warning naming the field', async () => {
    const { review: answer } = await review(deploymentReview(deploymentIn(INVALID_NS)));
    expect(answer.response.patch).toBeUndefined();
    expect(answer.response.warnings).toEqual([
      'overlap: Cluster shoot--dev--broken skipped: spec.shoot.spec.networking.pods: "10.1.0.0/33" is not a valid CIDR',
    ]);
  });

  it('answers 400 to a body that is not an AdmissionReview v1', async () => {
    expect((await review({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } })).status).toBe(400);
    const raw = await httpsRequest(`https://localhost:${server.port}${WEBHOOK_PATH}`, { ca: certs.ca, method: 'POST', body: undefined });
    expect(raw.status).toBe(400);
  });

  it('counts every outcome and times every admission', async () => {
    const counts = Object.fromEntries((await metrics.admissions.get()).values.map((v) => [v.labels.outcome, v.value]));
    expect(counts).toEqual({ injected: 3, unchanged: 4, removed: 1, waiting_for_objects: 5, error: 3 });
    const histogram = await metrics.admissionDuration.get();
    expect(histogram.values.find((v) => v.metricName === 'overlap_webhook_admission_duration_seconds_count')?.value).toBe(16);
    const injections = await metrics.injections.get();
    expect(injections.values).toEqual([expect.objectContaining({ labels: { namespace: OVERLAP_NS }, value: 3 })]);
  });

  it('a Deployment as gardenlet writes it (managedFields, status; UPDATE with oldObject): the patch leaves those alone', async () => {
    const original = realisticDeployment(OVERLAP_NS, 2);
    const { review: answer } = await review(deploymentReview(original, 'UPDATE', realisticDeployment(OVERLAP_NS, 1)));
    const result = patched(original, answer.response);
    expect(result.metadata?.managedFields).toEqual(original.metadata?.managedFields);
    expect(result.status).toEqual(original.status);
    const injection = planShoot(overlappingCluster(), DEFAULT_INJECTION_SETTINGS).injection!;
    const mounted = [...mountedRefs(injection.volumes)].map((ref) => [ref, present(OVERLAP_NS, ref)!] as const);
    expect(result).toEqual(mutateDeployment(original, { ...injection, mountedVersion: mountedVersion(mounted) }).deployment);
  });

  it('picks up a rotated serving certificate from its files without a restart', async () => {
    const rotated = await generateDevCertificates({ service: 'overlap-seed-controller', namespace: 'garden', days: 1 });
    const mounted = mkdtempSync(join(certs.dir, 'secret-'));
    for (const file of ['tls.crt', 'tls.key']) copyFileSync(join(certs.dir, file), join(mounted, file));
    const reloading = await startWebhookServer({
      host: '127.0.0.1',
      port: 0,
      certFile: join(mounted, 'tls.crt'),
      keyFile: join(mounted, 'tls.key'),
      lookup: () => ({ state: 'unknown' }),
      objects: () => undefined,
      metrics: new ControllerMetrics('test', false),
      logger: pino({ level: 'silent' }),
      isReady: () => true,
      reloadIntervalMs: 20,
    });
    try {
      const healthz = `https://localhost:${reloading.port}/healthz`;
      await expect(httpsRequest(healthz, { ca: rotated.caCert })).rejects.toThrow();
      writeFileSync(join(mounted, 'tls.crt'), rotated.tlsCert);
      writeFileSync(join(mounted, 'tls.key'), rotated.tlsKey);
      await eventually(async () => expect((await httpsRequest(healthz, { ca: rotated.caCert })).status).toBe(200), 'new certificate served');
    } finally {
      await reloading.close();
    }
  });

  it("keeps an idle connection open past Node's default (5 s and a 1 s buffer), so kube-apiserver (90 s) closes first, never the webhook under a request", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = deploymentReview(deploymentIn(APART_NS));
      const url = `https://localhost:${server.port}${WEBHOOK_PATH}`;
      expect((await httpsRequest(url, { ca: certs.ca, method: 'POST', body, agent })).status).toBe(200);
      const idle = (): import('node:net').Socket[] => Object.values(agent.freeSockets).flat() as import('node:net').Socket[];
      const [socket] = idle();
      expect(socket).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      expect(socket!.destroyed).toBe(false);
      expect(idle()).toEqual([socket]);
      expect((await httpsRequest(url, { ca: certs.ca, method: 'POST', body, agent })).status).toBe(200);
    } finally {
      agent.destroy();
    }
  }, 15_000);

  it('serves /healthz always and /readyz only once ready', async () => {
    expect((await httpsRequest(`https://localhost:${server.port}/healthz`, { ca: certs.ca })).status).toBe(200);
    expect((await httpsRequest(`https://localhost:${server.port}/readyz`, { ca: certs.ca })).status).toBe(200);
    ready = false;
    expect((await httpsRequest(`https://localhost:${server.port}/readyz`, { ca: certs.ca })).status).toBe(503);
    ready = true;
  });

  it('refuses to admit before its caches have synced, rather than dropping an injection', async () => {
    ready = false;
    try {
      expect((await review(deploymentReview(deploymentIn(OVERLAP_NS)))).status).toBe(503);
    } finally {
      ready = true;
    }
  });
});

describe('hostile or careless clients (issue 17)', () => {
  const count = async (outcome: string): Promise<number> => (await metrics.admissions.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

  it('answers 413 to an oversized AdmissionReview instead of resetting the connection', async () => {
    const response = await httpsRequest(`https://localhost:${server.port}${WEBHOOK_PATH}`, {
      ca: certs.ca,
      method: 'POST',
      body: { padding: 'x'.repeat(10 * 1024 * 1024) },
    });
    expect(response.status).toBe(413);
    expect(response.body).toBe('request body larger than 3145728 bytes\n');
  });

  it('counts a client that goes away mid-request apart from admission errors', async () => {
    const errors = await count('error');
    const aborted = await count('client_aborted');
    const { request } = await import('node:https');
    await new Promise<void>((resolve) => {
      const req = request(`https://localhost:${server.port}${WEBHOOK_PATH}`, {
        method: 'POST',
        ca: certs.ca,
        headers: { 'content-type': 'application/json', 'content-length': 100_000 },
      });
      req.on('error', () => resolve());
      req.write('{"apiVersion": "admission.k8s.io/v1", ', () => setTimeout(() => req.destroy(), 50));
    });
    await eventually(async () => expect(await count('client_aborted')).toBe(aborted + 1), 'the abort is counted');
    expect(await count('error')).toBe(errors);
  });
});

describe('the version of the mounted objects recorded with an injection', () => {
  const plan = entries.get(OVERLAP_NS)!;
  const injection = planShoot(overlappingCluster(), DEFAULT_INJECTION_SETTINGS).injection!;
  const refs = [...mountedRefs(injection.volumes)];
  /** A cache of its own, whose objects the test replaces or changes in place as an informer might. */
  const cache = new Map(refs.map((ref) => [ref, structuredClone(present(OVERLAP_NS, ref)!)]));
  const recorded = (): string | undefined => {
    const { review: answer } = admit(
      deploymentReview(deploymentIn(OVERLAP_NS)),
      () => plan,
      (_, ref) => cache.get(ref),
    );
    return injectedVersion(patched(deploymentIn(OVERLAP_NS), (answer as { response: { patch?: string } }).response));
  };
  const expected = (): string => mountedVersion(refs.map((ref) => [ref, cache.get(ref)!] as const));
  const renew = (object: KubernetesObject & { data?: Record<string, string> }, resourceVersion: string): void => {
    object.data = { ...object.data, 'tls.crt': `renewed ${resourceVersion}` };
    object.metadata = { ...object.metadata, resourceVersion };
  };

  it('follows the objects whether the cache replaces one or updates it in place', () => {
    const first = recorded();
    expect(first).toBe(expected());
    expect(recorded()).toBe(first);
    const secret = refs.find((ref) => ref.startsWith('Secret/'))!;
    // A new object with the resourceVersion of the old one: the test double's objects and dry runs have none.
    const replaced = structuredClone(cache.get(secret)!) as KubernetesObject & { data?: Record<string, string> };
    replaced.data = { ...replaced.data, 'tls.crt': 'renewed' };
    cache.set(secret, replaced);
    const second = recorded();
    expect(second).not.toBe(first);
    expect(second).toBe(expected());
    for (const ref of [refs[0]!, refs.at(-1)!]) {
      const before = recorded();
      renew(cache.get(ref)!, `3-${ref}`);
      expect(recorded()).not.toBe(before);
      expect(recorded()).toBe(expected());
    }
  });
});
