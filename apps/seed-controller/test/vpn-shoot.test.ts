import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1StatefulSet } from '@kubernetes/client-node';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXAMPLES, httpsRequest } from '@overlap/test-support';
import { ControllerMetrics } from '../src/telemetry/metrics.ts';
import { DEFAULT_SHOOT_AGENT_SETTINGS, type ShootAgentSettings, mutateVpnShoot, shootAgentContainer } from '../src/index.ts';
import { imageVersion } from '../src/vpn-shoot/mutate-vpn-shoot.ts';
import { type WebhookServer, startWebhookServer } from '../src/webhook/server.ts';
import { admitVpnShoot } from '../src/webhook/vpn-shoot-admission.ts';
import { type WebhookCertificates, patched, webhookCertificates } from './support/webhook-certificates.ts';

const SETTINGS: ShootAgentSettings = { image: 'registry.example.com/overlap/shoot-vpn-agent:1.2.3', backend: 'auto', logLevel: 'info' };
const NETWORK_ENV = ['SEED_POD_NETWORK', 'SHOOT_POD_NETWORKS', 'SHOOT_SERVICE_NETWORKS', 'SHOOT_NODE_NETWORKS', 'IP_FAMILIES'];

/** Gardener's HA vpn-shoot StatefulSet (vpn-shoot-s0, vpn-shoot-s1, tunnel-controller), a fresh copy each call. */
const vpnShoot = (): V1StatefulSet => parse(readFileSync(join(EXAMPLES, 'vpn-shoot-statefulset.yaml'), 'utf8'));
const clients = (object: V1StatefulSet): V1Container[] => object.spec!.template.spec!.containers.filter((c) => c.name.startsWith('vpn-shoot-s'));
function setEnv(object: V1StatefulSet, name: string, value: string | undefined): V1StatefulSet {
  for (const client of clients(object)) {
    client.env = client.env!.filter((e) => e.name !== name);
    if (value !== undefined) client.env.push({ name, value });
  }
  return object;
}
const agentOf = (object: V1StatefulSet): V1Container | undefined => object.spec!.template.spec!.containers.find((c) => c.name === 'shoot-vpn-agent');

describe('the vpn-shoot mutation', () => {
  it('adds the shoot-vpn-agent to Gardener’s HA vpn-shoot: a valid StatefulSet, the networks of vpn-shoot-s0', () => {
    const original = vpnShoot();
    const { object, outcome } = mutateVpnShoot(original, SETTINGS);
    expect(outcome).toBe('injected');
    expect(() => new StatefulSet(object as never).validate()).not.toThrow();
    expect(object.spec!.template.spec!.containers.map((c) => c.name)).toEqual(['vpn-shoot-s0', 'vpn-shoot-s1', 'tunnel-controller', 'shoot-vpn-agent']);
    const agent = agentOf(object as V1StatefulSet)!;
    const s0 = clients(original)[0]!;
    for (const name of NETWORK_ENV) {
      expect(agent.env!.find((e) => e.name === name)).toEqual(s0.env!.find((e) => e.name === name));
    }
    expect(agent.image).toBe(SETTINGS.image);
    expect(agent.securityContext).toEqual({
      runAsUser: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      seccompProfile: { type: 'RuntimeDefault' },
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] },
    });
    expect(agent.ports).toEqual([{ name: 'overlap-metrics', containerPort: 9151, protocol: 'TCP' }]);
    expect(original).toEqual(vpnShoot());
  });

  it('is the very container deploy/shoot’s kustomize component adds, with its placeholders filled from vpn-shoot-s0', () => {
    const component = parse(readFileSync(join(import.meta.dirname, '../../../deploy/shoot/vpn-shoot-sidecar.yaml'), 'utf8'));
    const fromComponent: V1Container = component.spec.template.spec.containers[0];
    const s0 = clients(vpnShoot())[0]!;
    for (const variable of fromComponent.env!) {
      if (variable.value === 'from-vpn-shoot-s0') variable.value = s0.env!.find((e) => e.name === variable.name)!.value!;
    }
    expect(shootAgentContainer(vpnShoot(), { ...DEFAULT_SHOOT_AGENT_SETTINGS, image: fromComponent.image! })).toEqual(fromComponent);
  });

  it('is idempotent: a mutated vpn-shoot comes back as the very same object', () => {
    const once = mutateVpnShoot(vpnShoot(), SETTINGS).object;
    const twice = mutateVpnShoot(once, SETTINGS);
    expect(twice.outcome).toBe('unchanged');
    expect(twice.object).toBe(once);
  });

  it('updates the agent when vpn-shoot’s networks change, still one agent', () => {
    const once = mutateVpnShoot(vpnShoot(), SETTINGS).object as V1StatefulSet;
    const changed = mutateVpnShoot(setEnv(structuredClone(once), 'SHOOT_POD_NETWORKS', '10.3.0.0/16'), SETTINGS);
    expect(changed.outcome).toBe('injected');
    const agents = changed.object.spec!.template.spec!.containers.filter((c) => c.name === 'shoot-vpn-agent');
    expect(agents.map((a) => a.env!.find((e) => e.name === 'SHOOT_POD_NETWORKS')!.value)).toEqual(['10.3.0.0/16']);
  });

  it('removes exactly what it added once vpn-shoot’s networks no longer overlap', () => {
    const mutated = mutateVpnShoot(vpnShoot(), SETTINGS).object as V1StatefulSet;
    const apart = mutateVpnShoot(setEnv(structuredClone(mutated), 'SEED_POD_NETWORK', '100.64.0.0/12'), SETTINGS);
    expect(apart.outcome).toBe('removed');
    expect(apart.object).toEqual(setEnv(vpnShoot(), 'SEED_POD_NETWORK', '100.64.0.0/12'));
  });

  it('leaves alone a vpn-shoot whose own client translates: vpn2 0.40 and later, or non-HA', () => {
    const recent = vpnShoot();
    for (const client of clients(recent)) client.image = client.image!.replace(':0.38.0', ':0.41.2');
    const result = mutateVpnShoot(recent, SETTINGS);
    expect(result).toEqual({ object: recent, outcome: 'translates_itself', detail: expect.stringContaining('vpn2 0.41.2, 0.41.2') });
    // An agent of ours from before the upgrade goes with it.
    const upgraded = mutateVpnShoot(vpnShoot(), SETTINGS).object as V1StatefulSet;
    for (const client of clients(upgraded)) client.image = client.image!.replace(':0.38.0', ':0.41.2');
    expect(mutateVpnShoot(upgraded, SETTINGS)).toMatchObject({ object: recent, outcome: 'removed' });

    const nonHa = setEnv(vpnShoot(), 'IS_HA', undefined);
    expect(mutateVpnShoot(nonHa, SETTINGS)).toMatchObject({ object: nonHa, outcome: 'translates_itself' });
  });

  it('reads the vpn2 version from the image tag; none (digest only, latest) counts as old', () => {
    expect(imageVersion('europe-docker.pkg.dev/gardener-project/releases/gardener/vpn-client:0.38.0')).toEqual([0, 38, 0]);
    expect(imageVersion('registry:5000/vpn-client:v0.41.2@sha256:abcd')).toEqual([0, 41, 2]);
    expect(imageVersion('vpn-client:0.40.0-dev')).toEqual([0, 40, 0]);
    expect(imageVersion('vpn-client@sha256:abcd')).toBeUndefined();
    expect(imageVersion('vpn-client:latest')).toBeUndefined();
    const digest = vpnShoot();
    for (const client of clients(digest)) client.image = 'vpn-client@sha256:abcd';
    expect(mutateVpnShoot(digest, SETTINGS).outcome).toBe('injected');
  });

  it('refuses a vpn-shoot without its networks, naming the container and variable, and adds nothing', () => {
    const bare = setEnv(vpnShoot(), 'SEED_POD_NETWORK', undefined);
    const result = mutateVpnShoot(bare, SETTINGS);
    expect(result).toEqual({
      object: bare,
      outcome: 'refused',
      detail:
        'vpn-shoot gets no shoot agent: spec.template.spec.containers[vpn-shoot-s0].env[SEED_POD_NETWORK]: is missing; the shoot agent takes its networks from vpn-shoot and gets none without it',
    });
    const invalid = mutateVpnShoot(setEnv(vpnShoot(), 'SHOOT_POD_NETWORKS', '10.1.0.0/33'), SETTINGS);
    expect(invalid.outcome).toBe('refused');
    expect(invalid.detail).toContain('containers[vpn-shoot-s0].env[SHOOT_POD_NETWORKS]: "10.1.0.0/33" is not a valid CIDR');
  });

  it('refuses clients that disagree, and a shoot-vpn-agent it did not add', () => {
    const split = vpnShoot();
    clients(split)[1]!.env!.find((e) => e.name === 'SHOOT_SERVICE_NETWORKS')!.value = '10.9.0.0/16';
    expect(mutateVpnShoot(split, SETTINGS)).toMatchObject({
      outcome: 'refused',
      detail: expect.stringContaining('containers[vpn-shoot-s1].env[SHOOT_SERVICE_NETWORKS]'),
    });
    const foreign = vpnShoot();
    foreign.spec!.template.spec!.containers.push({ name: 'shoot-vpn-agent', image: 'mine' });
    expect(mutateVpnShoot(foreign, SETTINGS)).toMatchObject({
      object: foreign,
      outcome: 'refused',
      detail: expect.stringContaining('not added by this webhook'),
    });
  });

  it('handles a vpn-shoot Deployment with HA clients as it handles the StatefulSet', () => {
    const sts = vpnShoot();
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: sts.metadata!,
      spec: { selector: sts.spec!.selector, template: sts.spec!.template },
    };
    const result = mutateVpnShoot(deployment, SETTINGS);
    expect(result.outcome).toBe('injected');
    expect(() => new Deployment(result.object as never).validate()).not.toThrow();
  });
});

describe('admitVpnShoot', () => {
  const request = (object: V1StatefulSet, oldObject: V1StatefulSet | null) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u', kind: { group: 'apps', kind: 'StatefulSet' }, namespace: 'kube-system', name: 'vpn-shoot', operation: 'UPDATE', object, oldObject },
  });

  it('tells a write that really changes vpn-shoot from gardener-resource-manager re-applying its spec', () => {
    const stored = mutateVpnShoot(vpnShoot(), SETTINGS).object as V1StatefulSet;
    // gardener-resource-manager's sync: Gardener's spec (no sidecar) over the stored object (with it).
    expect(admitVpnShoot(request(vpnShoot(), stored), SETTINGS)).toMatchObject({ outcome: 'injected', changesStored: false });
    expect(admitVpnShoot(request(vpnShoot(), vpnShoot()), SETTINGS)).toMatchObject({ outcome: 'injected', changesStored: true });
    expect(admitVpnShoot(request(vpnShoot(), null), SETTINGS)).toMatchObject({ outcome: 'injected', changesStored: true });
  });

  it('passes anything but kube-system/vpn-shoot through untouched', () => {
    const other = vpnShoot();
    other.metadata!.name = 'something-else';
    expect(admitVpnShoot(request(other, null), SETTINGS)).toMatchObject({ outcome: 'unchanged', review: { response: { uid: 'u', allowed: true } } });
    expect(JSON.stringify(admitVpnShoot(request(other, null), SETTINGS).review)).not.toContain('patch');
  });
});

describe('the shoot webhook over HTTPS', () => {
  let certs: WebhookCertificates;
  let server: WebhookServer;
  const metrics = new ControllerMetrics('test', false);

  beforeAll(async () => {
    certs = await webhookCertificates('ovl-shoot-webhook-');
    server = await startWebhookServer({
      host: '127.0.0.1',
      port: 0,
      certFile: certs.certFile,
      keyFile: certs.keyFile,
      lookup: () => ({ state: 'unknown' }),
      objects: () => undefined,
      metrics,
      logger: pino({ level: 'silent' }),
      // The shoot webhook needs no Cluster: it answers before the caches have synced.
      isReady: () => false,
      shootAgent: SETTINGS,
    });
  });

  afterAll(async () => {
    await server?.close();
    certs?.remove();
  });

  /** An AdmissionReview v1 as a shoot's kube-apiserver sends it for a write of kube-system/vpn-shoot. */
  async function review(object: V1StatefulSet, path = '/mutate-vpn-shoot/shoot--dev--overlap') {
    const body = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'b6f1c2c4-0000-4000-8000-000000000001',
        kind: { group: 'apps', version: 'v1', kind: 'StatefulSet' },
        resource: { group: 'apps', version: 'v1', resource: 'statefulsets' },
        name: 'vpn-shoot',
        namespace: 'kube-system',
        operation: 'UPDATE',
        userInfo: { username: 'system:serviceaccount:kube-system:gardener-resource-manager' },
        object,
        oldObject: object,
      },
    };
    const response = await httpsRequest(`https://localhost:${server.port}${path}`, { ca: certs.ca, method: 'POST', body });
    return { status: response.status, response: response.status === 200 ? JSON.parse(response.body).response : undefined };
  }

  it('answers with a JSONPatch that, applied independently, yields a valid vpn-shoot with the agent', async () => {
    const original = vpnShoot();
    const { status, response } = await review(original);
    expect(status).toBe(200);
    expect(response.allowed).toBe(true);
    const result = patched(original, response);
    expect(result).toEqual(mutateVpnShoot(vpnShoot(), SETTINGS).object);
    expect(() => new StatefulSet(result as never).validate()).not.toThrow();

    const again = await review(result);
    expect(again.response).toEqual({ uid: 'b6f1c2c4-0000-4000-8000-000000000001', allowed: true });
  });

  it('takes the agent out again exactly when vpn-shoot’s networks stop overlapping', async () => {
    const withAgent = patched(vpnShoot(), (await review(vpnShoot())).response);
    const apart = setEnv(withAgent, 'SEED_POD_NETWORK', '100.64.0.0/12');
    expect(patched(apart, (await review(apart)).response)).toEqual(setEnv(vpnShoot(), 'SEED_POD_NETWORK', '100.64.0.0/12'));
  });

  it('admits a vpn-shoot without networks unchanged, with the reason as a warning', async () => {
    const bare = setEnv(vpnShoot(), 'SHOOT_SERVICE_NETWORKS', undefined);
    const { response } = await review(bare);
    expect(response.allowed).toBe(true);
    expect(response.patch).toBeUndefined();
    expect(response.warnings).toEqual([expect.stringMatching(/^overlap: vpn-shoot gets no shoot agent: .*vpn-shoot-s0.*SHOOT_SERVICE_NETWORKS.*is missing/)]);
  });

  it('counts each outcome, and answers 404 off its path and 400 to a body that is not an AdmissionReview', async () => {
    expect((await review(vpnShoot(), '/mutate-vpn-shoot/Not_A_Namespace')).status).toBe(404);
    const bad = await httpsRequest(`https://localhost:${server.port}/mutate-vpn-shoot/shoot--x`, { ca: certs.ca, method: 'POST', body: { kind: 'Nope' } });
    expect(bad.status).toBe(400);
    const counts = Object.fromEntries((await metrics.vpnShootAdmissions.get()).values.map((v) => [v.labels.outcome, v.value]));
    expect(counts).toMatchObject({ injected: expect.any(Number), removed: 1, refused: 1, unchanged: expect.any(Number), error: 1 });
  });
});
