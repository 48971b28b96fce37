/**
 * Unified diffs (`diff -u` format) of a planned file edit, so the operator reviews exactly the
 * bytes that will change before saying yes. Fix edits are small, so the diff trims the common
 * head and tail and runs a plain LCS over what is left.
 */

/** One line-level operation. */
type Op = {kind: ' ' | '-' | '+'; line: string};

const CONTEXT = 3;
/** Past this many cells the middle is shown as a whole replacement rather than aligned. */
const MAX_CELLS = 4_000_000;

function toLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

/** Longest common subsequence alignment of two line lists. */
function align(a: string[], b: string[]): Op[] {
  if (a.length * b.length > MAX_CELLS) return [...a.map((line) => ({kind: '-' as const, line})), ...b.map((line) => ({kind: '+' as const, line}))];
  const w = b.length + 1;
  const dp = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      dp[i * w + j] = a[i] === b[j] ? dp[(i + 1) * w + j + 1]! + 1 : Math.max(dp[(i + 1) * w + j]!, dp[i * w + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({kind: ' ', line: a[i]!});
      i++;
      j++;
    } else if (i < a.length && (j === b.length || dp[(i + 1) * w + j]! >= dp[i * w + j + 1]!)) {
      ops.push({kind: '-', line: a[i++]!});
    } else {
      ops.push({kind: '+', line: b[j++]!});
    }
  }
  return ops;
}

function diffOps(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const same = (lines: string[]): Op[] => lines.map((line) => ({kind: ' ', line}));
  return [...same(a.slice(0, head)), ...align(a.slice(head, a.length - tail), b.slice(head, b.length - tail)), ...same(a.slice(a.length - tail))];
}

const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`);

/**
 * A unified diff between two texts (null: the file does not exist). Empty when they are equal.
 * Labels are the node path, prefixed `a/` and `b/` like git.
 */
export function unifiedDiff(path: string, before: string | null, after: string | null): string {
  if (before === after) return '';
  const ops = diffOps(toLines(before ?? ''), toLines(after ?? ''));
  const rel = path.replace(/^\/+/, '');
  const out = [before === null ? '--- /dev/null' : `--- a/${rel}`, after === null ? '+++ /dev/null' : `+++ b/${rel}`];
  const changed = ops.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k !== -1);
  let idx = 0;
  while (idx < changed.length) {
    const first = changed[idx]!;
    let last = first;
    while (idx + 1 < changed.length && changed[idx + 1]! - last <= 2 * CONTEXT + 1) last = changed[++idx]!;
    idx++;
    const start = Math.max(0, first - CONTEXT);
    const end = Math.min(ops.length, last + CONTEXT + 1);
    let aLine = 1;
    let bLine = 1;
    for (const o of ops.slice(0, start)) {
      if (o.kind !== '+') aLine++;
      if (o.kind !== '-') bLine++;
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${range(aLine, aCount)} +${range(bLine, bCount)} @@`);
    for (const o of hunk) out.push(...`${o.kind}${o.line}`.split('\n'));
  }
  return `${out.join('\n')}\n`;
}
