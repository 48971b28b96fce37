/**
 * The fix wizard as lines. Before anything is written: the finding, the plan's choices, the step
 * being confirmed (a file edit as a unified diff with + and - lines in colour, a command
 * verbatim, a restart or a healthz wait, or "pending on next boot" under --root), every step
 * with what is confirmed so far, the manual steps and the plan's notes. While applying: the
 * apply's events as they arrive. At the end: the verification result, the backup and the undo
 * command. Everything from the node (diffs hold node files, output comes from node commands) is
 * sanitised here and again at render.
 */
import {commandLine, stepDiff, stepLine} from '../../fixes/render.js';
import {isNotApplicable, type FixPlan, type Step} from '../../fixes/types.js';
import type {Command} from '../keys/keymap.js';
import {asking, blocker, canChoose, confirmable, type FixWizard, type PlannedFix} from '../state/fix-state.js';
import {nodeName} from '../state/selectors.js';
import type {Role} from '../theme.js';
import {badge, clean, spinnerFrame, type ViewContext} from './context.js';
import {eventLines, heading, nodeLabel, RESULT_WORD, resultLines, resultWord} from './fix-result-lines.js';
import {cell, fit, line, seg, wrapLines, type Line} from './text.js';

/** The mark on the last line of the step being confirmed (see {@link Line.mark}). */
export const STEP_END = 'step-end';

/** The header: node › check › fix id. */
export function fixHeader(ctx: ViewContext, w: FixWizard | null, node: number, check: string): Line {
  const n = ctx.state.nodes[node];
  return line(seg(n ? clean(nodeName(n)) : '?', 'dim'), seg(' › ', 'dim'), seg(check, 'dim'), seg(' › ', 'dim'), seg(`fix ${w?.fixId ?? ''}`, 'title'));
}

/** A step in one line, as the wizard lists it (the CLI's wording; under --root, live steps are pending on next boot). */
export const stepTitle = (s: Step, offline: boolean): string => stepLine(s, offline, ' · pending on next boot');

/** The role of one unified-diff line: additions green, removals red, hunk headers in the accent. */
function diffRole(l: string): Role {
  if (l.startsWith('+++') || l.startsWith('---')) return 'heading';
  if (l.startsWith('@@')) return 'accent';
  if (l.startsWith('+')) return 'pass';
  if (l.startsWith('-')) return 'fail';
  return 'plain';
}

/** What a step does, in detail: the diff, the command, or what waits for the next boot. */
function stepDetail(s: Step, offline: boolean, cols: number): Line[] {
  const out: Line[] = [];
  const pendingNote = (what: string) =>
    out.push(...wrapLines(`pending on next boot: under --root nothing runs now; ${what}`, cols, {first: '  ', rest: '    ', role: 'warn'}));
  switch (s.kind) {
    case 'write-file': {
      if (s.sensitive) out.push(line(seg('  (holds a secret: shown redacted)', 'dim')));
      // Literal text, one screen row per line, cut at the edge (a diff is never re-flowed).
      for (const l of stepDiff(s).trimEnd().split('\n')) out.push(fit(line(seg(`  ${clean(l)}`, diffRole(l))), cols));
      break;
    }
    case 'remove-file':
      out.push(...wrapLines(`moves ${clean(s.path)} into the backup (nothing is deleted: a rollback puts it back)`, cols, {first: '  ', rest: '    '}));
      break;
    case 'run':
      out.push(fit(line(seg('  $ ', 'dim'), seg(clean(commandLine(s.argv)), 'accent')), cols));
      if (offline) pendingNote('it is not run on a disk that is not booted');
      break;
    case 'daemon-reload':
    case 'restart-unit':
      out.push(
        fit(line(seg('  $ ', 'dim'), seg(s.kind === 'daemon-reload' ? 'systemctl daemon-reload' : `systemctl restart ${clean(s.unit)}`, 'accent')), cols),
      );
      if (offline) pendingNote('systemd reads the new files when the node boots');
      break;
    case 'wait-healthz':
      out.push(
        ...wrapLines(`polls ${clean(s.url)} until it answers ok; after ${Math.round(s.timeoutMs / 1000)} s without it the backup is restored`, cols, {
          first: '  ',
          rest: '    ',
        }),
      );
      if (offline) pendingNote('there is no kubelet to wait for');
      break;
    case 'manual':
      out.push(...wrapLines(clean(s.text), cols, {first: '  ', rest: '    '}));
      break;
  }
  return out;
}

/** The finding and what the fix is; `compact`: one line each (while applying and after). */
function summaryLines(ctx: ViewContext, w: FixWizard, p: PlannedFix, cols: number, compact = false): Line[] {
  const f = p.finding;
  const out: Line[] = [];
  if (compact) out.push(fit(line(badge(ctx, f.status), seg(`${f.id} on ${nodeLabel(ctx, w)}  `, 'heading'), seg(clean(f.summary))), cols));
  else {
    out.push(fit(line(badge(ctx, f.status), seg(`${f.id} on ${nodeLabel(ctx, w)}`, 'heading')), cols));
    out.push(...wrapLines(clean(f.summary), cols, {first: '  ', rest: '  '}));
  }
  if (!isNotApplicable(p.plan)) {
    out.push(fit(line(seg('FIX ', 'heading'), seg(clean(p.plan.fixId), 'accent'), seg(`  ${clean(p.plan.title)}`)), cols));
    if (p.offline && !compact) out.push(fit(line(seg("--root: files are written now; restarts wait for the node's next boot", 'dim')), cols));
  }
  return out;
}

function choiceLines(_ctx: ViewContext, w: FixWizard, plan: FixPlan, cols: number, selected: string | null): Line[] {
  if (!plan.choices || plan.choices.length <= 1) return [];
  const choosing = canChoose(w);
  const out = heading('CHOICES', choosing ? '↑↓ select · Enter plans with it · * is the one planned below' : '* is the one planned below');
  const nameCols = Math.max(...plan.choices.map((c) => c.name.length));
  for (const c of plan.choices) {
    const isSel = choosing && c.name === selected;
    const l = line(
      seg(isSel ? '> ' : '  '),
      seg(c.name === plan.choice ? '* ' : '  ', 'accent'),
      seg(cell(clean(c.name), nameCols), 'heading'),
      seg(`  ${clean(c.description)}`),
    );
    out.push({...fit(l, cols), key: `choice:${c.name}`, ...(isSel ? {selected: true} : {})});
  }
  return out;
}

/** Every step, numbered, with what is confirmed so far. */
function stepList(w: FixWizard, p: PlannedFix, plan: FixPlan, cols: number): Line[] {
  const steps = confirmable(plan);
  const out = heading('ALL STEPS', w.stage === 'confirm' && asking(w) ? `${w.confirmed} of ${steps.length} confirmed` : '');
  steps.forEach((s, i) => {
    const done = w.stage === 'confirm' && i < w.confirmed;
    const current = w.stage === 'confirm' && asking(w) && i === w.confirmed;
    const mark = done ? seg('✓ ', 'pass') : current ? seg('> ', 'accent') : seg('  ');
    out.push(
      ...wrapLines(clean(stepTitle(s, p.offline)), cols - 2, {first: `${i + 1}. `, rest: '   '}).map((l, j) => ({
        ...l,
        segs: [seg('  '), j === 0 ? mark : seg('  '), ...l.segs],
      })),
    );
  });
  const manual = plan.steps.filter((s) => s.kind === 'manual');
  if (manual.length > 0) {
    out.push(...heading('BY HAND', 'no safe automation exists: nothing here is run'));
    for (const s of manual) out.push(...wrapLines(clean(s.kind === 'manual' ? s.text : ''), cols, {first: '  - ', rest: '    '}));
  }
  if (plan.notes && plan.notes.length > 0) {
    out.push(...heading('NOTES'));
    for (const n of plan.notes) out.push(...wrapLines(clean(n), cols, {first: '  - ', rest: '    '}));
  }
  return out;
}

/** The plan, as the operator confirms it. */
function planLines(ctx: ViewContext, w: FixWizard, p: PlannedFix, cols: number, selected: string | null): Line[] {
  const out = summaryLines(ctx, w, p, cols);
  if (isNotApplicable(p.plan)) {
    out.push(...heading(p.finding.status === 'pass' ? 'NOTHING TO FIX' : 'CANNOT FIX'));
    out.push(...wrapLines(clean(p.plan.reason), cols, {first: '  ', rest: '  '}));
    if (p.plan.hint) out.push(...wrapLines(`hint: ${clean(p.plan.hint)}`, cols, {first: '  ', rest: '  ', role: 'dim'}));
    return out;
  }
  const plan = p.plan;
  out.push(...choiceLines(ctx, w, plan, cols, selected));
  const why = blocker(p);
  if (why !== null) out.push(...heading('NOTHING TO APPLY'), ...wrapLines(clean(why), cols, {first: '  ', rest: '  ', role: 'warn'}));
  if (w.stage === 'declined') {
    out.push(
      ...heading('NOT APPLIED'),
      ...wrapLines(`you said no at step ${w.confirmed + 1}: nothing was written to ${nodeLabel(ctx, w)} and no backup was taken`, cols, {
        first: '  ',
        rest: '  ',
        role: 'warn',
      }),
    );
  }
  const steps = confirmable(plan);
  if (asking(w) && w.confirmed < steps.length) {
    const s = steps[w.confirmed]!;
    out.push(...heading(`STEP ${w.confirmed + 1} OF ${steps.length}`));
    out.push(...wrapLines(clean(stepTitle(s, p.offline)), cols, {first: '  ', rest: '    ', role: 'heading'}));
    out.push(...stepDetail(s, p.offline, cols));
    // Where the step ends: the wizard asks for a yes only once the screen has shown this far.
    out[out.length - 1] = {...out[out.length - 1]!, mark: STEP_END};
  }
  out.push(...stepList(w, p, plan, cols));
  return out;
}

/** Every line of the wizard's body, to be scrolled; `selected`: the choice under the cursor. */
export function fixLines(ctx: ViewContext, w: FixWizard | null, selected: string | null): Line[] {
  const cols = ctx.cols - 2;
  if (!w) return [];
  switch (w.stage) {
    case 'opening':
      return wrapLines(
        `Reading ${nodeLabel(ctx, w)} again (the plan is made from what is there now) and planning ${w.fixId}. Nothing is written until you have seen the plan and said yes to every step.`,
        cols,
        {role: 'dim'},
      );
    case 'failed':
      return [
        line(seg('COULD NOT PLAN THE FIX', 'fail')),
        ...wrapLines(clean(w.error ?? ''), cols, {first: '  ', rest: '  '}),
        line(''),
        line(seg('Nothing was written. Esc: back to the check.', 'dim')),
      ];
    case 'planning':
    case 'confirm':
    case 'declined':
      return w.planned ? planLines(ctx, w, w.planned, cols, selected) : [];
    case 'applying':
    case 'done': {
      // The result first (it is what the operator waits for), then what was done, in order.
      const out = w.planned ? summaryLines(ctx, w, w.planned, cols, true) : [];
      if (w.result) out.push(...resultLines(ctx, w, w.result, cols));
      out.push(
        ...heading(
          w.stage === 'applying' ? 'APPLYING' : 'WHAT WAS DONE',
          w.stage === 'applying' ? 'Ctrl-C interrupts: what was written is restored from the backup' : '',
        ),
      );
      for (const e of w.events) out.push(...eventLines(ctx, w, e, cols));
      return out;
    }
  }
}

/**
 * The pinned line under the body: where the wizard is and what the operator can do now. `unseen`:
 * lines of the step being confirmed still below the screen; while there are any, the wizard does
 * not ask (y and a wait), it says how much is hidden and how to see it.
 */
export function fixPrompt(ctx: ViewContext, w: FixWizard | null, unseen = 0): Line {
  if (!w) return line('');
  const node = nodeLabel(ctx, w);
  const spin = spinnerFrame(ctx);
  const key = (k: string) => seg(k, 'key');
  switch (w.stage) {
    case 'opening':
      return line(seg(`${spin} probing ${node} and planning…`, 'accent'));
    case 'planning':
      return line(seg(`${spin} planning again with ${clean(w.choice ?? '')}…`, 'accent'));
    case 'failed':
      return line(seg('✗ could not plan the fix: nothing was written', 'fail'));
    case 'declined':
      return line(seg('Not applied: nothing was written', 'warn'), seg(' · Esc back', 'dim'));
    case 'confirm': {
      if (!w.planned || !asking(w)) return line(seg('Nothing to apply here', 'warn'), seg(' · Esc back', 'dim'));
      const total = confirmable(w.planned.plan as FixPlan).length;
      if (unseen > 0)
        return line(
          seg(`Step ${w.confirmed + 1} of ${total} goes on below: `, 'heading'),
          seg(`${unseen} more line${unseen === 1 ? '' : 's'}`, 'warn'),
          seg(' · '),
          key('↓'),
          seg('/'),
          key('PgDn'),
          seg(' to read it before yes · '),
          key('n'),
          seg(' no'),
        );
      return line(
        seg(`Apply step ${w.confirmed + 1} of ${total}?  `, 'heading'),
        key('y'),
        seg(' yes  '),
        key('n'),
        seg(' no: abort, write nothing  '),
        key('a'),
        seg(' yes to all'),
      );
    }
    case 'applying':
      return w.interrupted
        ? line(seg(`${spin} interrupted: restoring the backup on ${node}, then quitting…`, 'warn'))
        : line(seg(`${spin} applying to ${node}… `, 'accent'), seg('Ctrl-C interrupts and restores the backup', 'dim'));
    case 'done': {
      const word = w.result ? resultWord(w, w.result) : RESULT_WORD.lost;
      return line(seg(`${word.glyph} ${word.word}`, word.role), seg(` · Esc back (${node} is checked again)`, 'dim'));
    }
  }
}

/** Commands that do nothing on the wizard right now (the footer leaves them out). */
export function fixHidden(w: FixWizard | null, unseen = 0): Command[] {
  const hidden: Command[] = [];
  if (!w || !asking(w)) hidden.push('confirm', 'decline', 'confirm-all');
  else if (unseen > 0) hidden.push('confirm', 'confirm-all');
  if (!w || !canChoose(w)) hidden.push('choose');
  if (w?.stage === 'applying') hidden.push('back');
  return hidden;
}
