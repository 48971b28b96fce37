/**
 * Run the real binary with its peak RSS measured (the peak-rss.ts preload writes
 * `process.resourceUsage().maxRSS` at exit). A guard kills it after `guardMs`, reported as `killed`.
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {BIN} from './sshd.js';

/** The compiled preload: beside this file when it runs from dist/, else under dist/ (vitest runs the sources). */
const PRELOAD = pathToFileURL(
  existsSync(join(import.meta.dirname, 'peak-rss.js'))
    ? join(import.meta.dirname, 'peak-rss.js')
    : join(import.meta.dirname, '../../dist/test/helpers/peak-rss.js'),
).href;
const MiB = 1024 * 1024;

/** What the run printed, how it ended, and its peak RSS in KiB (0: not reported). */
export interface PeakRun {
  code: number | null;
  killed: boolean;
  stdout: string;
  stderr: string;
  peakKb: number;
}

export async function runCliPeak(args: string[], opts: {env?: NodeJS.ProcessEnv; guardMs?: number} = {}): Promise<PeakRun> {
  const rssFile = join(tmpdir(), `kd-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const r = await new Promise<Omit<PeakRun, 'peakKb'>>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', PRELOAD, BIN, ...args], {
      env: {...process.env, NO_COLOR: '1', SSH_AUTH_SOCK: '', ...opts.env, KD_PEAK_RSS_FILE: rssFile},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (b: Buffer) => void (stdout.length < 4 * MiB && (stdout += b.toString())));
    child.stderr.on('data', (b: Buffer) => void (stderr.length < MiB && (stderr += b.toString())));
    const guard = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.guardMs ?? 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({code, killed, stdout, stderr});
    });
  });
  const peakKb = Number((await readFile(rssFile, 'utf8').catch(() => '0')).trim());
  await rm(rssFile, {force: true});
  return {...r, peakKb};
}
