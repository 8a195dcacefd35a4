import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attempt, inNetns } from './exec.ts';
import { type Lab, launch, logSays } from './launch.ts';
import { apiServerAddress, apiServerTls } from './monitoring.ts';
import { controlPlanePath, proxyArgs } from './proof.ts';
import { prometheusConfig } from './render.ts';
import { type LabSpec, PORTS } from './spec.ts';
import { VPN_SHOOT_POD } from './vpn-shoot.ts';

/** The name the ScrapeConfig's relabelings send the shoot agents' scrapes to (the in-namespace kube-apiserver Service). */
const KUBE_APISERVER_NAME = 'kube-apiserver';

/**
 * `ip netns exec` shows /etc/netns/<name>/hosts as /etc/hosts: Prometheus resolves `kube-apiserver` there, as the
 * Service's name resolves in the shoot namespace. `down` removes the directory.
 */
const netnsEtc = (name: string): string => join('/etc/netns', name);

/** The token Prometheus presents to kube-apiserver (Gardener's `shoot-access-prometheus-shoot` Secret in a cluster). */
const tokenFile = (spec: LabSpec): string => join(spec.options.runDir, 'prometheus', 'shoot-access-token');

/**
 * The kube-apiserver pod-proxy stand-in (src/apiserver-proxy.ts) on the kube-apiserver pod's IP, reaching vpn-shoot
 * the way kube-apiserver's egress does: through Envoy's place with the client certificate when the shoot overlaps.
 */
async function startApiServerProxy(lab: Lab): Promise<Lab> {
  const { spec } = lab;
  const tls = apiServerTls(spec);
  return launch(
    lab,
    {
      name: 'apiserver-proxy',
      netns: spec.namespaces.seed,
      argv: [process.execPath, join(import.meta.dirname, 'apiserver-proxy.ts')],
      env: {
        LAB_LISTEN: apiServerAddress(spec),
        LAB_CERT: tls.cert,
        LAB_KEY: tls.key,
        LAB_TOKEN_FILE: tokenFile(spec),
        LAB_PODS: JSON.stringify({ [`${VPN_SHOOT_POD.namespace}/${VPN_SHOOT_POD.name}`]: spec.addresses.vpnShoot }),
        LAB_EGRESS_ARGS: JSON.stringify(controlPlanePath(lab) === 'proxy' ? proxyArgs(spec) : []),
      },
    },
    logSays('apiserver pod proxy listening'),
  );
}

/** The shoot's monitoring: the pod-proxy stand-in, then Prometheus configured from the controller's objects. */
export async function startMonitoring(lab: Lab): Promise<Lab> {
  const { spec } = lab;
  const promDir = join(spec.options.runDir, 'prometheus');
  mkdirSync(promDir, { recursive: true });
  writeFileSync(tokenFile(spec), `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  mkdirSync(netnsEtc(spec.namespaces.monitor), { recursive: true });
  writeFileSync(
    join(netnsEtc(spec.namespaces.monitor), 'hosts'),
    `127.0.0.1 localhost\n::1 localhost\n${spec.addresses.kubeApiserver} ${KUBE_APISERVER_NAME}\n`,
  );
  let next = await startApiServerProxy(lab);
  writeFileSync(join(promDir, 'prometheus.yml'), prometheusConfig(spec, tokenFile(spec)));
  next = await launch(
    next,
    {
      name: 'prometheus',
      netns: spec.namespaces.monitor,
      argv: [
        'prometheus',
        `--config.file=${join(promDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(promDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
        '--storage.tsdb.retention.time=1d',
      ],
    },
    async () => (await attempt(inNetns(spec.namespaces.monitor, ['curl', '-sf', `http://127.0.0.1:${PORTS.prometheus}/-/ready`]))).ok,
    60_000,
  );
  return next;
}

/** Removes what startMonitoring put outside the run directory. */
export function removeNetnsEtc(spec: LabSpec): void {
  for (const name of Object.values(spec.namespaces)) rmSync(netnsEtc(name), { recursive: true, force: true });
}
