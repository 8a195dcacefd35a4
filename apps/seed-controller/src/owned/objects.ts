import type { KubernetesObject } from '@kubernetes/client-node';
import { pkiSecrets } from '../pki/secrets.ts';
import type { ShootPki } from '../pki/shoot-pki.ts';
import type { ShootPlan } from '../shoot/shoot-plan.ts';
import type { OwnedKind } from './kinds.ts';

/** What a builder may use besides the plan: state that lives in the cluster, such as issued keys. None in a dry run. */
export interface ShootMaterial {
  readonly pki?: ShootPki;
}

/** Reads (and renews) a shoot's material, given the objects of ours its namespace holds now. */
export type MaterialSource = (
  namespace: string,
  live: (kind: OwnedKind) => readonly KubernetesObject[],
) => Promise<ShootMaterial>;

/** One kind of owned object for one shoot: the objects it wants, as full manifests with the owned labels. */
export type ObjectBuilder = (plan: ShootPlan, material: ShootMaterial) => readonly KubernetesObject[];

/** The ConfigMaps the injection mounts (content-named, immutable). */
const configMaps: ObjectBuilder = (plan) => (plan.configMaps ? [plan.configMaps.envoy, plan.configMaps.egress] : []);

/** The shoot's CA, CA bundle, Envoy's serving and kube-apiserver's client certificate. */
const secrets: ObjectBuilder = (plan, material) => pkiSecrets(plan, material.pki);

/** Every builder, in the order the objects are created (what a later object refers to comes first). */
export const OBJECT_BUILDERS: readonly ObjectBuilder[] = [configMaps, secrets];

/** Every object the controller creates or keeps for one shoot; none for a shoot without an injection. */
export function ownedObjects(plan: ShootPlan, material: ShootMaterial): KubernetesObject[] {
  return OBJECT_BUILDERS.flatMap((build) => build(plan, material));
}
