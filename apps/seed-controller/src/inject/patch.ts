import jsonPatch, { type Operation } from 'fast-json-patch';

export type JsonPatch = Operation[];

/** The RFC 6902 patch turning `from` into `to` (a Deployment, or vpn-shoot's StatefulSet), as an AdmissionResponse carries it. */
export function deploymentPatch(from: object, to: object): JsonPatch {
  return jsonPatch.compare(from, to);
}
