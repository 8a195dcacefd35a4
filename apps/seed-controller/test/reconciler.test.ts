import type { KubernetesObject } from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { cluster } from '@overlap/test-support';
import { Reconciler } from '../src/controller/reconciler.ts';
import type { ShootApi } from '../src/controller/shoot-api.ts';
import { DEFAULT_INJECTION_SETTINGS } from '../src/inject/settings.ts';
import type { OwnedKind } from '../src/owned/kinds.ts';
import { pkiMaterial } from '../src/pki/material.ts';
import { planShoot } from '../src/shoot/shoot-plan.ts';

const NAMESPACE = 'shoot--dev--lagging';
const entry = { state: 'planned', plan: planShoot(cluster({ name: NAMESPACE, pods: '10.1.0.0/16' }), DEFAULT_INJECTION_SETTINGS) } as const;

/** A shoot namespace whose informer cache shows only what the test lets it see, however late. */
function lagging() {
  const cache = new Map<string, KubernetesObject>();
  const written = new Map<string, KubernetesObject>();
  const calls: string[] = [];
  let resourceVersion = 0;
  const write = (verb: string, object: KubernetesObject) => {
    const ref = `${object.kind}/${object.metadata!.name}`;
    calls.push(`${verb} ${ref}`);
    written.set(ref, { ...object, metadata: { ...object.metadata, resourceVersion: String(++resourceVersion) } });
  };
  const api: ShootApi = {
    listOwned: (kind: OwnedKind) => [...cache.values()].filter((object) => object.kind === kind.kind),
    create: async (_kind, object) => {
      write('create', object);
      return 'created';
    },
    replace: async (_kind, object) => write('replace', object),
    delete: async (kind, _namespace, name) => void calls.push(`delete ${kind.kind}/${name}`),
    readDeployment: async () => undefined, // gardenlet has not created kube-apiserver yet
    annotateDeployment: async () => {
      throw new Error('no Deployment to annotate');
    },
    recordWarning: async () => undefined,
    namespaceMarked: () => true,
    markNamespace: async () => undefined,
  };
  /** The informer delivers every write so far. */
  const catchUp = () => {
    for (const [ref, object] of written) cache.set(ref, object);
  };
  return { api, cache, calls, catchUp };
}

describe('the reconciler while its informer cache lags behind its own writes', () => {
  it('neither creates nor issues twice, and counts only edits by others as drift', async () => {
    const { api, cache, calls, catchUp } = lagging();
    const drift: string[] = [];
    const reconciler = new Reconciler(
      api,
      pino({ level: 'silent' }),
      pkiMaterial(DEFAULT_INJECTION_SETTINGS, () => new Date()),
      {
        onDrift: (_namespace, kind) => drift.push(kind),
        marksNamespaces: false,
      },
    );
    await reconciler.reconcile(NAMESPACE, entry);
    expect(calls.splice(0).map((call) => call.split(' ')[0])).toEqual(Array(6).fill('create'));

    await reconciler.reconcile(NAMESPACE, entry); // the cache has seen none of it yet
    expect(calls).toEqual([]);
    catchUp();
    await reconciler.reconcile(NAMESPACE, entry);
    expect(calls).toEqual([]);
    expect(drift).toEqual([]);

    const bundle = cache.get('Secret/overlap-vpn-ca-bundle')! as KubernetesObject & { data: Record<string, string> };
    cache.set('Secret/overlap-vpn-ca-bundle', {
      ...bundle,
      data: { 'bundle.crt': 'ZWRpdGVk' },
      metadata: { ...bundle.metadata, resourceVersion: '99' },
    } as KubernetesObject);
    await reconciler.reconcile(NAMESPACE, entry);
    expect(calls).toEqual(['replace Secret/overlap-vpn-ca-bundle']);
    expect(drift).toEqual(['Secret']);
  });
});
