/**
 * The end of the fix wizard as lines: the apply's progress log, the verification result, the
 * backup and the command that undoes it. The undo command is never cut or wrapped by the screen:
 * rows of its own from the first column, split between words with shell continuations when it is
 * wider than the terminal (see {@link shellLines}); start.tsx prints it whole when the TUI closes.
 */
import type {ApplyEvent} from '../../fixes/apply.js';
import {isNotApplicable} from '../../fixes/types.js';
import type {FixOutcome, FixWizard} from '../state/fix-state.js';
import {nodeName} from '../state/selectors.js';
import type {Role} from '../theme.js';
import {badge, clean, type ViewContext} from './context.js';
import {fit, line, seg, width, wrapLines, type Line} from './text.js';

/** The mark on the undo command's lines. */
export const UNDO = 'undo';

/** The command that restores a fix's backup, as the operator would type it. */
export function undoCommand(w: Pick<FixWizard, 'planned'>, backup: string, fallback: string): string {
  return `kubelet-doctor fix ${clean(w.planned?.spec ?? fallback)} --rollback ${clean(backup)}`;
}

/** Split a shell command into words at spaces outside single quotes (as `shellWord` quotes them), an option with its value. */
function shellWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of cmd) {
    if (ch === "'") quoted = !quoted;
    if (ch === ' ' && !quoted) {
      if (cur !== '') words.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur !== '') words.push(cur);
  // An option and its value stay together (`--rollback 20261205T081424Z`): a row never ends on a bare option.
  const units: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const value = words[i + 1];
    if (w.startsWith('-') && !w.includes('=') && value !== undefined && !value.startsWith('-')) {
      units.push(`${w} ${value}`);
      i++;
    } else units.push(w);
  }
  return units;
}

/**
 * A shell command as rows of at most `cols` columns: whole when it fits, else split between words
 * with a trailing ` \` on every row but the last, so pasting the rows runs the same command.
 */
export function shellLines(cmd: string, cols: number): string[] {
  if (width(cmd) <= cols) return [cmd];
  const rows: string[] = [];
  let cur = '';
  for (const w of shellWords(cmd)) {
    const next = cur === '' ? w : `${cur} ${w}`;
    if (cur !== '' && width(next) + 2 > cols) {
      rows.push(`${cur} \\`);
      cur = `  ${w}`;
    } else cur = next;
  }
  rows.push(cur);
  return rows;
}

/** A heading row after a blank one, with an optional hint. */
export const heading = (text: string, hint = ''): Line[] => [line(''), line(seg(text, 'heading'), ...(hint ? [seg(`  ${hint}`, 'dim')] : []))];

/** The node's name for sentences. */
export function nodeLabel(ctx: ViewContext, w: FixWizard): string {
  const n = ctx.state.nodes[w.node];
  return n ? clean(nodeName(n)) : clean(w.planned?.target ?? '?');
}

/** One apply event as a line of the progress log. */
export function eventLines(ctx: ViewContext, w: FixWizard, e: ApplyEvent, cols: number): Line[] {
  const node = nodeLabel(ctx, w);
  const fileCount =
    w.planned && !isNotApplicable(w.planned.plan) ? w.planned.plan.steps.filter((s) => s.kind === 'write-file' || s.kind === 'remove-file').length : 0;
  const say = (glyph: string, role: Role, text: string): Line[] =>
    wrapLines(text, cols - 4, {first: '', rest: '  '}).map((l, i) => ({
      ...l,
      segs: [seg(i === 0 ? `  ${glyph} ` : '    ', role), ...l.segs.map((x) => ({...x, role}))],
    }));
  switch (e.type) {
    case 'phase':
      switch (e.phase) {
        case 'backup':
          return say('…', 'dim', `backing up the ${fileCount} file(s) the plan touches`);
        case 'write':
          return say('…', 'dim', 'writing: every file is compared with what the probe read, then replaced atomically');
        case 'steps':
          return say('…', 'dim', 'running the commands (restart, healthz)');
        case 'verify':
          return say('…', 'dim', `re-probing ${node} and re-running ${w.check}`);
        case 'rollback':
          return say('!', 'warn', 'rolling back: restoring the backup');
      }
      break;
    case 'backup':
      return say('✓', 'pass', `backup ${clean(e.id)} taken at ${clean(e.dir)}${w.planned?.offline ? ' (inside the node tree)' : ''}`);
    case 'file':
      return say('✓', 'pass', `${e.action === 'wrote' ? 'wrote' : 'moved into the backup:'} ${clean(e.path)}`);
    case 'step':
      return say('$', 'accent', clean(e.line));
    case 'output':
      return [fit(line(seg('    | ', 'dim'), seg(clean(e.line))), cols)];
  }
  return [];
}

export const RESULT_WORD: Record<FixOutcome['status'], {glyph: string; word: string; role: Role}> = {
  verified: {glyph: '✓', word: 'FIXED', role: 'pass'},
  'rolled-back': {glyph: '✗', word: 'ROLLED BACK', role: 'fail'},
  refused: {glyph: '!', word: 'NOT APPLIED', role: 'warn'},
  'rollback-failed': {glyph: 'E', word: 'ROLLBACK FAILED', role: 'error'},
  lost: {glyph: 'E', word: 'NODE LOST', role: 'error'},
};

/** How an outcome is headed: an apply interrupted before its backup was complete never got to the node. */
export const resultWord = (w: FixWizard, r: FixOutcome) =>
  w.interrupted && r.status === 'lost' ? {glyph: '!', word: 'INTERRUPTED', role: 'warn' as const} : RESULT_WORD[r.status];

/** The verification result, the backup and the undo. */
export function resultLines(ctx: ViewContext, w: FixWizard, r: FixOutcome, cols: number): Line[] {
  const word = resultWord(w, r);
  const out = heading('RESULT');
  out.push(...wrapLines(`${word.glyph} ${word.word}  ${clean(r.message)}`, cols, {first: '  ', rest: '    ', role: word.role}));
  if (r.finding) out.push(fit(line(seg('  now  '), badge(ctx, r.finding.status), seg(`${r.finding.id}  `, 'heading'), seg(clean(r.finding.summary))), cols));
  if (r.backup !== null && r.status !== 'refused') {
    out.push(fit(line(seg(`  backup ${clean(r.backup)}`, 'heading'), seg(r.status === 'rolled-back' ? '  (already restored)' : '')), cols));
    const undo = undoCommand(w, r.backup, nodeLabel(ctx, w));
    if (r.status !== 'rolled-back') {
      // Never cut, never wrapped by the screen: the command on lines of its own from the first
      // column; too long for one row, it is split at spaces with shell continuations, so the
      // block as copied is still the one command. It is also printed whole when the TUI closes.
      const fits = width(undo) <= cols + 2;
      out.push(
        line(
          seg(r.status === 'verified' ? '  undo' : '  restore it by hand', 'dim'),
          seg(fits ? ':' : ' (one command; printed on one line when you quit):', 'dim'),
        ),
      );
      for (const l of shellLines(undo, cols + 2)) out.push({...line(seg(l, 'accent')), mark: UNDO});
    }
  }
  if (r.pending.length > 0) {
    out.push(line(seg('  pending on next boot (not run under --root):', 'warn')));
    for (const p of r.pending) out.push(...wrapLines(clean(p.replace(/ \(not run offline\)$/, '')), cols, {first: '    - ', rest: '      '}));
  }
  return out;
}
