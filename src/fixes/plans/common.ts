/**
 * What several planners share: collecting edits per file (so two edits to one file become one
 * write step and one diff), the kubelet's config file, and "restart the kubelet and wait for
 * healthz" as steps.
 */
import type {Facts, RawSnapshot, Source} from '../../facts/types.js';
import {editYaml, type YamlEdit} from '../edit/yaml-edit.js';
import {editableFile, isAbsent, lineAt, replaceLine} from '../node-text.js';
import {notApplicable, type NotApplicable, type Step} from '../types.js';

/** Edits gathered per file; the first problem met is kept and stops the plan. */
export class FileEdits {
  private readonly files = new Map<string, {before: string | null; after: string; why: string[]; mode?: number}>();
  /** Why the plan cannot go on, once an edit failed. */
  problem: string | null = null;

  constructor(private readonly raw: RawSnapshot) {}

  /** The current text of a file (with earlier edits applied), or null when it cannot be edited. */
  private current(path: string): {path: string; text: string} | null {
    const known = [...this.files.entries()].find(([p]) => p === path || this.raw.files[path]?.realPath === p);
    if (known) return {path: known[0], text: known[1].after};
    const f = editableFile(this.raw, path);
    if (!f.ok) {
      this.problem ??= f.reason;
      return null;
    }
    return f.file;
  }

  /** Apply `fn` to the file's text; `fn` returns the new text or a reason it cannot. */
  edit(path: string, why: string, fn: (text: string) => string | {reason: string}): boolean {
    if (this.problem) return false;
    const cur = this.current(path);
    if (!cur) return false;
    const next = fn(cur.text);
    if (typeof next !== 'string') {
      this.problem = `${path}: ${next.reason}`;
      return false;
    }
    const prev = this.files.get(cur.path);
    const before = prev ? prev.before : cur.text;
    this.files.set(cur.path, {before, after: next, why: [...(prev?.why ?? []), why]});
    return true;
  }

  /** Create a file the probe saw as absent (or extend one created earlier in this plan). */
  create(path: string, why: string, text: string, mode = 0o644): boolean {
    if (this.problem) return false;
    const prev = this.files.get(path);
    if (!prev && !isAbsent(this.raw, path)) {
      this.problem = `${path} was not seen as absent by the probe`;
      return false;
    }
    this.files.set(path, {before: null, after: prev ? prev.after + text : text, why: [...(prev?.why ?? []), why], mode});
    return true;
  }

  /** Apply YAML edits to a file through the comment-keeping editor. */
  yaml(path: string, why: string, edits: YamlEdit[]): boolean {
    return this.edit(path, why, (text) => {
      const r = editYaml(text, edits);
      return r.ok ? r.text : {reason: r.reason};
    });
  }

  /** Rewrite the line a source points to; `fn` gets the line and returns its replacement. */
  line(source: Source, why: string, fn: (line: string) => string | null): boolean {
    if (!('file' in source) || source.line === undefined) {
      this.problem ??= 'the setting is not on a file line';
      return false;
    }
    const n = source.line;
    return this.edit(source.file, why, (text) => {
      const cur = lineAt(text, n);
      const next = cur === null ? null : fn(cur);
      const out = next === null ? null : replaceLine(text, n, next);
      return out ?? {reason: `line ${n} does not hold the expected text`};
    });
  }

  /** The write steps, in the order the files were first touched; files left unchanged are dropped. */
  steps(): Step[] {
    return [...this.files.entries()]
      .filter(([, f]) => f.before !== f.after)
      .map(([path, f]) => ({
        kind: 'write-file',
        path,
        before: f.before,
        after: f.after,
        ...(f.mode === undefined ? {} : {mode: f.mode}),
        why: f.why.join('; '),
      }));
  }
}

/** The kubelet's `--config` file path, or null when it runs without one. */
export function kubeletConfigPath(facts: Facts): string | null {
  if (!facts.kubeletConfig.collected) return null;
  const p = facts.kubeletConfig.value.configPath?.value ?? '';
  return p.trim() === '' ? null : p;
}

/** The URL the kubelet serves healthz on (null when healthzPort is 0: disabled). */
export function healthzUrl(facts: Facts): string | null {
  const eff = facts.kubeletConfig.collected ? facts.kubeletConfig.value.effective : {};
  const port = typeof eff['healthzPort']?.value === 'number' ? eff['healthzPort'].value : 10248;
  if (port === 0) return null;
  const raw = typeof eff['healthzBindAddress']?.value === 'string' ? eff['healthzBindAddress'].value : '127.0.0.1';
  const addr = raw === '' || raw === '0.0.0.0' ? '127.0.0.1' : raw === '::' ? '::1' : raw;
  return `http://${addr.includes(':') ? `[${addr}]` : addr}:${port}/healthz`;
}

/** How long to wait for the kubelet to answer healthz after a restart. */
export const HEALTHZ_WAIT_MS = 90_000;

/** Restart the kubelet and wait for healthz (when the endpoint is enabled). */
export function restartKubelet(facts: Facts, reload = false): Step[] {
  const url = healthzUrl(facts);
  return [
    ...(reload ? [{kind: 'daemon-reload'} as const] : []),
    {kind: 'restart-unit', unit: 'kubelet'},
    ...(url ? [{kind: 'wait-healthz', url, timeoutMs: HEALTHZ_WAIT_MS} as const] : []),
  ];
}

/** `file:line` of a source, for step descriptions. */
export const where = (s: Source): string => ('command' in s ? s.command : s.line === undefined ? s.file : `${s.file}:${s.line}`);

/**
 * The write steps of the gathered edits followed by the manual ones, or why the fix cannot
 * apply: an edit failed (`handHint` says what to do instead), or nothing is left to write
 * (`nothingToDo` when there is not even a manual step).
 */
export function editSteps(edits: FileEdits, manual: readonly string[], handHint: string, nothingToDo: string): Step[] | NotApplicable {
  if (edits.problem) return notApplicable(`cannot edit safely: ${edits.problem}`, handHint);
  const writes = edits.steps();
  if (writes.length === 0) {
    return manual.length > 0
      ? notApplicable(`nothing this fix can change automatically: ${manual.join('; ')}`, 'make the change by hand')
      : notApplicable(nothingToDo);
  }
  return [...writes, ...manual.map((text) => ({kind: 'manual' as const, text}))];
}
