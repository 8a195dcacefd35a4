export {
  type Address,
  type Cidr,
  type Family,
  blockSize,
  containsAddress,
  familyOf,
  formatAddress,
  lastAddress,
  makeCidr,
  overlaps,
  overlapsAny,
  parseAddress,
  parseCidr,
  MAX_NETWORKS_PER_LIST,
  parseCidrList,
} from './cidr.ts';
export { type Kind, KINDS, MAPPED_RANGE, RESERVED_RANGES, UNROUTABLE_RANGES, assertNotReserved } from './reserved.ts';
export {
  type NetworkFields,
  type Networks,
  type RawNetworks,
  type ShootKind,
  ENV_FIELDS,
  SHOOT_KINDS,
  networksToEnv,
  parseNetworks,
} from './networks.ts';
export { type OverlapDecision, decideOverlap } from './decision.ts';
export { type Mapping, type MappingPlan, mapSeedPods, packKind, planMappings, tryPlanMappings } from './packing.ts';
export { UnmappedAddressError, translate, untranslate } from './translate.ts';
