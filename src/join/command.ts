/**
 * The `kubeadm join …` the operator gave after `--`: checked, shown with its secrets replaced by
 * `<redacted>`, and run with `-v=5`. The secrets (the bootstrap token, a --certificate-key) are
 * kept apart so every line shown or recorded can be scrubbed of them, including kubeadm's own
 * output (it prints the token in some paths, e.g. a dry-run's mutated discovery settings in
 * cmd/kubeadm/app/discovery/token/token.go).
 */
import {UsageError} from '../errors.js';
import {sanitize} from '../text/sanitize.js';

/** Flags whose value is a secret. `--certificate-key` decrypts the control plane's shared certificates. */
const SECRET_FLAGS = new Set(['--token', '--discovery-token', '--tls-bootstrap-token', '--certificate-key']);
/** Any bootstrap token, wherever it appears (k8s.io/cluster-bootstrap/token/api BootstrapTokenPattern). */
const ANY_TOKEN = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g;
/** What a secret becomes. */
export const REDACTED = '<redacted>';

/** A checked join command. */
export interface JoinCommand {
  /** The argv to run: `kubeadm join … -v=5`. */
  argv: string[];
  /** The same with every secret value replaced by `<redacted>`: what is shown. */
  shown: string[];
  /** The secret values (whole token, its secret half, certificate key), longest first. */
  secrets: string[];
  /** `HOST:PORT`, when given. */
  endpoint: string | null;
  controlPlane: boolean;
  /** The words as given, without -v, for the join checks (`--join-command`). */
  original: string;
}

/** Check the words after `--`: `[sudo] [path/]kubeadm join …`. Throws a UsageError naming what is wrong. */
export function parseJoinArgv(words: readonly string[]): JoinCommand {
  let i = 0;
  if (words[i] === 'sudo') for (i++; words[i]?.startsWith('-'); i++);
  const kubeadm = words[i];
  if (kubeadm === undefined || !/(^|\/)kubeadm$/.test(kubeadm) || words[i + 1] !== 'join') {
    throw new UsageError(
      'join runs `kubeadm join …`: give it after `--`',
      'kubelet-doctor join TARGET -- kubeadm join HOST:PORT --token … --discovery-token-ca-cert-hash sha256:…',
    );
  }
  const rest = words.slice(i + 2);
  for (const w of [kubeadm, ...rest]) {
    // The words travel in a shell script: a control character has no business in a join command.
    if (sanitize(w) !== w || w.includes('\n')) throw new UsageError('the join command holds a control character', 'retype the command');
  }
  const argv = [kubeadm, 'join'];
  const shown = [kubeadm, 'join'];
  const secrets: string[] = [];
  let endpoint: string | null = null;
  let controlPlane = false;
  for (let k = 0; k < rest.length; k++) {
    const w = rest[k]!;
    // kubeadm's verbosity is ours to set: -v=5 is added below.
    if (/^--?v(=\d+)?$/.test(w)) {
      if (!w.includes('=') && /^\d+$/.test(rest[k + 1] ?? '')) k++;
      continue;
    }
    if (!w.startsWith('-')) {
      endpoint ??= w;
      argv.push(w);
      shown.push(w);
      continue;
    }
    const eq = w.indexOf('=');
    const flag = eq === -1 ? w : w.slice(0, eq);
    if (flag === '--control-plane') controlPlane = true;
    if (!SECRET_FLAGS.has(flag)) {
      argv.push(w);
      shown.push(w);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = w.slice(eq + 1);
    else if (rest[k + 1] !== undefined) value = rest[++k];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    secrets.push(value);
    const dot = value.indexOf('.');
    if (dot !== -1 && value.length - dot > 6) secrets.push(value.slice(dot + 1));
    if (eq !== -1) {
      argv.push(w);
      shown.push(`${flag}=${REDACTED}`);
    } else {
      argv.push(flag, value);
      shown.push(flag, REDACTED);
    }
  }
  const original = argv.join(' ');
  argv.push('-v=5');
  shown.push('-v=5');
  return {argv, shown, secrets: [...new Set(secrets.filter((s) => s.length >= 6))].sort((a, b) => b.length - a.length), endpoint, controlPlane, original};
}

/** Replace every secret (and anything shaped like a bootstrap token) in the text. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join(REDACTED);
  return out.replace(ANY_TOKEN, REDACTED);
}

/** The longest secret a split chunk may hide; bootstrap tokens are 23 characters. */
const OVERLAP = 256;
/** A line longer than this is shown cut (it is recorded whole up to the transcript cap). */
const MAX_LINE = 4096;

/**
 * kubeadm's output as it streams in, turned into whole lines that are redacted and stripped of
 * terminal escapes. A secret split across two chunks is still caught: text is held until its
 * line ends (or, for a line with no end, all but its last {@link OVERLAP} characters are let go).
 */
export class LineRedactor {
  private pending = '';
  constructor(private readonly secrets: readonly string[]) {}

  /** Feed a chunk; returns the complete lines it finished. */
  push(chunk: string): string[] {
    this.pending += chunk;
    const out: string[] = [];
    let nl = this.pending.indexOf('\n');
    while (nl !== -1) {
      out.push(this.clean(this.pending.slice(0, nl)));
      this.pending = this.pending.slice(nl + 1);
      nl = this.pending.indexOf('\n');
    }
    if (this.pending.length > 64 * 1024) {
      // A line with no end: redact what is held, and keep a tail that could start a secret.
      const safe = redact(sanitize(this.pending), this.secrets);
      out.push(this.clean(safe.slice(0, safe.length - OVERLAP)));
      this.pending = safe.slice(safe.length - OVERLAP);
    }
    return out;
  }

  /** The last line, if it had no newline. */
  end(): string[] {
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? [] : [this.clean(rest)];
  }

  private clean(line: string): string {
    // Escapes first: a sequence planted inside a token must not hide it from the redaction.
    const safe = redact(sanitize(line.replace(/\r$/, '')), this.secrets).replace(/\n/g, ' ');
    return safe.length > MAX_LINE ? `${safe.slice(0, MAX_LINE)} … (line cut)` : safe;
  }
}
