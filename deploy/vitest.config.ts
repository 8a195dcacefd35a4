import { testSuite } from '@overlap/setup';

// promtool and kustomize run as real processes on a shared 2-core machine; the limits only stop a hung test.
export default testSuite('test', { testTimeout: 120_000 });
