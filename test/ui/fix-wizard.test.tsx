/**
 * The fix wizard as an operator drives it: the App with a real probe and a real openFixSession
 * on lab node trees under --root (the root transport, as `kubelet-doctor --root DIR` uses), key
 * presses on stdin, assertions on the frames and on the node's files, hashed before and after.
 */
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {render} from 'ink-testing-library';
import {catalogue} from '../../checks/index.js';
import {runTarget} from '../../src/engine/run.js';
import {openFixSession, type FixSession} from '../../src/fixes/session.js';
import {writeNodeTree, type ScenarioId} from '../../src/lab/node-tree.js';
import type {Target} from '../../src/targets/types.js';
import {App} from '../../src/ui/app.js';
import type {OpenFix} from '../../src/ui/fix-runner.js';
import type {ProbeFn} from '../../src/ui/run-queue.js';
import type {UiState} from '../../src/ui/state/run-reducer.js';
import {makeTheme} from '../../src/ui/theme.js';
import {hashTree} from '../fixes/helpers.js';
import {KEYS} from './fixtures.js';
import {frameWhere, frameWith, renderSized} from './term.js';

let dir: string;
const theme = makeTheme({color: false});
const now = () => new Date();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-fix-wizard-'));
});
afterAll(() => rm(dir, {recursive: true, force: true}));

/** Every file, link and directory under `root`, kubelet-doctor's backups included. */
const hashAll = (root: string) => hashTree(root, {withBackups: true});
/** The same, without kubelet-doctor's own backup directory (what a rollback must leave as it was). */
const hashNode = (root: string) => hashTree(root);

let count = 0;
/** A fresh lab node tree (one per test: fixes change it). */
async function labNode(scenario: ScenarioId, edit?: (root: string) => Promise<void>) {
  const hostname = `node-${++count}-${scenario}`;
  const tree = await writeNodeTree(join(dir, hostname), {layout: 'deb', hostname, kubeletVersion: 'v1.30.2', scenario});
  await edit?.(tree.root);
  const target: Target = {kind: 'root', name: hostname, dir: tree.root};
  return {hostname, root: tree.root, target};
}

/** The real engine as the TUI's probe: a re-run shows what is on disk now. */
const realProbe =
  (targets: Target[]): ProbeFn =>
  (index, signal) =>
    runTarget(targets[index]!, {checks: catalogue, kubeletVersion: null, timeoutMs: 60_000, concurrency: 1, now, expiryWarnDays: 30, signal});

/** openFixSession on the lab target, as the CLI wires it; `gate` holds the probe until released; `wrap` may decorate the session. */
function opener(targets: Target[], o: {gate?: Promise<void>; wrap?: (s: FixSession) => FixSession} = {}): OpenFix {
  return async (index, checkId, signal) => {
    await o.gate;
    const s = await openFixSession(targets[index]!, catalogue.find((c) => c.id === checkId)!, {
      kubeletVersion: null,
      timeoutMs: 60_000,
      expiryWarnDays: 30,
      now,
      signal,
    });
    return o.wrap ? o.wrap(s) : s;
  };
}

function start(targets: Target[], openFix: OpenFix, onState?: (s: UiState) => void) {
  return render(
    <App
      targets={targets.map((t) => ({name: t.name, transport: t.kind}))}
      checks={catalogue}
      probe={realProbe(targets)}
      theme={theme}
      openFix={openFix}
      {...(onState ? {onState} : {})}
    />,
  );
}

type Rendered = ReturnType<typeof start>;

/** From the node view (one target opens on it): select the check's row and open it. */
async function openCheck(t: Pick<Rendered, 'lastFrame'> & {stdin: {write(s: string): void}}, id: string): Promise<void> {
  await frameWith(t.lastFrame, `${id} `);
  const selected = (f: string) => new RegExp(`^> .*\\b${id}\\s`, 'm').test(f);
  for (let i = 0; i < 40 && !selected(t.lastFrame() ?? ''); i++) {
    t.stdin.write('j');
    await new Promise((r) => setTimeout(r, 20));
  }
  await frameWhere(t.lastFrame, selected, `${id} selected`);
  t.stdin.write(KEYS.enter);
  await frameWith(t.lastFrame, `› ${id}`, 'press x');
}

async function until(ok: () => boolean, what: string): Promise<void> {
  await vi.waitFor(
    () => {
      if (!ok()) throw new Error(`waiting for ${what}`);
    },
    {timeout: 60_000, interval: 20},
  );
}

describe('the fix wizard', () => {
  it('opens on x with a spinner, then shows the plan with the diff and pending restarts; n aborts with the tree byte-identical', async () => {
    const node = await labNode('cgroup-driver-mismatch');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const t = start([node.target], opener([node.target], {gate}));
    await openCheck(t, 'cgroup-driver-match');
    const before = await hashAll(node.root);

    t.stdin.write('x');
    await frameWith(t.lastFrame, `probing ${node.hostname} and planning…`, 'Nothing is written until');
    release();
    const plan = await frameWith(t.lastFrame, 'STEP 1 OF 3', 'Apply step 1 of 3?');
    expect(plan).toContain('FIX set-kubelet-cgroup-driver');
    expect(plan).toMatch(/edit \/var\/lib\/kubelet\/config\.yaml: kubelet cgroupDriver cgroupfs → systemd/);
    expect(plan).toContain('--- a/var/lib/kubelet/config.yaml');
    expect(plan).toMatch(/^\s+-cgroupDriver: cgroupfs$/m);
    expect(plan).toMatch(/^\s+\+cgroupDriver: systemd$/m);
    expect(plan).toMatch(/Apply step 1 of 3\?\s+y yes\s+n no: abort, write nothing\s+a yes to all$/m);
    // The footer is generated from the keymap: the wizard's answers are there, the choice key is not (no choices).
    expect(plan).toMatch(/y yes\s+n no\s+a all/);
    expect(plan).not.toContain('Enter use choice');

    t.stdin.write('y');
    const second = await frameWith(t.lastFrame, 'STEP 2 OF 3');
    expect(second).toMatch(/run `systemctl restart kubelet` · pending on next boot/);
    expect(second).toMatch(/\$ systemctl restart kubelet/);
    expect(second).toContain('pending on next boot: under --root nothing runs now');
    // The rest of the plan is below: the step list with what is confirmed so far.
    t.stdin.write(' ');
    const below = await frameWith(t.lastFrame, 'ALL STEPS', '1 of 3 confirmed');
    expect(below).toMatch(/✓ 1\. edit \/var\/lib\/kubelet\/config\.yaml/);
    expect(below).toMatch(/> 2\. run `systemctl restart kubelet`/);
    t.stdin.write('n');
    const declined = await frameWith(t.lastFrame, 'Not applied: nothing was written');
    expect(declined).toMatch(/you said no at step 2: nothing was written/);
    expect(await hashAll(node.root)).toEqual(before);
    expect(existsSync(join(node.root, 'var/lib/kubelet-doctor'))).toBe(false);

    t.stdin.write(KEYS.escape);
    await frameWith(t.lastFrame, '› cgroup-driver-match', 'press x');
    expect(await hashAll(node.root)).toEqual(before);
    t.unmount();
  });

  it('Esc before the last yes writes nothing either', async () => {
    const node = await labNode('cgroup-driver-mismatch');
    const t = start([node.target], opener([node.target]));
    await openCheck(t, 'cgroup-driver-match');
    const before = await hashAll(node.root);
    t.stdin.write('x');
    await frameWith(t.lastFrame, 'STEP 1 OF 3');
    t.stdin.write('y');
    t.stdin.write('y');
    await frameWith(t.lastFrame, 'STEP 3 OF 3');
    t.stdin.write(KEYS.escape);
    await frameWith(t.lastFrame, '› cgroup-driver-match', 'press x');
    expect(await hashAll(node.root)).toEqual(before);
    t.unmount();
  });

  it('applies after a yes on every step: the file changes, the check passes, the backup and the undo command are shown, and Esc re-checks the node', async () => {
    const node = await labNode('cgroup-driver-mismatch');
    const t = start([node.target], opener([node.target]));
    await openCheck(t, 'cgroup-driver-match');
    t.stdin.write('x');
    await frameWith(t.lastFrame, 'Apply step 1 of 3?');
    t.stdin.write('y');
    await frameWith(t.lastFrame, 'Apply step 2 of 3?');
    t.stdin.write('y');
    await frameWith(t.lastFrame, 'Apply step 3 of 3?');
    t.stdin.write('y');
    const done = await frameWhere(t.lastFrame, (f) => f.includes('✓ FIXED') && f.includes('  undo'), 'the verification result');
    const unwrapped = done.replace(/\n\s+/g, ' ');
    // The undo command is never cut or wrapped by the screen: its own rows, from the first column,
    // split only between words with shell continuations, so the block as copied is one command.
    const rows = done.split('\n');
    const first = rows.findIndex((l) => l.startsWith('kubelet-doctor fix'));
    let last = first;
    while (rows[last]?.endsWith(' \\')) last++;
    const undoRows = rows.slice(first, last + 1);
    expect(undoRows[0]).toMatch(/^kubelet-doctor fix --root /);
    for (const row of undoRows) expect(row).not.toContain('…');
    const copied = undoRows.join('\n').replace(/ \\\n {2}/g, ' ');
    expect(done).toMatch(/✓ FIXED\s+cgroup-driver-match passes after the fix/);
    expect(done).toMatch(/now\s+✓ pass\s+cgroup-driver-match/);
    const ts = /backup (\d{8}T\d{6}Z)/.exec(done)?.[1];
    expect(ts).toBeDefined();
    expect(copied).toBe(`kubelet-doctor fix --root ${node.root} --rollback ${ts}`);
    expect(unwrapped).toContain('undo');
    expect(done).toContain('pending on next boot (not run under --root):');
    expect(done).toContain('run `systemctl restart kubelet`');
    // What was done, streamed while it ran, is below the result.
    t.stdin.write(' ');
    const log = await frameWith(t.lastFrame, 'WHAT WAS DONE', 're-probing');
    expect(log).toMatch(new RegExp(`✓ backup ${ts} taken at /var/lib/kubelet-doctor/backups/${ts}/`));
    expect(log).toContain('✓ wrote /var/lib/kubelet/config.yaml');
    expect(log).toContain(`re-probing ${node.hostname} and re-running cgroup-driver-match`);
    expect(await readFile(join(node.root, 'var/lib/kubelet/config.yaml'), 'utf8')).toMatch(/^cgroupDriver: systemd$/m);
    expect(existsSync(join(node.root, `var/lib/kubelet-doctor/backups/${ts}/manifest`))).toBe(true);

    t.stdin.write(KEYS.escape);
    // Back on the check, which the re-run now shows passing.
    await frameWhere(
      t.lastFrame,
      (f) => f.includes('› cgroup-driver-match') && /✓ pass/.test(f) && !f.includes('FIX set-kubelet'),
      'the check passing after the re-run',
    );
    t.unmount();
  });

  it('confirms every remaining step with a', async () => {
    const node = await labNode('cgroup-driver-mismatch');
    const t = start([node.target], opener([node.target]));
    await openCheck(t, 'cgroup-driver-match');
    t.stdin.write('x');
    await frameWith(t.lastFrame, 'Apply step 1 of 3?');
    t.stdin.write('a');
    await frameWith(t.lastFrame, '✓ FIXED');
    expect(await readFile(join(node.root, 'var/lib/kubelet/config.yaml'), 'utf8')).toMatch(/^cgroupDriver: systemd$/m);
    t.unmount();
  });

  it('shows the choices of a plan that offers several, and plans again with the one picked', async () => {
    const node = await labNode('swap-on');
    const t = start([node.target], opener([node.target]));
    await openCheck(t, 'swap');
    t.stdin.write('x');
    const plan = await frameWith(t.lastFrame, 'CHOICES', 'STEP 1 OF');
    expect(plan).toMatch(/> \* off\s+turn swap off now/);
    expect(plan).toMatch(/^\s+keep\s+keep swap/m);
    expect(plan).toContain('--- a/etc/fstab');
    expect(plan).toMatch(/Enter use choice/);
    t.stdin.write(KEYS.down);
    await frameWhere(t.lastFrame, (f) => /> {3}keep/.test(f), 'keep selected');
    t.stdin.write(KEYS.enter);
    const keep = await frameWhere(t.lastFrame, (f) => /\* keep/.test(f) && f.includes('failSwapOn'), 'the keep plan');
    expect(keep).not.toContain('--- a/etc/fstab');
    // The step runs on below the screen: no yes until it was read down to its last line.
    expect(keep).toMatch(/Step 1 of 3 goes on below: \d+ more lines? · ↓\/PgDn to read it before yes · n no/);
    expect(keep).not.toContain('Apply step 1 of 3?');
    t.stdin.write('y');
    await new Promise((r) => setTimeout(r, 100));
    expect(t.lastFrame()).toContain('goes on below');
    t.stdin.write(' ');
    await frameWith(t.lastFrame, 'Apply step 1 of 3?');
    // Once a step is confirmed the choice is made: the arrows scroll instead.
    t.stdin.write('y');
    const confirmed = await frameWith(t.lastFrame, 'Apply step 2 of 3?');
    expect(confirmed).not.toContain('Enter use choice');
    t.stdin.write('n');
    await frameWith(t.lastFrame, 'Not applied');
    t.unmount();
  });

  it('shows why a fix cannot be applied, and offers only the way back', async () => {
    const node = await labNode('missing-config');
    const before = await hashAll((await Promise.resolve(node)).root);
    const t = start([node.target], opener([node.target]));
    await openCheck(t, 'kubelet-config');
    t.stdin.write('x');
    const frame = await frameWith(t.lastFrame, 'CANNOT FIX', 'Nothing to apply here');
    expect(frame).toContain('/var/lib/kubelet/config.yaml does not exist');
    expect(frame).toMatch(/hint: /);
    expect(frame).not.toMatch(/y yes|Step 1 of/);
    t.stdin.write('y');
    t.stdin.write('a');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.lastFrame()).toContain('CANNOT FIX');
    expect(await hashAll(node.root)).toEqual(before);
    t.stdin.write(KEYS.escape);
    await frameWith(t.lastFrame, '› kubelet-config', 'press x');
    t.unmount();
  });

  it('shows node text with escape sequences sanitised (a diff holds the node file)', async () => {
    const EVIL = '\u001b]0;pwned\u0007\u001b[2J\u001b[31mred\u001b[0m\u009b6n\u202e';
    const node = await labNode('swap-on', async (root) => {
      const fstab = await readFile(join(root, 'etc/fstab'), 'utf8');
      await writeFile(join(root, 'etc/fstab'), fstab.replace('/swap.img', `# swap added by ${EVIL}hand\n/swap.img`));
    });
    const t = start([node.target], opener([node.target]));
    await openCheck(t, 'swap');
    t.stdin.write('x');
    const plan = await frameWith(t.lastFrame, '--- a/etc/fstab', 'swap added by');
    expect(plan).toContain('# swap added by redhand');
    for (const f of t.frames) {
      expect(f).not.toMatch(/[\u001b\u0007\u0080-\u009f\u202e]/);
      expect(f).not.toContain('pwned');
    }
    t.stdin.write('n');
    await frameWith(t.lastFrame, 'Not applied');
    t.unmount();
  });

  it('on Ctrl-C while applying, restores the backup (the tree is byte-identical) and then quits', async () => {
    const node = await labNode('cgroup-driver-mismatch');
    let t!: Rendered;
    let last: UiState | null = null;
    // Ctrl-C as the verification starts: the file is written by then.
    const wrap = (s: FixSession): FixSession => ({
      ...s,
      get plan() {
        return s.plan;
      },
      choose: (c) => s.choose(c),
      apply: (onEvent) =>
        s.apply((e) => {
          onEvent?.(e);
          if (e.type === 'phase' && e.phase === 'verify') t.stdin.write(KEYS.ctrlC);
        }),
    });
    t = start([node.target], opener([node.target], {wrap}), (s) => (last = s));
    await openCheck(t, 'cgroup-driver-match');
    const before = await hashNode(node.root);
    t.stdin.write('x');
    await frameWith(t.lastFrame, 'Apply step 1 of 3?');
    t.stdin.write('a');
    await until(() => last?.fix?.stage === 'done', 'the interrupted apply to end');
    const fix = last!.fix!;
    expect(fix.interrupted).toBe(true);
    expect(fix.result?.status).toBe('rolled-back');
    expect(fix.result?.message).toMatch(/interrupted/);
    expect(fix.events.some((e) => e.type === 'file' && e.path === '/var/lib/kubelet/config.yaml')).toBe(true);
    expect(await hashNode(node.root)).toEqual(before);
    // Then it quits: keys do nothing any more (under CI=true Ink prints only its last frame, so no frame is asserted).
    const frames = t.frames.length;
    t.stdin.write('?');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.frames.slice(frames).some((f) => f.includes('KEYS'))).toBe(false);
  });

  it('fits 80x24 as plain text, the plan and the result alike', async () => {
    const node = await labNode('swap-on');
    const targets = [node.target];
    const t = renderSized(
      <App
        targets={targets.map((x) => ({name: x.name, transport: x.kind}))}
        checks={catalogue}
        probe={realProbe(targets)}
        theme={theme}
        openFix={opener(targets)}
      />,
      80,
      24,
    );
    await openCheck(t, 'swap');
    t.stdin.write('x');
    // At 80x24 the first step's diff runs below the screen: the wizard says how much and how to see it, and waits.
    const frames = [await frameWith(t.lastFrame, 'CHOICES', 'goes on below')];
    expect(frames[0]).toMatch(/── ↓ \d+ more lines below \(↓ PgDn\) ─+/);
    expect(frames[0]).not.toContain('Apply step 1 of 3?');
    t.stdin.write(' ');
    frames.push(await frameWith(t.lastFrame, 'Apply step 1 of 3?'));
    t.stdin.write('a');
    frames.push(await frameWith(t.lastFrame, '✓ FIXED', '  undo'));
    t.stdin.write('?');
    frames.push(await frameWith(t.lastFrame, 'KEYS', 'yes to this step'));
    for (const f of frames) {
      const lines = f.replace(/\n$/, '').split('\n');
      expect(lines.length).toBeLessThanOrEqual(23);
      for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(80);
      expect(f).not.toContain('\u001b');
    }
    expect(frames[1]).toMatch(/y yes\s+n no\s+a all/);
    t.unmount();
  });
});
