/**
 * Docs that cannot drift: every shell command README.md and docs/**\/*.md show is parsed by the
 * real option parser, and the runnable ones run against the demo lab, as written (through sh, with
 * `kubelet-doctor` and `npm start` meaning the built binary). A command fails when an option or
 * command no longer exists (naming the doc and line), when it exits 2 (bad usage), crashes or
 * hangs, or when output the doc shows after it is not in the real output. A command that cannot
 * run here carries `<!-- not-runnable: REASON -->` before its block or `# not-runnable: REASON`
 * after it, and is listed as skipped with that reason. Documented placeholders (`node-7`,
 * `/mnt/node-7`, `10.0.0.7`, `fleet.yaml`, ...) stand for lab nodes through {@link substitutions}.
 */
import {spawn} from 'node:child_process';
import {chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {COMMANDS, parseCommandLine} from '../../src/cli/args.js';
import {startLabFleet, type LabFleet} from '../../src/lab/lab-fleet.js';
import {extractCommands, invocationOf, missingLines, shellWords, type DocCommand} from './doc-commands.js';

const REPO = join(import.meta.dirname, '../..');
const BIN = join(REPO, 'dist/src/cli/bin.js');
/** Per command; `npm start` checks the whole lab fleet, which takes a while on a busy 2-core box. */
const COMMAND_TIMEOUT_MS = 90_000;
/** Blocks run at once (each block's commands in order). */
const CONCURRENCY = 2;

/** README.md and every Markdown file under docs/, as paths from the repository root. */
function docFiles(): string[] {
  const under = readdirSync(join(REPO, 'docs'), {recursive: true, encoding: 'utf8'})
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`)
    .sort();
  return ['README.md', ...under];
}

const commands: DocCommand[] = [];
for (const file of docFiles()) commands.push(...extractCommands(file, readFileSync(join(REPO, file), 'utf8'), commands.at(-1)?.block ?? 0));

const scripts = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {scripts: Record<string, string>}).scripts;
const label = (c: DocCommand): string => `${c.file}:${c.line}  ${c.text}`;
const invocations = (c: DocCommand) => shellWords(c.text).map(invocationOf);
const runsKubeletDoctor = (c: DocCommand): boolean => invocations(c).some((i) => i.kind === 'kubelet-doctor');

/** What is wrong with a command as written, before running anything (empty: nothing). */
function usageProblems(c: DocCommand): string[] {
  const out: string[] = [];
  for (const inv of invocations(c)) {
    if (inv.kind === 'npx') {
      out.push(
        `\`npx kubelet-doctor\` asks the package registry for the tool (in a fresh clone it exits 127): write \`npm start -- ${inv.args.join(' ')}\`, or \`kubelet-doctor …\` after an install from docs/install.md`,
      );
    }
    if (inv.kind === 'npm-script' && !(inv.script in scripts)) out.push(`\`npm run ${inv.script}\`: package.json has no such script`);
    if (inv.kind !== 'kubelet-doctor') continue;
    try {
      const a = parseCommandLine(inv.args);
      const first = a.positional[0];
      const check = inv.args.indexOf('check');
      const explicit = a.command !== 'check' || (check >= 0 && (first === undefined || check < inv.args.indexOf(first)));
      // A bare word where a command goes is a command that does not exist (it would be checked as a host).
      if (!explicit && first !== undefined && /^[a-z]+(-[a-z]+)*$/.test(first)) {
        out.push(`\`${first}\` is not a kubelet-doctor command (the commands: ${COMMANDS.map((x) => x.name).join(', ')}); it would be taken for a host name`);
      }
    } catch (e) {
      out.push((e as Error).message);
    }
  }
  return out;
}

describe('the commands the docs show', () => {
  it('are found in README.md and the docs', () => {
    const files = new Set(commands.map((c) => c.file));
    expect(commands.filter((c) => c.file === 'README.md').length).toBeGreaterThanOrEqual(5);
    expect([...files]).toEqual(expect.arrayContaining(['README.md', 'docs/lab.md', 'docs/ssh.md']));
  });

  it('say why when they cannot run here', () => {
    const unexplained = commands.filter((c) => c.notRunnable === '').map(label);
    expect(unexplained, 'a not-runnable marker needs a reason').toEqual([]);
  });

  describe('parse with the real option parser', () => {
    for (const c of commands) {
      it(label(c), () => {
        expect(usageProblems(c), `${c.file}:${c.line}`).toEqual([]);
      });
    }
  });
});

/** One placeholder the docs use, what the test runs instead, and what the output shows instead. */
interface Substitution {
  doc: string;
  run: string;
  shows?: string;
}

/**
 * The placeholders the docs use and the lab equivalents they stand for; small and explicit, so a
 * new placeholder in a doc shows up as a failure (or a not-runnable marker), not as a guess.
 */
function substitutions(fleet: LabFleet): Substitution[] {
  const node = (scenario: string) => fleet.nodes.find((n) => n.info.scenario === scenario)!;
  // node-7 of the docs is the node whose cgroup drivers disagree (the README's example finding).
  const n7 = node('cgroup-driver-mismatch');
  const rescue = node('swap-on');
  const ssh7 = `root@127.0.0.1:${n7.port} --host-root ${n7.info.root}`;
  return [
    {doc: '/mnt/node-7', run: n7.info.root, shows: n7.info.hostname},
    {doc: '/mnt/rescue', run: rescue.info.root, shows: rescue.info.hostname},
    {doc: 'root@10.0.0.7', run: ssh7, shows: n7.info.hostname},
    {doc: 'node-7', run: ssh7, shows: n7.info.hostname},
    {doc: 'fleet.yaml', run: fleet.inventoryFile},
    {doc: 'admin.conf', run: fleet.cluster.kubeconfigFile},
  ];
}

/** Replace whole placeholder words (not `node-7` inside `node-7.json` or `/mnt/node-7`). */
function substitute(text: string, subs: readonly Substitution[], pick: (s: Substitution) => string | undefined): string {
  const escaped = [...subs].sort((a, b) => b.doc.length - a.doc.length).map((s) => s.doc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(?<![\\w./@-])(${escaped.join('|')})(?![\\w./@:-])`, 'g');
  return text.replace(re, (m) => pick(subs.find((s) => s.doc === m)!) ?? m);
}

interface Ran {
  code: number | null;
  output: string;
  timedOut: boolean;
  ran: string;
}

let base: string;
let fleet: LabFleet;
const results = new Map<DocCommand, Ran>();
const runnable = commands.filter((c) => c.notRunnable === undefined && runsKubeletDoctor(c));

/** sh -c the command in the block's directory; its process group is killed at the time limit. */
function runShell(text: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Omit<Ran, 'ran'>> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', text], {cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe']});
    let output = '';
    let timedOut = false;
    p.stdout.on('data', (b: Buffer) => (output += b.toString()));
    p.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-p.pid!, 'SIGKILL');
    }, COMMAND_TIMEOUT_MS);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({code, output, timedOut});
    });
  });
}

/** `kubelet-doctor`, `npm` and `sudo` as the docs mean them, first on PATH: the built binary, nothing fetched. */
function writeShims(dir: string): void {
  mkdirSync(dir, {recursive: true});
  const shim = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  shim('kubelet-doctor', `exec "${process.execPath}" "${BIN}" "$@"`);
  // npm start is the binary (npm names the script in npm_lifecycle_event); npm ci, test, link ... are not run here.
  shim(
    'npm',
    [
      '[ "$1" = run ] && shift',
      `if [ "$1" = start ]; then shift; [ "$1" = -- ] && shift; npm_lifecycle_event=start exec "${process.execPath}" "${BIN}" "$@"; fi`,
      'echo "(npm $* is not run by the docs test)"',
    ].join('\n'),
  );
  shim('sudo', 'while [ "${1#-}" != "$1" ]; do shift; done\nexec "$@"');
}

beforeAll(async () => {
  if (runnable.length === 0) return;
  expect(existsSync(BIN), 'build first: npm test runs tsc before vitest').toBe(true);
  base = await mkdtemp(join(tmpdir(), 'kd-doc-commands-'));
  fleet = await startLabFleet({dir: join(base, 'lab')});
  // A HOME that knows the lab: its key is the default identity, its host keys are known, its kubeconfig is ~/.kube/config.
  const home = join(base, 'home');
  mkdirSync(join(home, '.ssh'), {recursive: true, mode: 0o700});
  mkdirSync(join(home, '.kube'), {recursive: true});
  copyFileSync(fleet.identityFile, join(home, '.ssh/id_ed25519'));
  chmodSync(join(home, '.ssh/id_ed25519'), 0o600);
  copyFileSync(fleet.knownHostsFile, join(home, '.ssh/known_hosts'));
  copyFileSync(fleet.cluster.kubeconfigFile, join(home, '.kube/config'));
  // ~/.ssh/config: node-1 … node-11 are the lab's nodes on loopback, so a documented alias never reaches DNS.
  writeFileSync(join(home, '.ssh/config'), fleet.nodes.map((n, i) => `Host node-${i + 1}\n  HostName 127.0.0.1\n  Port ${n.port}\n  User root\n`).join(''));
  writeShims(join(base, 'bin'));
  const env: NodeJS.ProcessEnv = {...process.env, HOME: home, PATH: `${join(base, 'bin')}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1'};
  for (const k of ['KUBECONFIG', 'SSH_AUTH_SOCK', 'npm_lifecycle_event', 'KUBELET_DOCTOR_JOIN_COMMAND']) delete env[k];
  const subs = substitutions(fleet);
  // Blocks that check the whole lab fleet (`npm start`, `lab --run`) take longest: they start first.
  const fleetRuns = (b: number) =>
    runnable.filter((c) => c.block === b && invocations(c).some((i) => i.kind === 'kubelet-doctor' && (i.args.length === 0 || i.args[0] === 'lab'))).length;
  const blocks = [...new Set(runnable.map((c) => c.block))].sort((x, y) => fleetRuns(y) - fleetRuns(x));
  const runBlock = async (block: number) => {
    const cwd = join(base, `block-${block}`);
    mkdirSync(cwd);
    // `node dist/src/cli/bin.js …` works from the block's directory as from the repository's.
    symlinkSync(join(REPO, 'dist'), join(cwd, 'dist'));
    for (const c of runnable.filter((x) => x.block === block)) {
      const ran = substitute(c.text, subs, (s) => s.run);
      results.set(c, {...(await runShell(ran, cwd, env)), ran});
    }
  };
  const queue = [...blocks];
  await Promise.all(
    Array.from({length: CONCURRENCY}, async () => {
      for (let b = queue.shift(); b !== undefined; b = queue.shift()) await runBlock(b);
    }),
  );
}, 600_000);

afterAll(async () => {
  // KD_DOC_COMMANDS_LOG=FILE keeps what each command printed, for whoever fixes a doc.
  const log = process.env['KD_DOC_COMMANDS_LOG'];
  if (log)
    writeFileSync(
      log,
      [...results].map(([c, r]) => `### ${label(c)}\n$ ${r.ran}\nexit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n${r.output}\n`).join('\n'),
    );
  await fleet?.stop();
  if (base) await rm(base, {recursive: true, force: true});
});

describe('the commands the docs show, run against the lab', () => {
  for (const c of commands) {
    if (c.notRunnable !== undefined) {
      it.skip(`${label(c)}  (not runnable: ${c.notRunnable || 'NO REASON GIVEN'})`, () => {});
      continue;
    }
    if (!runsKubeletDoctor(c)) {
      it.skip(`${label(c)}  (runs no kubelet-doctor command)`, () => {});
      continue;
    }
    it(label(c), () => {
      const r = results.get(c)!;
      const where = `${c.file}:${c.line} ran \`${r.ran}\`:\n${r.output.slice(-4000)}`;
      expect(r.timedOut, `timed out after ${COMMAND_TIMEOUT_MS / 1000} s; ${where}`).toBe(false);
      expect(r.code, `exit 2 is bad usage; ${where}`).not.toBe(2);
      expect(r.code ?? 128, `exit ${r.code} (a crash or a signal); ${where}`).toBeLessThan(64);
      const shown = c.expected.map((e) => ({...e, text: substitute(e.text, substitutions(fleet), (s) => s.shows)}));
      const missing = missingLines(shown, r.output).map((m) => `${c.file}:${m.line}: ${m.text.trim()}`);
      expect(missing, `output the doc shows is not in the real output; ${where}`).toEqual([]);
    });
  }
});
