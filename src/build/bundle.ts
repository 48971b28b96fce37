/**
 * `npm run bundle`: the compiled CLI (dist/src, dist/checks) and its runtime dependencies as one
 * CommonJS file, dist/bin/kubelet-doctor.cjs, which runs with `node` and nothing else beside it.
 * It is also the main script of the single executable (sea.ts). Run after `tsc`.
 */
import {chmod, mkdir, readFile, rm} from 'node:fs/promises';
import {basename, dirname, join, relative} from 'node:path';
import {build} from 'esbuild';
import {LAYOUT, bundlePlugins, esmBundlePlugins, nonBuiltinRequires} from './bundle-plugins.js';

/** dist/: this file runs as dist/src/build/bundle.js (tests load it from src/build/, beside dist/). */
const up = join(import.meta.dirname, '../..');
export const DIST = basename(up) === 'dist' ? up : join(up, 'dist');
/** Where the bundle lands. */
export const BUNDLE = join(DIST, 'bin/kubelet-doctor.cjs');

/** Build the bundle; resolves to its size in bytes. */
export async function bundle(outfile = BUNDLE): Promise<number> {
  await mkdir(dirname(outfile), {recursive: true});
  const r = await build({
    ...LAYOUT,
    entryPoints: [join(DIST, 'src/build/cli-entry.js')],
    outfile,
    banner: {js: '#!/usr/bin/env node'},
    plugins: bundlePlugins(join(DIST, 'src')),
    metafile: true,
    logLevel: 'warning',
  });
  await chmod(outfile, 0o755);
  // A require() left in the file for anything but a built-in fails in a single executable (and warns
  // on stderr): name it now, at build time.
  const left = nonBuiltinRequires(await readFile(outfile, 'utf8'));
  if (left.length)
    throw new Error(`bundle: ${outfile} still requires ${left.join(', ')}; bundle them or list them in OPTIONAL_ABSENT (src/build/bundle-plugins.ts)`);
  return Object.values(r.metafile.outputs)[0]?.bytes ?? 0;
}

/** Where the split ES-module bundle lands: the entry file plus its chunks beside it. */
export const ESM_DIR = join(DIST, 'bin/esm');
export const ESM_ENTRY = join(ESM_DIR, 'kubelet-doctor.js');

/**
 * The CLI as ES modules split at its dynamic imports: the entry and the `check` path load at start;
 * the TUI (Ink, React, yoga), the Kubernetes client (and the undici the override picks) and the lab
 * are chunks read only when a run needs them. This is what the npm package installs and runs
 * (package.json `bin`): one dependency-free tree, which a Node 20+ anywhere runs. Resolves to the
 * bytes of the entry plus the chunks a `check --root` run loads.
 */
export async function bundleEsm(outdir = ESM_DIR): Promise<{files: number; bytes: number}> {
  await rm(outdir, {recursive: true, force: true});
  const r = await build({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    splitting: true,
    entryPoints: {'kubelet-doctor': join(DIST, 'src/cli/bin.js')},
    outdir,
    chunkNames: 'chunks/[name]-[hash]',
    // CommonJS packages inside (ssh2, yaml) call require() and read __dirname (ssh2's poly1305
    // loader): give each ES module chunk the CommonJS names.
    banner: {
      js: [
        "import {createRequire as __kdRequire} from 'node:module';",
        "import {dirname as __kdDirname} from 'node:path';",
        "import {fileURLToPath as __kdFileURLToPath} from 'node:url';",
        'const require = __kdRequire(import.meta.url);',
        'const __filename = __kdFileURLToPath(import.meta.url);',
        'const __dirname = __kdDirname(__filename);',
      ].join('\n'),
    },
    legalComments: 'eof',
    minifyWhitespace: true,
    minifySyntax: true,
    charset: 'ascii',
    // Rewrites shared with the single file (bundle-plugins.ts): static requires for ssh2 and ws,
    // optional native helpers absent, React's production build. React's devtools: Ink loads them
    // only with DEV=true, and says how to install them when they are missing.
    plugins: esmBundlePlugins(),
    external: ['react-devtools-core'],
    metafile: true,
    logLevel: 'warning',
  });
  await chmod(ESM_ENTRY, 0o755);
  const outputs = Object.values(r.metafile.outputs);
  return {files: outputs.length, bytes: outputs.reduce((n, o) => n + o.bytes, 0)};
}

const entry = process.argv[1];
if (entry && relative(entry, import.meta.filename) === '') {
  const esm = await bundleEsm();
  process.stdout.write(`${relative(process.cwd(), ESM_ENTRY)}: ${esm.files} files, ${(esm.bytes / 1024 / 1024).toFixed(1)} MiB\n`);
  if (!process.argv.includes('--esm')) {
    const bytes = await bundle();
    process.stdout.write(`${relative(process.cwd(), BUNDLE)}: ${(bytes / 1024 / 1024).toFixed(1)} MiB\n`);
  }
}
