// The one esbuild setup every app uses: a single ESM file per entry point for Node 24, the package version
// compiled in, and `require` provided for CommonJS dependencies (pino and others call it for Node built-ins).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Plugin, build } from 'esbuild';

/**
 * prom-client's index loads its Pushgateway, and with it node:https and node:zlib, in every app; none of them
 * pushes (Prometheus scrapes them). In the bundles it is a class that says so when made.
 */
const withoutPushgateway: Plugin = {
  name: 'without-prom-client-pushgateway',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\/lib\/pushgateway$/ }, (args) =>
      /[\\/]prom-client[\\/]index\.js$/.test(args.importer) ? { path: 'prom-client-pushgateway', namespace: 'left-out' } : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({
      contents:
        "module.exports = class Pushgateway { constructor() { throw new Error('prom-client Pushgateway is left out of this bundle (tools/setup/bundle-app.ts)'); } };",
      loader: 'js',
    }));
  },
};

/**
 * Node keeps a module's source in memory as one string, one byte per character only while the whole file is ASCII:
 * a few `’` in undici's comments doubled the controller's 9 MB bundle to 18 MB of memory. esbuild escapes non-ASCII
 * characters in strings and names (charset 'ascii') but copies comments and regular expression literals as they
 * are; `\uXXXX` per UTF-16 unit means the same in a regular expression and is harmless in a comment.
 */
const asciiOnly = (text: string): string => text.replace(/[\u0080-\uffff]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * `splitting`: code reached only through `import()` goes into dist/chunks/ and is read when first imported, so a
 * command that never imports it does not pay for compiling it (the CLI's client-node for `uninstall`). Chunk names
 * carry a content hash, so the folder is emptied first: stale chunks of earlier builds would otherwise ship in images.
 * `minifyWhitespace`: without comments and indentation, for a long-running process whose source V8 keeps in memory
 * (the controller's 9 MB bundle becomes 4.7 MB); its stack traces then point into long lines (the .map resolves them).
 * `forbidden`: packages none of whose code may end up in these bundles (type-only imports are erased and pass): the
 * build fails naming the files that pulled one in, so a footprint won once is not lost by one import.
 */
export async function bundleApp(
  root: string,
  entryPoints: Record<string, string>,
  options: { splitting?: boolean; minifyWhitespace?: boolean; forbidden?: readonly string[] } = {},
): Promise<void> {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  if (options.splitting) rmSync(join(root, 'dist/chunks'), { recursive: true, force: true });
  const result = await build({
    charset: 'ascii',
    metafile: true,
    entryPoints: Object.fromEntries(Object.entries(entryPoints).map(([name, file]) => [name, join(root, file)])),
    outdir: join(root, 'dist'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    sourcemap: 'linked',
    logLevel: 'warning',
    ...(options.splitting ? { splitting: true, chunkNames: 'chunks/[name]-[hash]' } : {}),
    minifyWhitespace: options.minifyWhitespace ?? false,
    define: { __OVERLAP_VERSION__: JSON.stringify(version) },
    plugins: [withoutPushgateway],
    banner: { js: "import { createRequire as __overlapRequire } from 'node:module'; const require = __overlapRequire(import.meta.url);" },
  });
  const isForbidden = (input: string): boolean => (options.forbidden ?? []).some((name) => input.includes(`node_modules/${name}/`));
  const inputs = Object.keys(result.metafile.inputs);
  if (inputs.some(isForbidden)) {
    // Where the forbidden code comes in: the files outside it that import it.
    const entrances = Object.entries(result.metafile.inputs)
      .filter(([input, { imports }]) => !isForbidden(input) && imports.some((imported) => isForbidden(imported.path)))
      .map(([input]) => input);
    throw new Error(`${Object.keys(entryPoints).join(', ')}: ${options.forbidden?.join(', ')} must not be bundled, but is imported by ${entrances.join(', ')}`);
  }
  for (const file of Object.keys(result.metafile.outputs).filter((path) => path.endsWith('.js'))) {
    const text = readFileSync(file, 'utf8');
    const ascii = asciiOnly(text);
    if (ascii !== text) writeFileSync(file, ascii);
  }
}
