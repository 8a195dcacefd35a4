// Bundles the two programs: dist/controller.js (one file) and dist/overlap.js (the CLI), whose commands that talk to
// a cluster or issue certificates load their code from dist/chunks/ only when run, so `overlap plan` starts fast.
// The controller runs for months with its source in memory: whitespace and comments are left out of it, and so is
// client-node (tens of MiB once loaded; the controller has its own small client, src/kube/client.ts): the build
// fails if any of its code gets in again. The CLI keeps client-node's kubeconfig loader and pod exec.
import { bundleApp } from '@overlap/setup';

await bundleApp(import.meta.dirname, { controller: 'src/controller-main.ts' }, { minifyWhitespace: true, forbidden: ['@kubernetes/client-node'] });
await bundleApp(import.meta.dirname, { overlap: 'src/cli/overlap.ts' }, { splitting: true });
