import type { Cidr } from './cidr.ts';
import { overlaps } from './cidr.ts';
import { type Networks, SHOOT_KINDS, type ShootKind } from './networks.ts';

export interface OverlapDecision {
  readonly overlap: boolean;
  /** The shoot networks that overlap the seed pod network, in input order. */
  readonly overlapping: ReadonlyArray<{ readonly kind: ShootKind; readonly cidr: Cidr }>;
  /** One sentence an operator can read in a log line or an event. */
  readonly reason: string;
}

const KIND_LABEL: Record<ShootKind, string> = { pods: 'pod', services: 'service', nodes: 'node' };

/**
 * Gardener's predicate: the seed *pod* network against every shoot pod, service and node network. Seed services
 * and nodes do not count, so every component (controller and both agents) decides identically from the same env.
 */
export function decideOverlap(networks: Networks): OverlapDecision {
  const seed = networks.seedPods;
  if (!seed) return { overlap: false, overlapping: [], reason: 'the seed pod network is unknown, so nothing can overlap it' };
  const overlapping = SHOOT_KINDS.flatMap((kind) => networks[kind].filter((cidr) => overlaps(seed, cidr)).map((cidr) => ({ kind, cidr })));
  if (overlapping.length === 0) {
    return { overlap: false, overlapping, reason: `no shoot network overlaps the seed pod network ${seed.text}` };
  }
  const list = overlapping.map(({ kind, cidr }) => `shoot ${KIND_LABEL[kind]} network ${cidr.text}`).join(', ');
  return { overlap: true, overlapping, reason: `the seed pod network ${seed.text} overlaps ${list}` };
}
