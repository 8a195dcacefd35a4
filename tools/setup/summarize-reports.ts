// Adds up the vitest JSON reports of every project (one file per run: test.json, e2e.json) into the one closing line
// CI reads.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

const groups = ['packages', 'apps', 'tools', 'deploy'];
const reports = groups.flatMap((group) => {
  const dirs = group === 'deploy' ? ['.'] : existsSync(group) ? readdirSync(group) : [];
  return dirs
    .map((dir) => join(group, dir, '.reports'))
    .filter((reportDir) => existsSync(reportDir))
    .flatMap((reportDir) =>
      readdirSync(reportDir)
        .filter((name) => name.endsWith('.json'))
        .sort()
        .map((name) => join(reportDir, name)),
    )
    .map((file) => ({ file, report: JSON.parse(readFileSync(file, 'utf8')) as VitestReport }));
});

let passed = 0;
let failed = 0;
let skipped = 0;
for (const { file, report } of reports) {
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
if (reports.length === 0) console.log('no test reports found');
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || reports.length === 0 ? 1 : 0);
