import { testSuite } from '@overlap/setup';

// The kernel tests run dozens of iptables/nft/ip processes each; on a loaded two-core machine that can take longer
// than vitest's default five seconds, which would fail them for being slow rather than wrong.
export default testSuite('test-kernel', { testTimeout: 60_000, hookTimeout: 60_000 });
