/**
 * JSON parsing for docker's daemon.json and CNI configs, with the 1-based line of a syntax error
 * (V8's JSON.parse does not always say where), and the line of a value found by offset.
 */

/** JSON parsed, or the syntax error with the line it sits on. */
export type ParsedJson = {ok: true; data: unknown} | {ok: false; error: string; line?: number};

/** Parse JSON text; a syntax error becomes data with its line (V8 does not always say where). */
export function parseJsonText(text: string): ParsedJson {
  try {
    return {ok: true, data: JSON.parse(text) as unknown};
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
    const at = jsonErrorOffset(text);
    const line = at === null ? undefined : lineAtOffset(text, at);
    // V8 quotes the whole document in some messages; keep the operator-facing part short.
    const short = msg.length > 120 ? `${msg.slice(0, 117)}...` : msg;
    return {ok: false, error: short, ...(line === undefined ? {} : {line})};
  }
}

/** 1-based line of a character offset. */
export function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text[k] === '\n') line++;
  return line;
}

/** The offset of the first JSON syntax error, or null when the text is valid JSON. */
export function jsonErrorOffset(s: string): number | null {
  let i = 0;
  let err: number | null = null;
  const ws = (): void => {
    while (i < s.length && ' \t\n\r'.includes(s[i] ?? '')) i++;
  };
  const bad = (): false => {
    err ??= i;
    return false;
  };
  /** Step over the character just matched. */
  const eat = (): true => {
    i++;
    return true;
  };
  const str = (): boolean => {
    i++;
    while (i < s.length) {
      const c = s[i];
      if (c === '"') return eat();
      if (c === '\\') i += 2;
      else if (c === '\n' || (c !== undefined && c < ' ')) return bad();
      else i++;
    }
    return bad();
  };
  const value = (depth: number): boolean => {
    ws();
    if (depth > 512) return bad();
    const c = s[i];
    if (c === '"') return str();
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (s[i] === close) return eat();
      for (;;) {
        if (c === '{') {
          ws();
          if (s[i] !== '"' || !str()) return bad();
          ws();
          if (s[i] !== ':') return bad();
          i++;
        }
        if (!value(depth + 1)) return false;
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === close) return eat();
        return bad();
      }
    }
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(s.slice(i, i + 64));
    if (!m) return bad();
    i += m[0].length;
    return true;
  };
  if (!value(0)) return err ?? i;
  ws();
  return i < s.length ? i : null;
}
