export { bundleApp } from './bundle-app.ts';
export { imageNodeFlags } from './image-node-flags.ts';
export { type SuiteTarget, testSuite } from './test-suite.ts';
