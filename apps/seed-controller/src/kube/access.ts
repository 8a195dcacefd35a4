import { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '@overlap/runtime';

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

interface ClientError {
  readonly code?: unknown;
  readonly body?: unknown;
  readonly cause?: { readonly code?: unknown; readonly message?: unknown };
  readonly message?: unknown;
}

/** The Status message the API server sent with an HTTP error, if it sent one. */
function statusMessage(body: unknown): string | undefined {
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Turns what client-node throws for a call (`what`, e.g. "list Clusters") into one line as kubectl would word it,
 * or undefined for an answer that is not about access (a 404 the caller handles, a bug).
 */
export function accessProblem(error: unknown, server: string, what: string): ApiAccessError | undefined {
  const e = error as ClientError;
  if (e.code === 401) return new ApiAccessError(`${server}: unauthorized to ${what}: the kubeconfig's credentials were not accepted`);
  if (e.code === 403) {
    return new ApiAccessError(`${server}: forbidden to ${what}: ${statusMessage(e.body) ?? 'the user lacks the permission'}`);
  }
  if (typeof e.code === 'number' && e.code >= 500) {
    return new ApiAccessError(`${server}: the API server failed to ${what} (${e.code}): ${statusMessage(e.body) ?? 'no message'}`);
  }
  // fetch reports a connection that failed as "fetch failed" with the system error as its cause.
  const network = e.cause?.code ?? e.cause?.message ?? (typeof e.code === 'string' ? e.code : undefined);
  if (typeof network === 'string' || /fetch failed|ECONN|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(String(e.message))) {
    const why = typeof network === 'string' ? network : String(e.message).split('\n')[0];
    return new ApiAccessError(`${server}: unreachable (${why}); is the cluster of the kubeconfig's context up, at this address?`);
  }
  return undefined;
}

/** Runs one API call; access problems become ApiAccessError, anything else passes through. */
export async function call<T>(config: KubeConfig, what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw accessProblem(error, config.getCurrentCluster()?.server ?? 'the API server', what) ?? error;
  }
}

/** HTTP status of a client-node error (ApiException's `code`), if it carries one. */
export const httpStatus = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
};
