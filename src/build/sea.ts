/**
 * `npm run sea`: a single executable for this platform (built and tested on Linux x64), with Node's
 * single executable application support: the bundle (bundle.ts) becomes the main script of a copy of
 * this very `node` binary, dist/bin/kubelet-doctor. It needs no node and no node_modules where it runs.
 * Steps (https://nodejs.org/docs/latest-v20.x/api/single-executable-applications.html):
 *   1. `node --experimental-sea-config sea-config.json` writes the preparation blob;
 *   2. copy process.execPath; 3. inject the blob with postject under the SEA sentinel fuse.
 */
import {execFileSync} from 'node:child_process';
import {chmod, copyFile, rm, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import {dirname, join, relative} from 'node:path';
import {DIST, bundle} from './bundle.js';

/** Where the executable lands. */
export const EXECUTABLE = join(DIST, 'bin/kubelet-doctor');
/** The fuse Node's binary carries; flipping it tells node that a blob is injected. */
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Run node with `args`, keeping its output unless it fails: postject (its ELF library) prints
 * "Can't find string offset for section name '.note…'" for Node's binary, which is harmless.
 */
function quiet(args: string[]): void {
  try {
    execFileSync(process.execPath, args, {stdio: ['ignore', 'pipe', 'pipe']});
  } catch (e) {
    const {stdout, stderr} = e as {stdout?: Buffer; stderr?: Buffer};
    throw new Error(`node ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, {cause: e});
  }
}

/**
 * Build the bundle and the executable in `outDir` (default dist/bin); resolves to the executable's
 * path. The preparation blob and its config are removed afterwards.
 */
export async function buildSea(outDir = dirname(EXECUTABLE)): Promise<string> {
  const main = join(outDir, 'kubelet-doctor.cjs');
  const out = join(outDir, 'kubelet-doctor');
  await bundle(main);
  const blob = join(outDir, 'sea-prep.blob');
  const config = join(outDir, 'sea-config.json');
  await writeFile(
    config,
    JSON.stringify({
      main,
      output: blob,
      // The documented switch for the "Single executable … experimental" warning, which would
      // otherwise land on stderr at every start (so it never mixes into a report or a pipe).
      disableExperimentalSEAWarning: true,
      // V8's compiled code for the main script, made now: the start skips most of the parsing.
      useCodeCache: true,
    }),
  );
  try {
    quiet(['--experimental-sea-config', config]);
    await rm(out, {force: true});
    await copyFile(process.execPath, out);
    await chmod(out, 0o755);
    const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
    quiet([postject, out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE]);
  } finally {
    await Promise.all([rm(blob, {force: true}), rm(config, {force: true})]);
  }
  return out;
}

const entry = process.argv[1];
if (entry && relative(entry, import.meta.filename) === '') {
  const out = await buildSea();
  process.stdout.write(`${relative(process.cwd(), out)}: a single executable for ${process.platform}-${process.arch} (node ${process.version} inside)\n`);
}
