import { defineConfig } from 'vitest/config';

// One lab at a time: the suite builds real namespaces and processes, and the machine has two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
