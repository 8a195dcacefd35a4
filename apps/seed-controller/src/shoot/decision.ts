import { type OverlapDecision, decideOverlap } from '@overlap/cidr';
import type { ShootFacts } from './shoot-facts.ts';

/** Whether the controller injects Envoy, the egress selector and the seed agent, and the sentence saying why. */
export interface InjectionDecision {
  readonly inject: boolean;
  readonly reason: string;
  readonly overlap: OverlapDecision;
}

/** CONTRACTS.md: inject iff HA VPN and an overlap; everything else is Gardener's own business. */
export function decideInjection(facts: ShootFacts, extensionType?: string): InjectionDecision {
  const overlap = decideOverlap(facts.networks);
  const skip = (reason: string): InjectionDecision => ({ inject: false, reason, overlap });
  // Opt-in mode: the seed webhook only sees namespaces of shoots that enable the extension, so only those get one.
  if (extensionType && !facts.extensions.includes(extensionType)) {
    return skip(`the shoot does not enable the extension type ${extensionType} (spec.extensions), which this seed requires`);
  }
  if (!facts.hasSeed) return skip('the Cluster has no seed (self-hosted shoot), so there is no VPN');
  if (!facts.hasWorkers) return skip('the shoot has no workers, so Gardener runs no VPN for it');
  if (!facts.haVpn) {
    return skip(`the shoot's VPN is not HA (${facts.haVpnSource}); Gardener's vpn-seed-server translates for it`);
  }
  if (!overlap.overlap) return skip(`HA VPN, but ${overlap.reason}`);
  return { inject: true, reason: `HA VPN (${facts.haVpnSource}) and ${overlap.reason}`, overlap };
}
