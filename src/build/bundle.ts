/**
 * `npm run bundle`: the compiled CLI (dist/src, dist/checks) and its runtime dependencies as one
 * CommonJS file, dist/bin/kubelet-doctor.cjs, which runs with `node` and nothing else beside it.
 * It is also the main script of the single executable (sea.ts). Run after `tsc`.
 */
import {chmod, mkdir, readFile} from 'node:fs/promises';
import {basename, dirname, join, relative} from 'node:path';
import {build} from 'esbuild';
import {LAYOUT, bundlePlugins, nonBuiltinRequires} from './bundle-plugins.js';

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

const entry = process.argv[1];
if (entry && relative(entry, import.meta.filename) === '') {
  const bytes = await bundle();
  process.stdout.write(`${relative(process.cwd(), BUNDLE)}: ${(bytes / 1024 / 1024).toFixed(1)} MiB\n`);
}
