import type { KubernetesObject } from '@kubernetes/client-node';
import type { ShootPlan } from '../shoot/shoot-plan.ts';

/** What a builder may use besides the plan: state that lives in the cluster, such as issued keys. */
export interface ShootMaterial {}

/** One kind of owned object for one shoot: the objects it wants, as full manifests with the owned labels. */
export type ObjectBuilder = (plan: ShootPlan, material: ShootMaterial) => readonly KubernetesObject[];

/** The ConfigMaps the injection mounts (content-named, immutable). */
const configMaps: ObjectBuilder = (plan) => (plan.configMaps ? [plan.configMaps.envoy, plan.configMaps.egress] : []);

/** Every builder, in the order the objects are created (what a later object refers to comes first). */
export const OBJECT_BUILDERS: readonly ObjectBuilder[] = [configMaps];

/** Every object the controller creates or keeps for one shoot; none for a shoot without an injection. */
export function ownedObjects(plan: ShootPlan, material: ShootMaterial): KubernetesObject[] {
  return OBJECT_BUILDERS.flatMap((build) => build(plan, material));
}
