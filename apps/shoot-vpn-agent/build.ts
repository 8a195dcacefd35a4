// Bundles the agent into one file, dist/main.js, so the image needs Node and nothing else.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

await build({
  entryPoints: [join(root, 'src/main.ts')],
  outfile: join(root, 'dist/main.js'),
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { __OVERLAP_VERSION__: JSON.stringify(version) },
  // pino and pino-pretty are CommonJS and call require() for Node's own modules.
  banner: { js: "import { createRequire as __overlapCreateRequire } from 'node:module'; const require = __overlapCreateRequire(import.meta.url);" },
});
