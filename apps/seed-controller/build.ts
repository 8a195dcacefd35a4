// Bundles the two programs: dist/controller.js (one file) and dist/overlap.js (the CLI), whose commands that talk to
// a cluster or issue certificates load their code from dist/chunks/ only when run, so `overlap plan` starts fast.
import { bundleApp } from '@overlap/setup';

await bundleApp(import.meta.dirname, { controller: 'src/controller-main.ts' });
await bundleApp(import.meta.dirname, { overlap: 'src/cli/overlap.ts' }, { splitting: true });
