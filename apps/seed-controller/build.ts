// Bundles the two programs into single files (CONTRACTS.md: apps/<app>/dist/*.js, node24, esm).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = import.meta.dirname;
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

await build({
  entryPoints: {
    controller: join(root, 'src/controller-main.ts'),
    overlap: join(root, 'src/cli/overlap.ts'),
  },
  outdir: join(root, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __OVERLAP_VERSION__: JSON.stringify(version) },
  // Some dependencies are CommonJS and call require() for Node built-ins, which an ES module lacks.
  banner: { js: "import { createRequire as __overlapRequire } from 'node:module'; const require = __overlapRequire(import.meta.url);" },
});
