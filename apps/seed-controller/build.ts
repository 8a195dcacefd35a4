// Bundles the two programs into single files: dist/controller.js and dist/overlap.js (the CLI).
import { bundleApp } from '../../tools/setup/bundle-app.ts';

await bundleApp(import.meta.dirname, { controller: 'src/controller-main.ts', overlap: 'src/cli/overlap.ts' });
