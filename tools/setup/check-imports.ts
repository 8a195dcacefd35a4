// The import rules of the house, checked over every project's src/: no circular imports, and other packages only
// through their public API (`@overlap/<name>`, never a path inside them). Prints each violation; exit 1 if any.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const projects = ['packages', 'apps', 'tools']
  .flatMap((group) => (existsSync(join(root, group)) ? readdirSync(join(root, group)).map((p) => join(root, group, p)) : []))
  .filter((dir) => existsSync(join(dir, 'src')));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const importPattern = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
const graph = new Map<string, string[]>();
const problems: string[] = [];

for (const project of projects) {
  for (const file of sourceFiles(join(project, 'src'))) {
    const edges: string[] = [];
    for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
      const spec = match[1] ?? match[2] ?? '';
      if (spec.startsWith('.')) edges.push(resolve(dirname(file), spec));
      else if (/^@overlap\/[^/]+\/./.test(spec)) problems.push(`${relative(root, file)}: imports ${spec}; use the package's public API`);
    }
    graph.set(file, edges);
  }
}

// Depth-first search with colours; a grey node reached again closes a cycle.
const colour = new Map<string, 'grey' | 'black'>();
function visit(file: string, path: string[]): void {
  colour.set(file, 'grey');
  for (const next of graph.get(file) ?? []) {
    if (colour.get(next) === 'grey') {
      const cycle = [...path.slice(path.indexOf(next)), next].map((f) => relative(root, f));
      problems.push(`circular import: ${cycle.join(' → ')}`);
    } else if (!colour.has(next) && graph.has(next)) {
      visit(next, [...path, next]);
    }
  }
  colour.set(file, 'black');
}
for (const file of graph.keys()) if (!colour.has(file)) visit(file, [file]);

for (const problem of problems) console.error(problem);
console.log(`imports: ${graph.size} files checked, ${problems.length} problems`);
process.exit(problems.length > 0 ? 1 : 0);
