export { bundleApp } from './bundle-app.ts';
export { imageNodeFlags } from './image-node-flags.ts';
export { testSuite } from './test-suite.ts';
