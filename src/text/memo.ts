/**
 * A bounded memo for pure functions of one text. A fleet is mostly the same files: kubeadm writes
 * every node's /var/lib/kubelet/config.yaml from one ConfigMap, and units, drop-ins and the
 * runtime's config come from one package or one image. Redacting and parsing the same bytes once
 * per fleet instead of once per node is most of what a large run spends on them.
 *
 * Bounded in entries and in characters (least recently used out first), and a text longer than
 * `maxTextChars` is never kept, so one big file cannot push the fleet's common ones out. The key
 * kept is a fresh copy of the text: a text sliced out of a node's whole probe output would keep
 * that output alive for as long as the entry lives. Only for functions whose result nobody
 * changes (the same object is handed to every node with that text).
 */
export interface TextMemoOptions {
  /** Entries kept at most. */
  maxEntries: number;
  /** Characters of text kept at most (the sum over entries). */
  maxChars: number;
  /** Texts longer than this are computed every time and not kept. */
  maxTextChars: number;
}

/** What a memo has done, for tests and the bench. */
export interface TextMemoStats {
  hits: number;
  misses: number;
  entries: number;
  chars: number;
}

export interface TextMemo<T> {
  (text: string): T;
  stats(): TextMemoStats;
  clear(): void;
}

/** A flat copy of `s` that shares no storage with the string it was sliced from (one byte a character when it can be). */
function detached(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** `fn` with its results for recent texts kept (see the module comment for the bounds). */
export function memoByText<T>(fn: (text: string) => T, o: TextMemoOptions): TextMemo<T> {
  const kept = new Map<string, T>();
  let chars = 0;
  let hits = 0;
  let misses = 0;
  const memo = ((text: string): T => {
    if (text.length > o.maxTextChars) {
      misses++;
      return fn(text);
    }
    const had = kept.get(text);
    if (had !== undefined || kept.has(text)) {
      hits++;
      // Most recently used last: delete and set again.
      kept.delete(text);
      kept.set(text, had as T);
      return had as T;
    }
    misses++;
    const key = detached(text);
    // A lone surrogate does not survive the copy: such a text is computed and not kept.
    if (key !== text) return fn(text);
    const value = fn(key);
    kept.set(key, value);
    chars += key.length;
    for (const [k] of kept) {
      if (kept.size <= o.maxEntries && chars <= o.maxChars) break;
      kept.delete(k);
      chars -= k.length;
    }
    return value;
  }) as TextMemo<T>;
  memo.stats = () => ({hits, misses, entries: kept.size, chars});
  memo.clear = () => {
    kept.clear();
    chars = 0;
    hits = 0;
    misses = 0;
  };
  return memo;
}
