// Against FakeApiServer, an in-process TEST DOUBLE of the Kubernetes API (not a cluster).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningController } from '../src/controller/controller.ts';
import { ControllerMetrics } from '../src/telemetry/metrics.ts';
import { CLUSTERS, Harness } from './support/controller-harness.ts';
import { eventually } from './support/eventually.ts';
import { overlappingCluster } from './support/fixtures.ts';
import { freePort } from './support/free-port.ts';

const harness = new Harness();
beforeAll(() => harness.start());
afterAll(() => harness.close());

it('is not ready while the API server fails its lists, and becomes ready once they succeed', async () => {
  harness.api.put(CLUSTERS, overlappingCluster() as never);
  harness.api.unavailable = true;
  const port = await freePort();
  let controller: RunningController | undefined;
  const starting = harness
    .startController('replica-r', new ControllerMetrics('test', false), { statusAddress: { host: '127.0.0.1', port } })
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
