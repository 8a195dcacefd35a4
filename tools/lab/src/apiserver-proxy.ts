// Stand-in for the one kube-apiserver feature the shoot's Prometheus uses to scrape the shoot agents: the pod proxy
// `GET /api/v1/namespaces/<ns>/pods/<pod>:<port>/proxy/<path>`, served over HTTPS on the kube-apiserver pod's IP
// with a bearer token. As kube-apiserver does, it reaches the pod through its `cluster` egress: HTTP CONNECT over
// mutual TLS to Envoy's place when the shoot overlaps (so the scrape crosses the double NAT), directly otherwise.
//   env: LAB_LISTEN (ip:port), LAB_CERT, LAB_KEY, LAB_TOKEN_FILE, LAB_PODS (JSON {"<ns>/<pod>": "<pod IP>"}),
//        LAB_EGRESS_ARGS (JSON: curl's proxy arguments, [] for direct)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { CommandError, createCommandRunner, createLogger } from '@overlap/runtime';

const log = createLogger({ name: 'lab-apiserver-proxy', level: 'info' });
const env = process.env;
const required = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const [host, port] = required('LAB_LISTEN').split(/:(?=\d+$)/) as [string, string];
const token = readFileSync(required('LAB_TOKEN_FILE'), 'utf8').trim();
const pods = JSON.parse(required('LAB_PODS')) as Record<string, string>;
const egress = JSON.parse(required('LAB_EGRESS_ARGS')) as string[];
const PROXY_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/:]+):(\d+)\/proxy(\/[^?]*)?$/;

// curl gives up after 5 s itself; the deadline only catches a curl that hangs anyway.
const run = createCommandRunner({ deadlineMs: 10_000 });

function fetchThroughEgress(url: string): Promise<{ ok: boolean; body: string }> {
  return run(['curl', '-sS', '--max-time', '5', ...egress, url]).then(
    ({ stdout }) => ({ ok: true, body: stdout }),
    (error: unknown) => ({ ok: false, body: (error instanceof CommandError && error.stderr.trim()) || (error as Error).message }),
  );
}

const server = createServer({ cert: readFileSync(required('LAB_CERT')), key: readFileSync(required('LAB_KEY')) }, (request, response) => {
  const answer = (status: number, body: string) => {
    response.writeHead(status, { 'content-type': status === 200 ? 'text/plain; version=0.0.4' : 'text/plain' });
    response.end(body);
  };
  if (request.headers.authorization !== `Bearer ${token}`) return answer(401, 'Unauthorized\n');
  const match = PROXY_PATH.exec(request.url ?? '');
  if (request.method !== 'GET' || !match) return answer(404, 'only GET of the pod proxy is served here\n');
  const [, namespace, pod, podPort, path = '/'] = match as unknown as [string, string, string, string, string?];
  const podIp = pods[`${namespace}/${pod}`];
  if (!podIp) return answer(404, `pods "${pod}" not found in ${namespace}\n`);
  void fetchThroughEgress(`http://${podIp}:${podPort}${path}`).then(({ ok, body }) => {
    if (!ok) log.warn({ namespace, pod, port: podPort, err: body }, 'pod proxy request failed');
    answer(ok ? 200 : 503, ok ? body : `error trying to reach service: ${body}\n`);
  });
});
server.listen(Number(port), host, () =>
  log.info({ listen: `${host}:${port}`, pods, egress: egress.length > 0 ? 'proxy' : 'direct' }, 'apiserver pod proxy listening'),
);
// Prometheus keeps its connections open: exit rather than wait for them to close.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info('apiserver pod proxy stopped');
    process.exit(0);
  });
}
