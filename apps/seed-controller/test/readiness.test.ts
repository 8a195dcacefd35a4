// Against FakeApiServer, an in-process TEST DOUBLE of the Kubernetes API (not a cluster).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLUSTERS, LEASES, eventually, deploymentReview, overlappingCluster, sampleDeployment, freePort } from '@overlap/test-support';
import type { RunningController } from '../src/controller/controller.ts';
import { ControllerMetrics } from '../src/telemetry/metrics.ts';
import { Harness } from './support/controller-harness.ts';

const harness = new Harness();
/** Restarts in milliseconds, not the 2 s of production, so that no test waits real seconds for a retry. */
const FAST_RESTART = { initialMs: 50, maxMs: 200 };
beforeAll(() => harness.start());
afterAll(() => harness.close());

it('is not ready while the API server fails its lists, and becomes ready once they succeed', async () => {
  harness.api.put(CLUSTERS, overlappingCluster() as never);
  harness.api.unavailable = true;
  const port = await freePort();
  let controller: RunningController | undefined;
  const starting = harness
    .startController('replica-r', new ControllerMetrics('test', false), { statusAddress: { host: '127.0.0.1', port }, restartBackoff: FAST_RESTART })
    .then((started) => (controller = started));
  const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  await eventually(async () => expect(await readyz()).toBe(503), 'status server up, not ready');
  const clusterLists = () => harness.api.requests().filter((r) => r === 'GET /apis/extensions.gardener.cloud/v1alpha1/clusters');
  await eventually(() => expect(clusterLists().length).toBeGreaterThanOrEqual(2), 'a failed list, then a retry');
  expect(await readyz()).toBe(503);
  expect(controller).toBeUndefined();

  harness.api.unavailable = false;
  await starting;
  expect(await readyz()).toBe(200);
  expect(controller!.plans.lookup('shoot--dev--overlap').state).toBe('planned');
});

it('after an API outage begins: unknown shoots get 503 (never a silent "unchanged"), readiness turns false, known shoots still answer', async () => {
  harness.api.unavailable = false;
  const port = await freePort();
  const controller = await harness.startController('replica-s', new ControllerMetrics('test', false), {
    statusAddress: { host: '127.0.0.1', port },
    watchGraceSeconds: 0.5,
    restartBackoff: FAST_RESTART,
  });
  const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  expect(await readyz()).toBe(200);
  const known = sampleDeployment();
  known.metadata = { ...known.metadata, namespace: 'shoot--dev--overlap' };
  const unknown = sampleDeployment();
  unknown.metadata = { ...unknown.metadata, namespace: 'shoot--dev--brand-new' };
  expect((await harness.review(controller, deploymentReview(unknown))).status).toBe(200);
  // The known shoot is injected once the reconciler has made the objects its injection mounts.
  await eventually(async () => {
    const review = await harness.review(controller, deploymentReview(known));
    expect(JSON.parse(review.body).response.patch).toBeDefined();
  }, 'the known shoot is injected before the outage');

  // The API server goes down after the first sync: the watch ends and every relist fails.
  harness.api.unavailable = true;
  harness.api.closeWatches();
  await eventually(async () => expect(await readyz()).toBe(503), 'not ready once the watch is broken past the grace');
  const refused = await harness.review(controller, deploymentReview(unknown));
  expect(refused.status).toBe(503);
  expect(refused.body).toMatch(/^no answer for shoot--dev--brand-new: the Cluster watch has been broken for \d+ s/);
  const answered = await harness.review(controller, deploymentReview(known));
  expect(answered.status).toBe(200);
  expect(JSON.parse(answered.body).response.patch).toBeDefined();

  harness.api.unavailable = false;
  await eventually(async () => expect(await readyz()).toBe(200), 'ready again once the watch is back');
  expect((await harness.review(controller, deploymentReview(unknown))).status).toBe(200);
}, 30_000);

it('takes over a Lease renewed "1 h in the future" after one lease duration of its own clock, and says so in a metric', async () => {
  harness.api.unavailable = false;
  // The replicas of the tests above would compete for the Lease.
  for (const earlier of harness.controllers.splice(0)) await earlier.stop();
  const future = new Date(Date.now() + 3_600_000).toISOString().replace('Z', '000Z');
  harness.api.put(LEASES, {
    metadata: { name: 'overlap-seed-controller', namespace: 'garden' },
    spec: { holderIdentity: 'ghost-with-a-fast-clock', leaseDurationSeconds: 2, renewTime: future, acquireTime: future, leaseTransitions: 3 },
  } as never);
  const metrics = new ControllerMetrics('test', false);
  const controller = await harness.startController('replica-l', metrics);
  expect(controller.leading()).toBe(false);
  await eventually(() => expect(controller.leading()).toBe(true), 'takes the Lease of the silent holder');
  expect((await metrics.leader.get()).values[0]?.value).toBe(1);
  expect(harness.api.get(`${LEASES}/overlap-seed-controller`)?.spec.holderIdentity).toBe('replica-l');
}, 30_000);
