import { InputError } from '@overlap/runtime';
import { parse } from 'yaml';
import { isJsonObject } from '../shoot/json-fields.ts';

/** A value given inline in the kubeconfig, or a file to read it from (relative to the kubeconfig's folder). */
export type Source = { readonly data: string } | { readonly file: string };

/**
 * Everything the small client needs to reach one API server, as data: the pure result of reading a kubeconfig or
 * the in-cluster environment, before any file is read. Files stay files so that a rotated token is read again.
 */
export interface ConnectionSettings {
  readonly server: string;
  readonly ca?: Source;
  readonly cert?: Source;
  readonly key?: Source;
  readonly token?: Source;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName?: string;
}

/** A file the settings name, read with `read`; one InputError naming `field` and the path when it cannot be. */
export function readNamedFile(field: string, path: string, read: (path: string) => string): string {
  try {
    return read(path);
  } catch (error) {
    throw new InputError(field, path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** The service account's files in every pod (client-go's rest.InClusterConfig). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** In-cluster settings from KUBERNETES_SERVICE_HOST/PORT and the service account's CA and token files. */
export function inClusterSettings(env: Readonly<Record<string, string | undefined>>): ConnectionSettings {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new InputError('--kubeconfig', '', 'is not set and this is not a pod (no KUBERNETES_SERVICE_HOST/PORT): name a kubeconfig file');
  }
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: { file: `${SERVICE_ACCOUNT_DIR}/ca.crt` },
    token: { file: `${SERVICE_ACCOUNT_DIR}/token` },
    insecureSkipTlsVerify: false,
  };
}

type Named = { readonly name?: unknown } & Record<string, unknown>;
const record = (value: unknown): Record<string, unknown> => (isJsonObject(value) ? value : {});
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * The connection a kubeconfig's current context describes, for a process that cannot run credential plugins: what
 * it cannot honour (exec, auth-provider, a proxy) is one InputError naming the field. `path` names the file in
 * errors and anchors relative file names; `context` overrides current-context.
 */
export function kubeconfigSettings(content: string, path: string, context?: string): ConnectionSettings {
  const fail = (field: string, value: string, problem: string): never => {
    throw new InputError('--kubeconfig', path, `${field} ${JSON.stringify(value)} ${problem}`);
  };
  let doc: Record<string, unknown>;
  try {
    doc = record(parse(content));
  } catch (error) {
    return fail('content', (error as Error).message.split('\n')[0] ?? '', 'is not YAML');
  }
  const find = (list: string, name: string): Record<string, unknown> | undefined => {
    const entries = Array.isArray(doc[list]) ? (doc[list] as Named[]) : [];
    return entries.find((entry) => record(entry).name === name);
  };
  const contextName = context ?? text(doc['current-context']) ?? fail('current-context', '', 'is not set');
  const contextEntry = record((find('contexts', contextName) ?? fail('current-context', contextName, 'is not a context of the file')).context);
  const clusterName = text(contextEntry.cluster) ?? fail(`context ${contextName}: cluster`, '', 'is not set');
  const cluster = record((find('clusters', clusterName) ?? fail(`context ${contextName}: cluster`, clusterName, 'is not a cluster of the file')).cluster);
  const userName = text(contextEntry.user);
  const user =
    userName === undefined ? {} : record((find('users', userName) ?? fail(`context ${contextName}: user`, userName, 'is not a user of the file')).user);

  const server = text(cluster.server) ?? fail(`cluster ${clusterName}: server`, '', 'is not set');
  if (!/^https?:\/\//.test(server)) fail(`cluster ${clusterName}: server`, server, 'is not an http(s) URL');
  if (cluster['proxy-url'] !== undefined) fail(`cluster ${clusterName}: proxy-url`, String(cluster['proxy-url']), 'is not supported by the controller');
  for (const field of ['exec', 'auth-provider'] as const) {
    if (user[field] !== undefined) {
      fail(
        `user ${userName}: ${field}`,
        JSON.stringify(user[field]).slice(0, 60),
        'needs a credential plugin, which the controller does not run; use a token, token file or client certificate',
      );
    }
  }
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
  const source = (data: unknown, file: unknown, decode: boolean): Source | undefined => {
    const inline = text(data);
    if (inline !== undefined) return { data: decode ? Buffer.from(inline, 'base64').toString('utf8') : inline };
    const name = text(file);
    if (name === undefined) return undefined;
    return { file: name.startsWith('/') ? name : `${dir}${name}` };
  };
  const username = text(user.username);
  const password = text(user.password);
  const settings: ConnectionSettings = {
    server: server.replace(/\/+$/, ''),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    ...optional('ca', source(cluster['certificate-authority-data'], cluster['certificate-authority'], true)),
    ...optional('cert', source(user['client-certificate-data'], user['client-certificate'], true)),
    ...optional('key', source(user['client-key-data'], user['client-key'], true)),
    ...optional('token', source(user.token, user.tokenFile, false)),
    ...optional('tlsServerName', text(cluster['tls-server-name'])),
    ...(username !== undefined && password !== undefined ? { basicAuth: { username, password } } : {}),
  };
  if ((settings.cert === undefined) !== (settings.key === undefined)) {
    fail(`user ${userName}: client-certificate/client-key`, '', 'must be given together');
  }
  return settings;
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [P in K]: V }));

/**
 * Which settings the controller uses: `--kubeconfig` if given, else the first file of $KUBECONFIG, else the pod's
 * service account. `read` reads a file (its errors name the path).
 */
export function controllerSettings(
  kubeconfig: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  read: (path: string) => string,
): ConnectionSettings {
  const path = kubeconfig ?? text(env.KUBECONFIG?.split(':').find((entry) => entry !== ''));
  if (path === undefined) return inClusterSettings(env);
  return kubeconfigSettings(readNamedFile('--kubeconfig', path, read), path);
}
