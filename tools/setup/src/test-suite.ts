// The three kinds of test suite, one nx target each, told apart by file name. Only `test` is cached by nx: its
// result depends on nothing but the sources. `*.kernel.test.ts` needs root and the real kernel (network namespaces,
// iptables, nft, the built bundles) and `*.e2e.test.ts` builds whole labs, so theirs depends on the machine.
// Each run writes its own JSON report, .reports/<target>.json; tools/setup/summarize-reports.ts adds them all up.
import type { ViteUserConfig } from 'vitest/config';

type SuiteTarget = 'test' | 'test-kernel' | 'e2e';

const FILES: Record<SuiteTarget, string> = {
  test: 'test/**/*.test.ts',
  'test-kernel': 'test/**/*.kernel.test.ts',
  e2e: 'test/**/*.e2e.test.ts',
};

type TestOptions = NonNullable<ViteUserConfig['test']>;

/** The vitest configuration of one project's suite of one kind; `options` add to it (timeouts, parallelism). */
export function testSuite(target: SuiteTarget, options: TestOptions = {}): ViteUserConfig {
  return {
    test: {
      include: [FILES[target]],
      exclude: target === 'test' ? [FILES['test-kernel'], FILES.e2e] : [],
      reporters: ['default', 'json'],
      outputFile: { json: `.reports/${target}.json` },
      // On a shared two-core machine (and with the e2e suite running beside the others) a property test or one
      // that runs real processes can take longer than vitest's default 5 s without being wrong; the limits only
      // stop a hung test.
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...options,
    },
  };
}
