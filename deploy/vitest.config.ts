import { defineConfig } from 'vitest/config';

// The scrape test starts real processes on a shared 2-core machine; the limits only stop a hung test.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000 } });
