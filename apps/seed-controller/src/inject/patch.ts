import type { V1Deployment } from '@kubernetes/client-node';
import jsonPatch, { type Operation } from 'fast-json-patch';

export type JsonPatch = Operation[];

/** The RFC 6902 patch turning `from` into `to`, as an AdmissionResponse carries it. */
export function deploymentPatch(from: V1Deployment, to: V1Deployment): JsonPatch {
  return jsonPatch.compare(from as object, to as object);
}
