import { testSuite } from '@overlap/setup';

// The scrape test starts real processes on a shared 2-core machine; the limits only stop a hung test.
export default testSuite('test-kernel', { testTimeout: 120_000 });
