// The import rules of the house, checked by dependency-cruiser over every file of every project (src, test, bench,
// build.ts, the vitest configurations, tools, deploy): `npx depcruise packages apps tools deploy` (./dev lint and
// ./dev test run it). A project is a folder with a package.json: packages/*, apps/*, tools/*, deploy.
const PROJECT = '(packages/[^/]+|apps/[^/]+|tools/[^/]+|deploy)';
const ANY_PROJECT = PROJECT.replace('(', '(?:');
const OTHER_PROJECT = { pathNot: '^$1/' };

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Arrows point one way only: a cycle means two modules are one responsibility, or one depends on the other too.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing fails at run time (a file moved, a package not installed).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-other-projects-tests',
      comment:
        "Test helpers and benchmarks belong to their project; what several projects' tests share lives in a package of its own (@overlap/test-support), imported by name.",
      severity: 'error',
      from: { path: `^${PROJECT}/` },
      to: { path: `^${ANY_PROJECT}/(?:test|bench)/`, ...OTHER_PROJECT },
    },
    {
      name: 'no-deep-imports',
      comment: 'Another project is reached through its public API, src/index.ts, never through a file inside it.',
      severity: 'error',
      from: { path: `^${PROJECT}/` },
      to: { path: `^${ANY_PROJECT}/`, pathNot: ['^$1/', `^${ANY_PROJECT}/(?:test|bench|src/index\\.ts$)`] },
    },
    {
      name: 'by-package-name',
      comment:
        "Another project's API is imported by its package name (@overlap/<name>), never by a relative path: nx learns the edges between projects from the package names in package.json.",
      severity: 'error',
      from: { path: `^${PROJECT}/` },
      to: { path: `^${ANY_PROJECT}/src/index\\.ts$`, ...OTHER_PROJECT, dependencyTypes: ['local'] },
    },
    {
      name: 'production-not-to-test-code',
      comment:
        "What ships (the src/ of packages, apps, deploy) imports neither tests, benchmarks nor the test-only package. The tools are test harnesses (the lab is the e2e suite's), and test-support's own src/ is test code.",
      severity: 'error',
      from: { path: '^(?:packages/[^/]+|apps/[^/]+|deploy)/src/', pathNot: '^packages/test-support/' },
      to: { path: [`^${ANY_PROJECT}/(?:test|bench)/`, '^packages/test-support/'] },
    },
    {
      name: 'production-not-to-tools',
      comment: 'What ships (packages, apps, deploy) never imports the tools (lab, benchmarks, build and test setup).',
      severity: 'error',
      from: { path: '^(?:packages/[^/]+|apps/[^/]+|deploy)/src/' },
      to: { path: '^tools/' },
    },
    {
      name: 'production-only-own-dependencies',
      comment:
        "Production code imports only its own package's dependencies (types included: they are its API), never a devDependency (not installed where the package runs, not meant for the bundle) nor a package it does not declare (the root's tooling).",
      severity: 'error',
      from: { path: `^${PROJECT}/src/` },
      to: { dependencyTypes: ['npm-dev', 'npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript compiler API for dependency-cruiser to parse with; swc parses TypeScript, and
    // keeps type-only imports as edges (a cycle of types is still a cycle, and a type is part of an API).
    // tsPreCompilationDeps would ask for the TypeScript compiler on top, which is not there.
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    exclude: { path: `^${ANY_PROJECT}/(?:dist|\\.reports)/` },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.json'],
    },
  },
};
