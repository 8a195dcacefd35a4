import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { egressSelectorConfiguration } from './egress-selector.ts';
import { envoyBootstrap } from './envoy-bootstrap.ts';
import { CONFIGMAP_PREFIX, EGRESS_FILE, ENVOY_CONFIG_FILE, MANAGED_BY, MANAGED_BY_LABEL, SHOOT_LABEL } from './names.ts';

export interface ControlPlaneConfigMaps {
  readonly envoy: V1ConfigMap;
  readonly egress: V1ConfigMap;
}

/** Repeated sub-objects are written out in full: Envoy's YAML loader is not the place to test anchors. */
function toYaml(value: unknown): string {
  return stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });
}

/**
 * Gardener's MakeUnique: the name carries the first 8 hex digits of the data's SHA-256 and the object is immutable,
 * so a pod always mounts exactly the content its template names, and a change is a new ConfigMap plus a rollout.
 */
export function uniqueConfigMap(
  prefix: string,
  namespace: string,
  data: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>> = {},
): V1ConfigMap {
  const hash = createHash('sha256');
  for (const key of Object.keys(data).sort()) hash.update(key).update('\0').update(data[key]!).update('\0');
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${prefix}-${hash.digest('hex').slice(0, 8)}`,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [SHOOT_LABEL]: namespace, ...labels },
    },
    immutable: true,
    data,
  };
}

/** The files are the same for every shoot: rendered once, shared by every plan (a seed may hold thousands). */
let rendered: { envoy: Readonly<Record<string, string>>; egress: Readonly<Record<string, string>> } | undefined;

export function controlPlaneConfigMaps(namespace: string): ControlPlaneConfigMaps {
  rendered ??= {
    envoy: Object.freeze({ [ENVOY_CONFIG_FILE]: toYaml(envoyBootstrap()) }),
    egress: Object.freeze({ [EGRESS_FILE]: toYaml(egressSelectorConfiguration()) }),
  };
  return {
    envoy: uniqueConfigMap(CONFIGMAP_PREFIX.envoy, namespace, rendered.envoy),
    egress: uniqueConfigMap(CONFIGMAP_PREFIX.egress, namespace, rendered.egress),
  };
}
