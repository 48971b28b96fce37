/**
 * Finds the shell commands the docs show and the output they claim, for test/docs/commands.test.ts.
 * Pure (text in, data out), so the extractor itself is tested on small documents.
 *
 * What counts as a command: every line of a ```sh, ```bash or ```shell block (comment lines
 * and blank lines aside, `\` continuations joined), and every `$ ` line of a ```console block or
 * of an untyped block that has one; in those, the lines after a command up to the next `$ ` are
 * the output the doc shows. `<!-- not-runnable: REASON -->` on the line before a block, or a
 * trailing `# not-runnable: REASON` on a command (after its own comment, if it has one), says why
 * the test cannot run it here.
 */

/** One command as a doc shows it. */
export interface DocCommand {
  /** The doc, relative to the repository root. */
  file: string;
  /** 1-based line of the command in the doc. */
  line: number;
  /** The command line, continuations joined, without a `$ ` prompt or trailing comment. */
  text: string;
  /** Commands of one block share a number: they run in order, in one working directory. */
  block: number;
  /** Output lines the doc shows after it (console blocks), each with its doc line. */
  expected: {line: number; text: string}[];
  /** Why it cannot run here (from the marker); '' when the marker gives no reason; absent when runnable. */
  notRunnable?: string;
}

const SHELL_LANGS = new Set(['sh', 'bash', 'shell']);
// <1:reason>
const BLOCK_MARKER = /^\s*<!--\s*not-runnable:(.*?)-->\s*$/;
// <1:reason>: the comment's last part, after whatever the comment says first (`# what it does  # not-runnable: why`)
const COMMAND_MARKER = /(?:^|#)\s*not-runnable:(.*)$/;

/** Every command shown in one Markdown document, in order. `firstBlock` numbers its blocks on from another file's. */
export function extractCommands(file: string, markdown: string, firstBlock = 0): DocCommand[] {
  const lines = markdown.split('\n');
  const out: DocCommand[] = [];
  let block = firstBlock;
  for (let i = 0; i < lines.length; i++) {
    // <1:fence> <2:info string's first word>
    const open = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const lang = open[2]!.toLowerCase();
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trim().startsWith(fence)) end++;
    const body = lines.slice(i + 1, end).map((text, k) => ({line: i + 2 + k, text}));
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = before >= 0 ? BLOCK_MARKER.exec(lines[before]!) : null;
    const blockReason = marker ? marker[1]!.trim() : undefined;
    block++;
    // An untyped block is a console session when a line starts with the prompt (not a `$` inside a drawn screen).
    const prompted = lang === 'console' || (lang === '' && body.some((l) => l.text.startsWith('$ ')));
    if (SHELL_LANGS.has(lang)) out.push(...shellBlock(file, body, block, blockReason));
    else if (prompted) out.push(...consoleBlock(file, body, block, blockReason));
    i = end;
  }
  return out;
}

type Line = {line: number; text: string};

/** Join `\`-continued lines; returns the joined text and how many lines it took. */
function joinContinued(body: readonly Line[], from: number, first: string): {text: string; used: number} {
  let text = first;
  let used = 1;
  while (/\\\s*$/.test(text) && from + used < body.length) {
    text = `${text.replace(/\s*\\\s*$/, '')} ${body[from + used]!.text.trim()}`;
    used++;
  }
  return {text: text.trim(), used};
}

function withMarker(c: Omit<DocCommand, 'text' | 'notRunnable'>, raw: string, blockReason: string | undefined): DocCommand {
  const {code, comment} = splitComment(raw);
  const own = comment === null ? null : COMMAND_MARKER.exec(comment);
  const reason = own ? own[1]!.trim() : blockReason;
  return {...c, text: code.trim(), ...(reason === undefined ? {} : {notRunnable: reason})};
}

function shellBlock(file: string, body: readonly Line[], block: number, blockReason: string | undefined): DocCommand[] {
  const out: DocCommand[] = [];
  for (let k = 0; k < body.length; k++) {
    const t = body[k]!.text.trim();
    if (t === '' || t.startsWith('#')) continue;
    const {text, used} = joinContinued(body, k, t);
    out.push(withMarker({file, line: body[k]!.line, block, expected: []}, text, blockReason));
    k += used - 1;
  }
  return out;
}

function consoleBlock(file: string, body: readonly Line[], block: number, blockReason: string | undefined): DocCommand[] {
  const out: DocCommand[] = [];
  for (let k = 0; k < body.length; k++) {
    const m = /^\$ (.*)$/.exec(body[k]!.text);
    if (!m) {
      const last = out.at(-1);
      if (last && body[k]!.text.trim() !== '') last.expected.push({line: body[k]!.line, text: body[k]!.text});
      continue;
    }
    const {text, used} = joinContinued(body, k, m[1]!);
    out.push(withMarker({file, line: body[k]!.line, block, expected: []}, text, blockReason));
    k += used - 1;
  }
  return out;
}

/** Split a shell line at its comment: a `#` that starts a word outside quotes. */
export function splitComment(line: string): {code: string; comment: string | null} {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '\\') i++;
    else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return {code: line.slice(0, i), comment: line.slice(i + 1)};
  }
  return {code: line, comment: null};
}

/**
 * Split a command line into simple commands (at `&&`, `||`, `;`, `|`) and each into words, the way
 * sh would: quotes removed, `\` escapes applied, `$(…)` kept whole inside its word.
 */
export function shellWords(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | null = null;
  const cur = () => commands.at(-1)!;
  const flush = () => {
    if (word !== null) cur().push(word);
    word = null;
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      flush();
    } else if (ch === "'") {
      const close = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, close < 0 ? undefined : close);
      i = close < 0 ? line.length : close;
    } else if (ch === '"') {
      let j = i + 1;
      let s = '';
      for (; j < line.length && line[j] !== '"'; j++) s += line[j] === '\\' && j + 1 < line.length ? line[++j] : line[j];
      word = (word ?? '') + s;
      i = j;
    } else if (ch === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '');
      i++;
    } else if (ch === '$' && line[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < line.length; j++) {
        if (line[j] === '(') depth++;
        else if (line[j] === ')' && --depth === 0) break;
      }
      word = (word ?? '') + line.slice(i, j + 1);
      i = j;
    } else if (ch === '&' && word !== null && /[<>]$/.test(word)) {
      word += ch; // 2>&1: a redirection, not a background job
    } else if (ch === '&' || ch === '|' || ch === ';') {
      flush();
      if (line[i + 1] === ch) i++;
      commands.push([]);
    } else {
      word = (word ?? '') + ch;
    }
  }
  flush();
  return commands.filter((c) => c.length > 0);
}

/** How a simple command reaches kubelet-doctor, if it does. */
export type Invocation = {kind: 'kubelet-doctor'; args: string[]} | {kind: 'npx'; args: string[]} | {kind: 'npm-script'; script: string} | {kind: 'other'};

/** Classify one simple command (words from {@link shellWords}): leading VAR=value words and `sudo` are looked past. */
export function invocationOf(words: readonly string[]): Invocation {
  let w = withoutRedirections(words);
  while (w.length > 0 && /^[A-Za-z_]\w*=/.test(w[0]!)) w.shift();
  if (w[0] === 'sudo') {
    w.shift();
    while (w[0]?.startsWith('-')) w.shift();
  }
  if (w[0] === 'kubelet-doctor') return {kind: 'kubelet-doctor', args: w.slice(1)};
  if (w[0] === 'npx' && w.includes('kubelet-doctor')) return {kind: 'npx', args: w.slice(w.indexOf('kubelet-doctor') + 1)};
  if (w[0] === 'node' && /(^|\/)dist\/src\/cli\/bin\.js$/.test(w[1] ?? '')) return {kind: 'kubelet-doctor', args: w.slice(2)};
  if (w[0] === 'npm') {
    w = w.slice(1);
    if (w[0] === 'run' || w[0] === 'run-script') w = w.slice(1);
    if (w[0] === 'start') return {kind: 'kubelet-doctor', args: w[1] === '--' ? w.slice(2) : w.slice(1)};
    if (w[0] !== undefined && !['ci', 'install', 'i', 'link', 'pack', 'test', 't'].includes(w[0])) return {kind: 'npm-script', script: w[0]};
    if (w[0] === 'test' || w[0] === 't') return {kind: 'npm-script', script: 'test'};
  }
  return {kind: 'other'};
}

/** The words without `> FILE`, `2>&1`, `<FILE` and the like (sh takes them off before the command sees its argv). */
function withoutRedirections(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    // <1:operator> <2:&N, a descriptor>: alone, the operator's target is the next word; `>FILE` is one word
    const m = /^\d*(>>?|<)(&\d+)?/.exec(words[i]!);
    if (!m) out.push(words[i]!);
    else if (m[0] === words[i] && m[2] === undefined) i++;
  }
  return out;
}

/**
 * Whether the output a doc shows for a line is in the real output: whitespace runs match any
 * whitespace, numbers match any number (counts, ports, durations and line numbers move), and
 * `…` or `...` match anything. Returns the doc lines that are missing.
 */
export function missingLines(expected: readonly {line: number; text: string}[], actual: string): {line: number; text: string}[] {
  // A terminal shows ✗ and ✓ where a pipe or NO_COLOR shows x and +: either stands for the other.
  const plain = (l: string) => l.trim().replace(/^✗ /, 'x ').replace(/^✓ /, '+ ');
  const have = actual
    .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
    .split('\n')
    .map(plain);
  return expected.filter((e) => {
    const t = plain(e.text);
    if (t === '' || t === '...' || t === '…') return false;
    const re = new RegExp(
      `^${t
        .split(/(…|\.\.\.|\d+|\s+)/)
        .map((p) => (p === '…' || p === '...' ? '.*' : /^\d+$/.test(p) ? '\\d+' : /^\s+$/.test(p) ? '\\s+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('')}$`,
    );
    return !have.some((l) => re.test(l));
  });
}
