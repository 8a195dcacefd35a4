export {
  type Cidr,
  type Family,
  blockSize,
  containsAddress,
  familyOf,
  formatAddress,
  lastAddress,
  makeCidr,
  overlaps,
  parseAddress,
  parseCidr,
  parseCidrList,
} from './cidr.ts';
export { type Kind, KINDS, MAPPED_RANGE, RESERVED_RANGES, UNROUTABLE_RANGES, assertNotReserved } from './reserved.ts';
export {
  type NetworkFields,
  type Networks,
  type ShootKind,
  ENV_FIELDS,
  SHOOT_KINDS,
  networksToEnv,
  parseNetworks,
} from './networks.ts';
export { type OverlapDecision, decideOverlap } from './decision.ts';
export { type Mapping, mapSeedPods, packKind, planMappings, tryPlanMappings } from './packing.ts';
export { translate, untranslate } from './translate.ts';
