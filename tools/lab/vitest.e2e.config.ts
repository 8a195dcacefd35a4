import { testSuite } from '@overlap/setup';

// One lab at a time: the suite builds real namespaces and processes, and the machine has two cores.
export default testSuite('e2e', { fileParallelism: false, testTimeout: 120_000, hookTimeout: 180_000 });
