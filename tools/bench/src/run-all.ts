// Runs every `bench/*.ts` of every project, one after another (they measure, so they must not compete for the
// two cores), and writes what they print into docs/BENCHMARKS.md with the machine it ran on.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '../../..');
const groups = ['packages', 'apps', 'tools'];
const only = process.argv.slice(2);

const scripts = groups
  .flatMap((group) => readdirSync(join(root, group)).map((project) => join(root, group, project, 'bench')))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => join(dir, f)),
  )
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)));

const sections: string[] = [];
let failures = 0;
for (const file of scripts) {
  const name = relative(root, file);
  process.stderr.write(`bench: ${name}\n`);
  const started = Date.now();
  const run = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 15 * 60_000 });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = run.status === 0;
  if (!ok) failures += 1;
  process.stderr.write(run.stderr.split('\n').slice(-5).join('\n'));
  sections.push(
    `## ${name}\n\nCommand: \`node ${name}\` (${seconds} s${ok ? '' : `, FAILED with exit ${run.status ?? run.signal}`})\n\n${run.stdout.trim()}\n`,
  );
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const header = [
  '# Benchmarks',
  '',
  'Written by `./dev bench` (all benchmarks, one after another). Figures are from one run on the machine below;',
  'they are for comparing alternatives measured in the same run, not absolute promises.',
  '',
  `- When: ${new Date().toISOString()}`,
  `- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.versions.node}`,
  '',
].join('\n');
writeFileSync(join(root, 'docs/BENCHMARKS.md'), `${header}\n${sections.join('\n')}`);
process.stderr.write(`bench: wrote docs/BENCHMARKS.md (${scripts.length} scripts, ${failures} failed)\n`);
process.exit(failures > 0 ? 1 : 0);
