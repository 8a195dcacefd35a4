import type { RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '@overlap/runtime';
import { KubeClient } from './client.ts';
import { KubeApiError, statusMessage } from './request.ts';

// Without client-node, so that commands that never talk to a seed need not load it (src/cli/main.ts).
export { ApiAccessError, KUBE_OPTIONS } from './options.ts';
import { ApiAccessError } from './options.ts';

/**
 * kubectl's rules through client-node's loader: `--kubeconfig` alone if given, else $KUBECONFIG (a path list,
 * merged), else ~/.kube/config, else the in-cluster service account; `--context` picks a context of the result.
 */
export function loadKubeConfig(options: { kubeconfig?: string | undefined; context?: string | undefined }): KubeConfig {
  const config = new KubeConfig();
  try {
    if (options.kubeconfig !== undefined) config.loadFromFile(options.kubeconfig);
    else config.loadFromDefault();
  } catch (error) {
    const source = options.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    throw new InputError('--kubeconfig', source, `cannot be loaded: ${(error as Error).message.split('\n')[0]}`);
  }
  if (options.context !== undefined) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new InputError('--context', options.context, `is not a context of the kubeconfig (${known.join(', ') || 'it has none'})`);
    }
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentCluster()) {
    throw new InputError('--context', config.getCurrentContext(), 'names no cluster in the kubeconfig');
  }
  return config;
}

/**
 * The small client every command's API calls go through (the controller's own), with the TLS and headers
 * client-node's loader worked out for the kubeconfig's context, exec plugins and auth providers included. A token
 * from a plugin is fetched once: a command is over long before it expires.
 */
async function kubeClient(config: KubeConfig): Promise<KubeClient> {
  const options: RequestOptions = {};
  await config.applyToHTTPSOptions(options);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = String(value);
  if (options.auth) headers.authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
  return new KubeClient({
    server: config.getCurrentCluster()?.server ?? '',
    tls: {
      ca: options.ca as string | Buffer | undefined,
      cert: options.cert as string | Buffer | undefined,
      key: options.key as string | Buffer | undefined,
      rejectUnauthorized: options.rejectUnauthorized !== false,
      servername: options.servername,
    },
    headers: () => headers,
  });
}

/** The kubeconfig as kubectl reads it (loadKubeConfig) and the small client built from it: what a command needs. */
export async function connect(options: { kubeconfig?: string | undefined; context?: string | undefined }): Promise<{ config: KubeConfig; api: KubeClient }> {
  const config = loadKubeConfig(options);
  try {
    return { config, api: await kubeClient(config) };
  } catch (error) {
    // An exec plugin or auth provider that failed (not logged in, not installed): the operator's to fix, in one line.
    const server = config.getCurrentCluster()?.server ?? 'the API server';
    throw new ApiAccessError(`${server}: the kubeconfig's credentials cannot be obtained: ${String((error as Error).message).split('\n')[0]}`);
  }
}

/**
 * Turns what a call throws (`what`, e.g. "list Clusters") into one line as kubectl would word it: the API server's
 * refusal (KubeApiError) or a connection that failed (Node's error code, e.g. ECONNREFUSED or a TLS error); undefined
 * for anything else (a 404 the caller handles, a bug).
 */
export function accessProblem(error: unknown, server: string, what: string): ApiAccessError | undefined {
  if (error instanceof KubeApiError) {
    const message = statusMessage(error.body);
    if (error.code === 401) return new ApiAccessError(`${server}: unauthorized to ${what}: the kubeconfig's credentials were not accepted`);
    if (error.code === 403) return new ApiAccessError(`${server}: forbidden to ${what}: ${message ?? 'the user lacks the permission'}`);
    if (error.code >= 500) return new ApiAccessError(`${server}: the API server failed to ${what} (${error.code}): ${message ?? 'no message'}`);
    return undefined;
  }
  const network = (error as { code?: unknown } | undefined)?.code;
  if (typeof network !== 'string') return undefined;
  return new ApiAccessError(`${server}: unreachable (${network}); is the cluster of the kubeconfig's context up, at this address?`);
}

/** Runs one API call; access problems become ApiAccessError, anything else passes through. */
export async function call<T>(api: { readonly server: string }, what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw accessProblem(error, api.server || 'the API server', what) ?? error;
  }
}
