// Bundles the agent into one file, dist/main.js, so the image needs Node and nothing else.
import { bundleApp } from '@overlap/setup';

await bundleApp(import.meta.dirname, { main: 'src/main.ts' });
