export {
  type Backend,
  type LiveRule,
  type LiveState,
  type MappingRef,
  type NatParams,
  type Role,
  type Route,
  type RouteDependency,
  type Rule,
  type RuleChains,
  type RuleDiff,
  type RuleSet,
  EMPTY_LIVE_STATE,
  ruleKey,
} from './model.ts';
export { parseComment } from './comment.ts';
export { assertGid } from './params.ts';
export {
  TUNNEL_DEVICE_DEFAULTS,
  assertDevicePattern,
  assertInterfaceName,
  deviceMatches,
  isWildcard,
  nftDevice,
  parseDevicePattern,
} from './device.ts';
export { desiredIPv6Rules, desiredRoutes, desiredRuleChains, desiredRules, natRequired, routeDependencies } from './desired.ts';
export { iptablesRuleArgs, ownedChainName } from './iptables-args.ts';
export { parseIptablesSave } from './iptables-parse.ts';
export { parseNftJson } from './nft-parse.ts';
export { type LiveReading, createLiveParser, parseLive } from './live-parser.ts';
export { nftRuleText } from './nft-render.ts';
export { diffRules, keptRules } from './diff.ts';
export { APPLY_COMMAND, APPLY_COMMANDS, READ_COMMAND, READ_COMMANDS, renderApply, renderApplyLines, renderTeardown } from './render.ts';
