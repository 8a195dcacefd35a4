// The Node flags an image starts its program with, read from the Dockerfile's ENTRYPOINT, so that benchmarks run
// the bundle exactly as the container does (flags such as --lite-mode cannot come through NODE_OPTIONS).
import { readFileSync } from 'node:fs';

/** `ENTRYPOINT ["node", <flags…>, <script>]` → the flags. */
export function imageNodeFlags(dockerfile: string): string[] {
  const line = readFileSync(dockerfile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ENTRYPOINT '));
  const argv = line ? (JSON.parse(line.slice('ENTRYPOINT '.length)) as string[]) : [];
  if (argv[0] !== 'node' || argv.length < 2) throw new Error(`${dockerfile}: ENTRYPOINT is not ["node", …flags, script]`);
  return argv.slice(1, -1);
}
