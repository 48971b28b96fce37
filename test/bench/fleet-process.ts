/**
 * The bench fleet (src/lab/bench-fleet.ts) in a process of its own, so that its servers' work
 * (key exchanges, the stand-in processes) never runs on the event loop of the client being
 * measured, nor counts in its CPU or memory. The child prints the fleet's description as one
 * JSON line and serves until its stdin closes.
 */
import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';
import {pathToFileURL} from 'node:url';
import {startBenchFleet, type BenchFleetInfo, type BenchFleetOptions} from '../../src/lab/bench-fleet.js';

/** A fleet served by a child process. */
export interface FleetProcess extends BenchFleetInfo {
  pid: number;
  stop(): Promise<void>;
}

/** Start the fleet in a child process; resolves once every server listens. */
export function startFleetProcess(o: Omit<BenchFleetOptions, 'log'>): Promise<FleetProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [import.meta.filename, JSON.stringify(o)], {stdio: ['pipe', 'pipe', 'inherit']});
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const lines = createInterface({input: child.stdout});
    let started = false;
    lines.once('line', (line) => {
      started = true;
      const info = JSON.parse(line) as BenchFleetInfo;
      resolve({
        ...info,
        pid: child.pid!,
        stop: async () => {
          child.stdin.end();
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(kill);
        },
      });
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!started) reject(new Error(`bench fleet process exited ${code} before it was ready`));
    });
  });
}

// The child: start, describe, serve until stdin closes.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const o = JSON.parse(process.argv[2] ?? '{}') as BenchFleetOptions;
  const fleet = await startBenchFleet(o);
  const {running: _r, stop: _s, ...info} = fleet;
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void fleet.stop().then(() => process.exit(0)));
}
