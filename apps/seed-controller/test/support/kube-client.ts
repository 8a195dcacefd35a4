import type { FakeApiServer } from '@overlap/test-support';
import { KubeClient, clientOptions } from '../../src/kube/client.ts';

/** The controller's client for the fake API server (started), as the controller builds it from its settings. */
export const clientOf = (api: FakeApiServer): KubeClient => new KubeClient(clientOptions({ server: api.url, insecureSkipTlsVerify: false }));
