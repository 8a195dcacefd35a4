import { isDeepStrictEqual } from 'node:util';
import { deploymentPatch } from '../inject/patch.ts';
import { type VpnShootOutcome, mutateVpnShoot } from '../vpn-shoot/mutate-vpn-shoot.ts';
import { VPN_SHOOT, VPN_SHOOT_NAMESPACE } from '../vpn-shoot/names.ts';
import type { ShootAgentSettings, VpnShootWorkload } from '../vpn-shoot/shoot-agent.ts';
import { type AdmissionRequest, parseRequest, respond } from './admission.ts';

export interface VpnShootAdmissionResult {
  /** The AdmissionReview v1 to send back. */
  readonly review: Record<string, unknown>;
  readonly outcome: VpnShootOutcome;
  readonly detail: string;
  /**
   * The admitted spec differs from the stored one. gardener-resource-manager writes vpn-shoot without the sidecar on
   * every sync and gets it back here: worth a debug line, not an info line each minute.
   */
  readonly changesStored: boolean;
}

function isVpnShootWrite(request: AdmissionRequest): boolean {
  const object = request.object as VpnShootWorkload | undefined;
  return (
    request.kind?.group === 'apps' &&
    (request.kind.kind === 'StatefulSet' || request.kind.kind === 'Deployment') &&
    (request.operation === 'CREATE' || request.operation === 'UPDATE') &&
    request.namespace === VPN_SHOOT_NAMESPACE &&
    (object?.metadata?.name ?? request.name) === VPN_SHOOT
  );
}

/**
 * Answers one AdmissionReview from a shoot's kube-apiserver for its vpn-shoot. Always allows: a vpn-shoot that
 * cannot get an agent is admitted without one and the reason returned as a warning (gardener-resource-manager
 * logs it), because refusing would keep Gardener from updating the shoot's VPN over a problem of ours.
 */
export function admitVpnShoot(body: unknown, settings: ShootAgentSettings): VpnShootAdmissionResult {
  const request = parseRequest(body);
  if (!isVpnShootWrite(request)) {
    return { review: respond(request.uid, undefined), outcome: 'unchanged', detail: 'not a write of kube-system/vpn-shoot', changesStored: false };
  }
  const original = request.object as VpnShootWorkload;
  const { object, outcome, detail } = mutateVpnShoot(original, settings);
  const patch = object === original ? undefined : deploymentPatch(original, object);
  const warnings = outcome === 'refused' ? [`overlap: ${detail}`] : [];
  const stored = request.oldObject as VpnShootWorkload | null | undefined;
  const changesStored = !stored || !isDeepStrictEqual(object.spec, stored.spec);
  return { review: respond(request.uid, patch, warnings), outcome, detail, changesStored };
}
