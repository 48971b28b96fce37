/**
 * The one parser for the operator's `kubeadm join …` command (`--join-command`, and the
 * cert-expiry fix's re-bootstrap). It accepts what `kubeadm token create --print-join-command`
 * prints, with `sudo`, `--flag=value` forms and line continuations. The token secret is returned
 * on its own and masked in the text: {@link JoinInput} never holds it.
 */
import type {JoinInput} from '../facts/live/cluster.js';

/** What {@link parseJoinInput} returns: the secret-free input and, apart, the token secret. */
export interface ParsedJoin {
  input: JoinInput;
  /** The part of the token after the dot; null when no token was given. */
  tokenSecret: string | null;
}

/** The problem recorded when the text is not a `kubeadm join` command at all. */
export const NOT_A_JOIN_COMMAND = 'not a `kubeadm join …` command (print one with `kubeadm token create --print-join-command`)';

const TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const SHA256_PIN = /^sha256:[0-9a-f]{64}$/;
const ENDPOINT = /^[^\s:/[\]]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/;
/** Flags that take no value (a following word is the next argument). */
const BOOLEAN_FLAGS = new Set(['--control-plane', '--discovery-token-unsafe-skip-ca-verification', '--dry-run', '--help', '-h']);
/** Flags whose value is a secret and is masked in the text. */
const SECRET_FLAGS = new Set(['--token', '--discovery-token', '--tls-bootstrap-token', '--certificate-key']);

/** `abcdef.****************`: the token with its secret half masked (all of it when it has no dot). */
export function maskToken(token: string): string {
  const dot = token.indexOf('.');
  return dot === -1 ? '****************' : `${token.slice(0, dot)}.${'*'.repeat(16)}`;
}

/** Split a pasted command into words: whitespace, `\` line continuations, surrounding quotes. */
function words(cmd: string): string[] {
  return cmd
    .split(/\s+/)
    .filter((w) => w !== '' && w !== '\\')
    .map((w) => w.replace(/^(['"])(.*)\1$/, '$2'));
}

/** The index after `[sudo [-flags]] [path/]kubeadm join`, and whether `join` was there. */
function commandStart(ws: string[]): {at: number; isJoin: boolean} {
  let i = 0;
  if (ws[i] === 'sudo') for (i++; ws[i]?.startsWith('-'); i++);
  if (ws[i] !== undefined && /(^|\/)kubeadm$/.test(ws[i]!)) i++;
  return ws[i] === 'join' ? {at: i + 1, isJoin: true} : {at: i, isJoin: false};
}

interface Scan {
  endpoint: string | null;
  token: string | null;
  discoveryToken: string | null;
  hashes: string[];
  unsafeSkip: boolean;
  discoveryFile: boolean;
  /** The words with secret values masked. */
  shown: string[];
}

/** Walk the arguments after `join`, recording what matters and masking secrets as it goes. */
function scan(ws: string[], at: number): Scan {
  const s: Scan = {endpoint: null, token: null, discoveryToken: null, hashes: [], unsafeSkip: false, discoveryFile: false, shown: ws.slice(0, at)};
  for (let i = at; i < ws.length; i++) {
    const w = ws[i]!;
    if (!w.startsWith('-')) {
      s.endpoint ??= w;
      s.shown.push(w);
      continue;
    }
    const eq = w.indexOf('=');
    const flag = eq === -1 ? w : w.slice(0, eq);
    let value: string | undefined = eq === -1 ? undefined : w.slice(eq + 1);
    const takesNext = value === undefined && !BOOLEAN_FLAGS.has(flag) && ws[i + 1] !== undefined && !ws[i + 1]!.startsWith('-');
    if (takesNext) value = ws[++i]!;
    record(s, flag, value);
    const masked = value !== undefined && SECRET_FLAGS.has(flag) ? (flag === '--certificate-key' ? '****' : maskToken(value)) : value;
    if (masked === undefined) s.shown.push(flag);
    else if (eq !== -1) s.shown.push(`${flag}=${masked}`);
    else s.shown.push(flag, masked);
  }
  return s;
}

function record(s: Scan, flag: string, value: string | undefined): void {
  switch (flag) {
    case '--token':
      s.token = value ?? '';
      break;
    case '--discovery-token':
      s.discoveryToken = value ?? '';
      break;
    case '--discovery-token-ca-cert-hash':
      s.hashes.push(...(value ?? '').split(',').filter((h) => h !== ''));
      break;
    case '--discovery-token-unsafe-skip-ca-verification':
      s.unsafeSkip = value === undefined || value === 'true';
      break;
    case '--discovery-file':
      s.discoveryFile = true;
      break;
    default:
      break;
  }
}

/** Check each `--discovery-token-ca-cert-hash`; the valid ones, lower-cased, and a problem per bad one. */
function checkHashes(hashes: string[], problems: string[]): string[] {
  const good: string[] = [];
  for (const h of hashes) {
    const lower = h.toLowerCase();
    if (SHA256_PIN.test(lower)) good.push(lower);
    else if (!lower.startsWith('sha256:') && lower.includes(':'))
      problems.push(`--discovery-token-ca-cert-hash ${h}: unknown hash type (kubeadm takes sha256:<64 hex digits>)`);
    else problems.push(`--discovery-token-ca-cert-hash ${h}: not sha256:<64 hex digits>`);
  }
  return [...new Set(good)];
}

/** Parse a `kubeadm join` command line; never throws: what is wrong with it is in `problems`. */
export function parseJoinInput(cmd: string): ParsedJoin {
  const ws = words(cmd);
  const {at, isJoin} = commandStart(ws);
  const s = scan(ws, at);
  const problems: string[] = isJoin ? [] : [NOT_A_JOIN_COMMAND];
  const token = s.discoveryToken ?? s.token;
  if (s.endpoint === null && !s.discoveryFile) problems.push('no API server endpoint HOST:PORT');
  else if (s.endpoint !== null && !ENDPOINT.test(s.endpoint)) problems.push(`${s.endpoint}: the API server endpoint is not HOST:PORT`);
  if (token === null && !s.discoveryFile) problems.push('no --token (or --discovery-token)');
  else if (token !== null && !TOKEN.test(token)) problems.push(`the token ${maskToken(token)} is not of the form [a-z0-9]{6}.[a-z0-9]{16}`);
  const caHashes = checkHashes(s.hashes, problems);
  if (token !== null && s.hashes.length === 0 && !s.unsafeSkip) {
    problems.push(
      'no --discovery-token-ca-cert-hash: kubeadm join refuses token discovery without a CA pin (or --discovery-token-unsafe-skip-ca-verification)',
    );
  }
  const dot = token?.indexOf('.') ?? -1;
  let text = s.shown.join(' ');
  const secret = token !== null && dot !== -1 ? token.slice(dot + 1) : null;
  // Belt and braces: the secret anywhere else in the text (pasted twice, a stray word) is masked too.
  if (secret !== null && secret.length >= 6) text = text.split(secret).join('*'.repeat(16));
  return {
    input: {
      text,
      endpoint: s.endpoint !== null && ENDPOINT.test(s.endpoint) ? s.endpoint : null,
      tokenId: token === null || dot === -1 ? null : token.slice(0, dot),
      tokenFormatValid: token !== null && TOKEN.test(token),
      caHashes,
      unsafeSkipCaVerification: s.unsafeSkip,
      problems,
    },
    tokenSecret: secret,
  };
}
