/**
 * known_hosts, as OpenSSH reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain and hashed
 * (`|1|salt|hash`) host fields, `[host]:port` for non-default ports, wildcard and negated
 * patterns, and the `@cert-authority` / `@revoked` markers. Pure parsing and matching here; the
 * one write (recording a new host with --accept-new-host-keys) is `appendKnownHost`.
 */
import {createHash, createHmac} from 'node:crypto';
import {appendFileSync, mkdirSync, readFileSync, statSync} from 'node:fs';
import {dirname} from 'node:path';

/** One usable line of a known_hosts file. */
export interface KnownHostLine {
  /** 1-based line number, for "known_hosts:3" in messages. */
  line: number;
  marker: 'cert-authority' | 'revoked' | null;
  /** Plain comma-separated patterns, or a hashed host. */
  hosts: {hashed: false; patterns: string[]} | {hashed: true; salt: Buffer; hash: Buffer};
  keyType: string;
  /** The key blob, base64 (exactly as in the file). */
  key: string;
}

/** A parsed known_hosts file. */
export interface KnownHosts {
  file: string;
  lines: KnownHostLine[];
}

/** The verdict on a presented host key. */
export type HostKeyVerdict =
  | {status: 'known'; line: number}
  | {status: 'revoked'; line: number}
  | {status: 'changed'; lines: {line: number; keyType: string; fingerprint: string}[]}
  | {status: 'unknown'; otherTypes: {line: number; keyType: string}[]; caLines: number[]};

/** The host field OpenSSH writes and looks up: `host` on port 22, else `[host]:port`. */
export function hostToken(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `SHA256:…` fingerprint of a key blob, as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const n = blob.readUInt32BE(0);
  return n > 0 && n < 64 && blob.length >= 4 + n ? blob.subarray(4, 4 + n).toString('latin1') : 'unknown';
}

/** Parse known_hosts text; comment, blank and malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string, file: string): KnownHosts {
  const lines: KnownHostLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostLine['marker'] = null;
    if (fields[0].startsWith('@')) {
      if (fields[0] === '@cert-authority') marker = 'cert-authority';
      else if (fields[0] === '@revoked') marker = 'revoked';
      else return;
      fields.shift();
    }
    const [hostField, keyType, key] = fields;
    if (!hostField || !keyType || !key) return;
    let hosts: KnownHostLine['hosts'];
    if (hostField.startsWith('|1|')) {
      // <1:salt> <2:hash>, both base64: HMAC-SHA1 keyed by the salt over the host token.
      const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(hostField);
      if (!m) return;
      hosts = {hashed: true, salt: Buffer.from(m[1]!, 'base64'), hash: Buffer.from(m[2]!, 'base64')};
    } else {
      hosts = {hashed: false, patterns: hostField.split(',')};
    }
    lines.push({line: i + 1, marker, hosts, keyType, key});
  });
  return {file, lines};
}

/** Compiled glob patterns, shared by every file and host: known_hosts and ssh_config repeat them. */
const compiled = new Map<string, RegExp>();

/** Glob match with `*` and `?`, as OpenSSH's match_pattern (case-insensitive for host names). */
export function globMatch(pattern: string, text: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    const src = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${src}$`, 'i');
    // Patterns come from the operator's files: a bounded cache, not one per line ever read.
    if (compiled.size >= 4096) compiled.clear();
    compiled.set(pattern, re);
  }
  return re.test(text);
}

/** OpenSSH pattern lists: any positive match, and no negated (`!pattern`) match. */
export function patternListMatch(patterns: readonly string[], text: string): boolean {
  let hit = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), text)) return false;
    } else if (globMatch(p, text)) {
      hit = true;
    }
  }
  return hit;
}

/** Whether a known_hosts line names this host token. */
export function lineMatchesHost(l: KnownHostLine, token: string): boolean {
  if (l.hosts.hashed) {
    const h = createHmac('sha1', l.hosts.salt).update(token).digest();
    return h.equals(l.hosts.hash);
  }
  return patternListMatch(l.hosts.patterns, token);
}

/**
 * A parsed file indexed for lookups: lines whose host patterns are all literal names, by name
 * (lower case, as hostToken writes them); the rest (wildcards, negations, hashed hosts) are
 * matched one by one; revoked keys by key. Built once per parsed file, so a fleet of N nodes
 * costs N lookups, not N times the file's lines (each a RegExp and, hashed, an HMAC).
 */
interface HostIndex {
  literal: Map<string, KnownHostLine[]>;
  scan: KnownHostLine[];
  revoked: Map<string, number>;
  byToken: Map<string, KnownHostLine[]>;
}

const indexes = new WeakMap<KnownHosts, HostIndex>();

function indexOf(kh: KnownHosts): HostIndex {
  let ix = indexes.get(kh);
  if (ix) return ix;
  ix = {literal: new Map(), scan: [], revoked: new Map(), byToken: new Map()};
  for (const l of kh.lines) {
    if (l.marker === 'revoked' && !ix.revoked.has(l.key)) ix.revoked.set(l.key, l.line);
    if (l.hosts.hashed || l.hosts.patterns.some((p) => /[*?!]/.test(p))) {
      ix.scan.push(l);
      continue;
    }
    for (const p of new Set(l.hosts.patterns.map((q) => q.toLowerCase()))) {
      const list = ix.literal.get(p);
      if (list) list.push(l);
      else ix.literal.set(p, [l]);
    }
  }
  indexes.set(kh, ix);
  return ix;
}

/** The lines naming a host token (any marker), in file order, remembered per parsed file. */
function linesFor(kh: KnownHosts, token: string): KnownHostLine[] {
  const ix = indexOf(kh);
  let lines = ix.byToken.get(token);
  if (!lines) {
    const literal = ix.literal.get(token.toLowerCase()) ?? [];
    const scanned = ix.scan.filter((l) => lineMatchesHost(l, token));
    lines = scanned.length === 0 ? literal : [...literal, ...scanned].sort((a, b) => a.line - b.line);
    ix.byToken.set(token, lines);
  }
  return lines;
}

/** Judge a presented key (its wire blob) for a host token against the file. */
export function checkHostKey(kh: KnownHosts, token: string, blob: Buffer): HostKeyVerdict {
  const b64 = blob.toString('base64');
  const type = blobKeyType(blob);
  // A revoked key is refused whatever host it is presented for.
  const revoked = indexOf(kh).revoked.get(b64);
  if (revoked !== undefined) return {status: 'revoked', line: revoked};
  const named = linesFor(kh, token);
  const forHost = named.filter((l) => l.marker === null);
  const same = forHost.find((l) => l.key === b64);
  if (same) return {status: 'known', line: same.line};
  const sameType = forHost.filter((l) => l.keyType === type);
  if (sameType.length > 0) {
    return {
      status: 'changed',
      lines: sameType.map((l) => ({line: l.line, keyType: l.keyType, fingerprint: fingerprint(Buffer.from(l.key, 'base64'))})),
    };
  }
  return {
    status: 'unknown',
    otherTypes: forHost.map((l) => ({line: l.line, keyType: l.keyType})),
    caLines: named.filter((l) => l.marker === 'cert-authority').map((l) => l.line),
  };
}

/** Key types already recorded for a host, so the client can ask for those first (as OpenSSH orders them). */
export function knownKeyTypes(kh: KnownHosts, token: string): string[] {
  const out: string[] = [];
  for (const l of linesFor(kh, token)) {
    if (l.marker === null && !out.includes(l.keyType)) out.push(l.keyType);
  }
  return out;
}

const cache = new Map<string, {mtimeMs: number; size: number; kh: KnownHosts}>();

/** Read (and cache by mtime and size) a known_hosts file; a missing file is an empty one. */
export function loadKnownHosts(file: string): KnownHosts {
  let st;
  try {
    st = statSync(file);
  } catch {
    return {file, lines: []};
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.kh;
  const kh = parseKnownHosts(readFileSync(file, 'utf8'), file);
  cache.set(file, {mtimeMs: st.mtimeMs, size: st.size, kh});
  return kh;
}

/**
 * Record a newly trusted host key (the one write to the operator's machine, with
 * --accept-new-host-keys). Synchronous, so concurrent connections in this process cannot
 * interleave: the second caller finds the line already there. Returns the line number.
 */
export function appendKnownHost(file: string, token: string, blob: Buffer): number {
  const kh = loadKnownHosts(file);
  const b64 = blob.toString('base64');
  const already = kh.lines.find((l) => l.marker === null && l.key === b64 && lineMatchesHost(l, token));
  if (already) return already.line;
  mkdirSync(dirname(file), {recursive: true, mode: 0o700});
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // A new file.
  }
  const prefix = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
  appendFileSync(file, `${prefix}${token} ${blobKeyType(blob)} ${b64}\n`, {mode: 0o600});
  const lineNo = (text + prefix).split('\n').length;
  cache.delete(file);
  return lineNo;
}
