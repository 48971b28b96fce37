/**
 * The second line of defence for secrets: the probe already blanks private keys and tokens on
 * the node; this pass scrubs anything that slipped through (a key inside a JSON string, a
 * bootstrap token in a flag) before facts, snapshots or reports are made.
 */
import type {RawSnapshot} from './types.js';

// A PEM private key block, possibly inline (\n escaped in JSON) or on one line.
const PEM_KEY = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
// <1:key and separator> for YAML/JSON style secret fields.
const SECRET_FIELD = /((?:^|[\s{,"'])(?:client-key-data|token|password|id-token|refresh-token)["']?\s*[:=]\s*)(?!\[redacted\])("?)[^\s"',}]+/gim;
// A kubeadm bootstrap token: <token-id>.<token-secret>.
const BOOTSTRAP_TOKEN = /\b([a-z0-9]{6})\.[a-z0-9]{16}\b/g;

/** Remove secrets from one text; the line count is preserved so evidence lines stay true. */
export function redactText(text: string): string {
  return text
    .replace(PEM_KEY, (block) => block.split('\n').map(() => '[private key redacted]').join('\n'))
    .replace(SECRET_FIELD, '$1$2[redacted]')
    .replace(BOOTSTRAP_TOKEN, '$1.[redacted]');
}

/** Redact every file content and command output of a raw snapshot (returns a new object). */
export function redactRaw(raw: RawSnapshot): RawSnapshot {
  const files = Object.fromEntries(
    Object.entries(raw.files).map(([k, f]) => [k, f.content === undefined ? f : {...f, content: redactText(f.content)}]),
  );
  const commands = Object.fromEntries(
    Object.entries(raw.commands).map(([k, c]) => [
      k,
      {...c, stdout: redactText(c.stdout), ...(c.reason === undefined ? {} : {reason: redactText(c.reason)})},
    ]),
  );
  return {...raw, files, commands};
}

/** True when the text still looks like it holds a secret (used by tests and the snapshot writer). */
export function containsSecret(text: string): boolean {
  return /-----BEGIN [A-Z ]*PRIVATE KEY-----\s*\n?\s*[A-Za-z0-9+/]{20}/.test(text) ||
    /client-key-data["']?\s*[:=]\s*"?(?!\[redacted\])[A-Za-z0-9+/=]{20}/.test(text);
}
