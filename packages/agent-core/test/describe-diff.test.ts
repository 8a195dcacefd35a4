import { EMPTY_LIVE_STATE, diffRules } from '@overlap/natrules';
import { describe, expect, it } from 'vitest';
import { describeDiff, parseAgentConfig, planAgent } from '../src/index.ts';

const plan = planAgent(parseAgentConfig('seed', { IS_HA: 'true', SEED_POD_NETWORK: '10.1.0.0/16', SHOOT_POD_NETWORKS: '10.1.0.0/16' }));

describe('describeDiff', () => {
  it('names only the kinds of difference present, with their counts', () => {
    const diff = diffRules(plan.desired, EMPTY_LIVE_STATE('iptables'));
    expect(describeDiff(diff)).toBe(`${plan.desired.rules.length} missing, 3 jumps missing`);
  });

  it('says "in sync" when there is nothing to do', () => {
    expect(describeDiff(diffRules({ role: 'seed', rules: [] }, EMPTY_LIVE_STATE('nftables')))).toBe('in sync');
  });
});
