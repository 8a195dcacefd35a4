// Runs every `bench/*.ts` of every project, one after another (they measure, so they must not compete for the
// two cores), and writes what they print into docs/BENCHMARKS.md with the machine it ran on. `./dev bench NAME…`
// runs only the benchmarks whose path contains a NAME and replaces just their sections, each stamped with its run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

const output = join(root, 'docs/BENCHMARKS.md');
const sections = new Map<string, string>();
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
  const when = only.length > 0 ? `, run alone ${new Date().toISOString()}` : '';
  sections.set(
    name,
    `## ${name}\n\nCommand: \`node ${name}\` (${seconds} s${when}${ok ? '' : `, FAILED with exit ${run.status ?? run.signal}`})\n\n${run.stdout.trim()}\n`,
  );
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const header = [
  '# Benchmarks',
  '',
  'Written by `./dev bench` (all benchmarks, one after another). Figures are from one run on the machine below;',
  'they are for comparing alternatives measured in the same run, not absolute promises. A section marked "run alone"',
  'was measured again later by `./dev bench NAME` on the same machine.',
  '',
  `- When: ${new Date().toISOString()}`,
  `- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, Node ${process.versions.node}`,
  '',
].join('\n');
/** The sections of the file as it is, by benchmark path: kept where this run did not replace them. */
function sectionsOnFile(): Map<string, string> {
  if (only.length === 0 || !existsSync(output)) return new Map();
  const text = readFileSync(output, 'utf8');
  const starts = [...text.matchAll(/^## (\S+)$/gm)];
  return new Map(
    starts.map((match, i) => [
      match[1] ?? '',
      text
        .slice(match.index, starts[i + 1]?.index ?? text.length)
        .trimEnd()
        .concat('\n'),
    ]),
  );
}
const kept = sectionsOnFile();
const ordered = [...kept.keys(), ...[...sections.keys()].filter((name) => !kept.has(name))].map((name) => sections.get(name) ?? kept.get(name) ?? '');
const previousHeader = only.length > 0 && existsSync(output) ? readFileSync(output, 'utf8').split(/^## /m)[0]?.trimEnd() : undefined;
writeFileSync(output, `${(previousHeader ?? header).trimEnd()}\n\n${ordered.join('\n')}`);
process.stderr.write(`bench: wrote docs/BENCHMARKS.md (${scripts.length} scripts, ${failures} failed)\n`);
process.exit(failures > 0 ? 1 : 0);
