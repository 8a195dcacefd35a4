import { execFileSync } from 'node:child_process';
import { renderKustomization, schemaProblems, manifestId, parseManifests } from './src/index.ts';
for (const dir of ['seed', 'shoot', 'monitoring', 'examples/seed', 'examples/shoot']) {
  try {
    const out = renderKustomization(dir);
    const probs = out.flatMap((m) => schemaProblems(m).map((p) => `${manifestId(m)} ${p}`));
    console.log(dir, out.length, probs);
    if (dir !== 'shoot') {
      const real = parseManifests(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }), dir);
      const a = new Map(out.map((m) => [manifestId(m), JSON.stringify(m)]));
      const b = new Map(real.map((m) => [manifestId(m), JSON.stringify(m)]));
      const canon = (s: string) => JSON.stringify(JSON.parse(s), (k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));
      for (const [id, v] of b) if (!a.has(id) || canon(a.get(id)!) !== canon(v)) console.log('DIFF', id, canon(a.get(id) ?? '{}').slice(0, 300), '\n', canon(v).slice(0, 300));
      for (const id of a.keys()) if (!b.has(id)) console.log('EXTRA', id);
    }
  } catch (e) { console.log(dir, 'ERR', (e as Error).message); }
}
