/**
 * `kubelet-doctor merge FILE.ndjson…`: one report from the NDJSON files the shards of a run wrote
 * (`check --shard I/N --output ndjson`), in any `--output` format, with the exit code one run of
 * the whole fleet gives. Every line is validated first (docs/ndjson.md): a fault is exit 2 naming
 * `file:line`, and nothing is written.
 */
import {createReadStream} from 'node:fs';
import {InputError, UsageError} from '../../errors.js';
import {formatOption, renderReport} from '../../report/index.js';
import {MAX_LINE_BYTES, mergeFiles, parseNdjson, renderNdjson} from '../../report/ndjson.js';
import {exitCodeWithWaivers} from '../../runbook/waivers.js';
import type {ParsedArgs} from '../args.js';
import {colorWanted, writeOut} from './common.js';

/** A file's lines, read in chunks: a line longer than {@link MAX_LINE_BYTES} is refused before it is held. */
export async function readLines(file: string): Promise<string[]> {
  const lines: string[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const tooLong = () =>
    new InputError(`${file}:${lines.length + 1}: line longer than ${MAX_LINE_BYTES / (1024 * 1024)} MiB`, 'not a file `check --output ndjson` writes');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      pendingBytes += end - start;
      if (pendingBytes > MAX_LINE_BYTES) throw tooLong();
      pending.push(chunk.subarray(start, end));
      if (nl === -1) break;
      lines.push(Buffer.concat(pending).toString('utf8'));
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
  }
  if (pendingBytes > 0) lines.push(Buffer.concat(pending).toString('utf8'));
  return lines;
}

/** Merge the files; returns the exit code. */
export async function mergeCommand(a: ParsedArgs): Promise<number> {
  const format = formatOption(a.values['output']);
  if (a.positional.length === 0)
    throw new UsageError('merge: no files given', 'kubelet-doctor merge SHARD1.ndjson SHARD2.ndjson … (written by check --shard I/N --output ndjson)');
  for (const o of ['shard', 'local', 'root', 'snapshot', 'inventory', 'all-nodes', 'waivers']) {
    if (a.values[o] !== undefined) throw new UsageError(`merge: --${o} does not apply (merge reads the shards' files only)`);
  }
  const files = [];
  for (const file of a.positional) files.push(parseNdjson(await readLines(file), file));
  const merged = mergeFiles(files);
  const code = exitCodeWithWaivers(merged);
  const color = format === 'text' && colorWanted(a, process.stdout);
  const text =
    format === 'ndjson'
      ? renderNdjson(merged, code)
      : renderReport(format, merged, {
          color,
          verbose: a.values['verbose'] === true,
          ...(process.stdout.columns && color ? {width: process.stdout.columns} : {}),
        });
  await writeOut(text, a.values['out']);
  return code;
}
