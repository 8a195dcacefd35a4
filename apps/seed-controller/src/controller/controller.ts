import { readFileSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import { InputError, type Logger, type Readiness, startProbeServer } from '@overlap/runtime';
import { WEBHOOK_NAMESPACE_SELECTOR } from '../inject/names.ts';
import type { KubeClient } from '../kube/client.ts';
import { NAMESPACES } from '../kube/calls.ts';
import { type Resource, resourcePath } from '../kube/request.ts';
import { OWNED_KINDS, OWNED_SELECTOR, type OwnedKind, ownedKind } from '../owned/kinds.ts';
import { pkiMaterial } from '../pki/material.ts';
import { apiErrorCause } from '../telemetry/api-error.ts';
import type { ControllerMetrics } from '../telemetry/metrics.ts';
import type { AdmissionEntry } from '../webhook/admission.ts';
import { type WebhookServer, cachesReadiness, startWebhookServer } from '../webhook/server.ts';
import type { ShootWebhookSettings } from '../vpn-shoot/shoot-webhooks.ts';
import { ClusterWatch, RESTART_BACKOFF } from './cluster-watch.ts';
import type { ControllerConfig, ShootWebhookConfig } from './config.ts';
import { LeaderElector } from './leader-election.ts';
import { Reconciler } from './reconciler.ts';
import { ListWatch } from './list-watch.ts';
import { ObjectCache } from './object-cache.ts';
import { kubeShootApi } from './shoot-api.ts';
import { SharedData } from './shared-data.ts';
import { ShootPlans } from './shoot-plans.ts';
import { WorkQueue } from './work-queue.ts';

const DEFAULT_WATCH_GRACE_SECONDS = 30;
/** Objects per list page of the owned kinds (client-go's informers ask for 500). */
const OWNED_PAGE_SIZE = 500;

export interface RunningController {
  readonly plans: ShootPlans;
  readonly webhookPort: number;
  readonly statusPort: number;
  readonly leading: () => boolean;
  /** Resolves when every queued reconciliation has run (for tests and benchmarks). */
  readonly settled: () => Promise<void>;
  stop(): Promise<void>;
}

/**
 * Wires the controller: the Cluster watch feeds the plans; every replica serves the webhook from them; only the
 * Lease holder reconciles (ConfigMaps, the Deployment touch), on each change and on a periodic resync.
 */
export async function startController(
  config: ControllerConfig,
  api: KubeClient,
  logger: Logger,
  metrics: ControllerMetrics,
  /** When certificates are judged due; tests move it forward. */
  clock: () => Date = () => new Date(),
): Promise<RunningController> {
  let synced = false;
  const server = api.server;
  const restartBackoff = config.restartBackoff ?? RESTART_BACKOFF;
  const streams: ListWatch<KubernetesObject>[] = [];
  /** A cache of one resource's objects with `labelSelector`, kept by a list/watch that starts with the others. */
  const informer = (what: string, resource: Resource, labelSelector: string): ObjectCache => {
    const cache = new ObjectCache();
    streams.push(new ListWatch(api, cache, logger, { what, path: resourcePath(resource), labelSelector, pageSize: OWNED_PAGE_SIZE, retry: restartBackoff }));
    return cache;
  };
  // One informer per owned kind, on our label only: the reconciler and the webhook read these caches.
  const monitoring = config.shootMonitoring === 'gardener';
  const informers = new Map<OwnedKind, ObjectCache>(
    OWNED_KINDS.filter((kind) => monitoring || !kind.gardenerMonitoring).map((kind) => [kind, informer(kind.kind, kind.resource, OWNED_SELECTOR)]),
  );
  // A kind without an informer (shoot monitoring off) has no objects the controller could own.
  const cached = (kind: OwnedKind, namespace: string): readonly KubernetesObject[] => informers.get(kind)?.list(namespace) ?? [];
  const pki = pkiMaterial(config.injection, clock);
  // Automatic mode: the namespaces the controller labelled for the webhook (only those; the label is the selector).
  const marksNamespaces = config.injection.extensionType === undefined;
  const namespaces = marksNamespaces ? informer('Namespace', NAMESPACES, WEBHOOK_NAMESPACE_SELECTOR) : undefined;
  const reconciler = new Reconciler(
    kubeShootApi(api, config.leaseName, cached, (namespace) => namespaces?.get(namespace) !== undefined),
    logger,
    async (namespace, live) => ({ ...(await pki(namespace, live)), shootWebhook: shootWebhookSettings(config.shootWebhook), monitoring }),
    { onDrift: (_namespace, kind) => metrics.driftRepairs.inc({ kind }), marksNamespaces },
  );
  const queue = new WorkQueue({
    worker: async (namespace) => {
      if (!elector.leading) return;
      await reconciler.reconcile(namespace, plans.lookup(namespace));
      metrics.reconciles.inc({ result: 'success' });
    },
    onError: (namespace, error) => {
      metrics.reconciles.inc({ result: 'failure' });
      metrics.reconcileErrors.inc();
      logger.warn({ namespace, server, cause: apiErrorCause(error) }, 'reconcile failed; will retry');
    },
  });
  const plans = new ShootPlans(config.injection, metrics, (namespace) => {
    if (elector.leading) queue.add(namespace);
  });
  // The informers hand over the object they cache, before anything reads it.
  const shared = new SharedData();
  for (const informer of informers.values()) for (const event of ['add', 'update'] as const) informer.on(event, (object) => shared.share(object));
  // Someone deleting or editing an object of ours is repaired at once, not at the next resync. Our own writes
  // come back here too; their reconcile finds nothing to do.
  for (const informer of informers.values()) {
    for (const event of ['update', 'delete'] as const) {
      informer.on(event, (object) => {
        const namespace = object.metadata?.namespace;
        if (namespace && elector.leading && plans.lookup(namespace).state !== 'unknown') queue.add(namespace);
      });
    }
  }
  const elector = new LeaderElector(
    api,
    {
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      leaseSeconds: config.leaseSeconds,
      retryMs: Math.max(500, (config.leaseSeconds * 1000) / 5),
      onStartedLeading: () => {
        metrics.leader.set(1);
        for (const namespace of plans.namespaces()) queue.add(namespace);
      },
      onStoppedLeading: () => metrics.leader.set(0),
    },
    logger,
  );

  const clusters = new ClusterWatch(api, plans, logger, restartBackoff);

  // Ready only while the plans can be trusted: synced once, and the Cluster watch not broken for longer than
  // a reconnect takes. The webhook keeps answering for shoots it knows (see lookup) even when not ready.
  const watchGraceMs = (config.watchGraceSeconds ?? DEFAULT_WATCH_GRACE_SECONDS) * 1000;
  const isSynced = (): boolean => synced;
  const readiness = (): Readiness => {
    if (!synced) return cachesReadiness(false);
    const broken = clusters.brokenForMs();
    if (broken > watchGraceMs) return { ready: false, reason: `not ready: the Cluster watch has been broken for ${Math.round(broken / 1000)} s` };
    return cachesReadiness(true);
  };
  const lookup = (namespace: string): AdmissionEntry => {
    const entry = plans.lookup(namespace);
    const broken = clusters.brokenForMs();
    if (entry.state !== 'unknown' || broken === 0) return entry;
    return { state: 'unavailable', reason: `the Cluster watch has been broken for ${Math.round(broken / 1000)} s` };
  };
  const status = await startProbeServer({ address: config.statusAddress, registry: metrics.registry, readiness });
  let webhook: WebhookServer;
  try {
    webhook = await startWebhookServer({
      ...config.webhookAddress,
      certFile: config.certFile,
      keyFile: config.keyFile,
      lookup,
      objects: (namespace, ref) => {
        const [kind, name] = ref.split('/') as [string, string];
        return informers.get(ownedKind(kind))!.get(name, namespace);
      },
      metrics,
      logger,
      isReady: isSynced,
      shootAgent: config.shootWebhook.agent,
    });
  } catch (error) {
    await status.close();
    throw error;
  }

  await Promise.all([clusters.start(), ...streams.map((stream) => stream.start())]);
  synced = true;
  logger.info({ clusters: plans.namespaces().length }, 'Cluster cache synced; webhook ready');
  elector.start();
  const resync = setInterval(() => {
    if (elector.leading) for (const namespace of plans.namespaces()) queue.add(namespace);
  }, config.resyncSeconds * 1000);
  resync.unref();

  return {
    plans,
    webhookPort: webhook.port,
    statusPort: status.port,
    leading: () => elector.leading,
    settled: () => queue.idle(),
    async stop() {
      clearInterval(resync);
      queue.stop();
      await elector.stop();
      clusters.stop();
      for (const stream of streams) stream.stop();
      await webhook.close();
      await status.close();
    },
  };
}

/** The CA is read whenever a shoot's objects are built, so a rotated CA reaches the shoots on the next resync. */
function shootWebhookSettings(config: ShootWebhookConfig): ShootWebhookSettings {
  let caBundle: string;
  try {
    caBundle = readFileSync(config.caFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError('--tls-ca-file', config.caFile, `cannot be read (${code}); the webhook in each shoot needs the CA of the serving certificate`);
  }
  return { baseUrl: config.baseUrl, caBundle, timeoutSeconds: config.timeoutSeconds };
}
