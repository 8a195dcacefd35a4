import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO } from './paths.ts';

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** An app's Dockerfile instructions: comments dropped, backslash continuations joined. */
export function dockerfileInstructions(app: string): Instruction[] {
  const text = readFileSync(join(REPO, 'apps', app, 'Dockerfile'), 'utf8');
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replaceAll(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.trim().split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** `COPY a b /dir/` → sources (relative to the app directory, the build context) and destination. */
export function copies(instructions: readonly Instruction[]): { sources: string[]; destination: string }[] {
  return instructions
    .filter((instruction) => instruction.keyword === 'COPY')
    .map((instruction) => {
      const parts = instruction.args.split(' ');
      return { sources: parts.slice(0, -1), destination: parts.at(-1) ?? '' };
    });
}

/**
 * The image's files without building the image: every COPY carried out under `root`, so a program started from
 * there finds only what the image would hold (no node_modules above it). Returns the ENTRYPOINT's script path
 * (after the Node flags).
 */
export function layOutImage(app: string, root: string): string {
  const instructions = dockerfileInstructions(app);
  for (const { sources, destination } of copies(instructions)) {
    for (const source of sources) {
      const target = destination.endsWith('/') ? join(root, destination, basename(source)) : join(root, destination);
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(join(REPO, 'apps', app, source), target, { recursive: true });
    }
  }
  const entrypoint = JSON.parse(instructions.find((instruction) => instruction.keyword === 'ENTRYPOINT')?.args ?? '[]') as string[];
  // ["node", …Node flags, SCRIPT]: the flags change memory and speed, not behaviour, so the script is what counts here.
  const script = entrypoint.at(-1);
  if (entrypoint[0] !== 'node' || entrypoint.length < 2 || script === undefined) throw new Error(`${app}: ENTRYPOINT is not ["node", …flags, SCRIPT]`);
  return join(root, script);
}
