/**
 * The entry point of the single-file bundle and the single executable: what src/cli/bin.ts does,
 * without its top-level await (CommonJS, which a Node 20 single executable must run, has none).
 */
import {main} from '../cli/main.js';

// A closed pipe (`kubelet-doctor check | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
