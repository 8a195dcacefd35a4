import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { KubeApis } from './kinds.ts';

/** The clients every owned kind's calls go through, for one cluster. */
export const kubeApis = (config: KubeConfig): KubeApis => ({ core: config.makeApiClient(CoreV1Api), custom: config.makeApiClient(CustomObjectsApi) });
