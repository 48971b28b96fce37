/**
 * Public-key authentication the way `ssh` does it: the agent's keys first (SSH_AUTH_SOCK), then
 * each identity file in order. Keys are read lazily, only when the ones before them failed, so an
 * encrypted key the agent already holds is never touched. An encrypted key with no way to
 * decrypt it is skipped and named in the failure ("load it into ssh-agent"); the TUI can pass a
 * `passphrase` callback to ask for it instead.
 */
import {statSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {parseKey} from './ssh2-lib.js';
import type {AnyAuthMethod, AuthHandlerMiddleware, ParsedKey} from 'ssh2';
import {TargetError} from '../errors.js';
import {tildePath} from './ssh-config.js';
import type {SshHop} from '../targets/types.js';

/** Ask the operator for a key's passphrase (null: they declined). */
export type PassphraseFn = (keyPath: string) => Promise<string | null>;

/** What authentication tried, for the failure message. */
export interface AuthLog {
  /** In order: "agent", "~/.ssh/id_ed25519", … */
  tried: string[];
  /** Encrypted keys that could not be decrypted (no passphrase given). */
  encrypted: string[];
  /** Keys whose passphrase was wrong. */
  badPassphrase: string[];
  /** Key files that exist but could not be used, with why. */
  unusable: string[];
  /** The methods the server said it accepts, once it said so. */
  serverMethods: string[] | null;
}

/** A fresh log. */
export function newAuthLog(): AuthLog {
  return {tried: [], encrypted: [], badPassphrase: [], unusable: [], serverMethods: null};
}

type KeyResult = ParsedKey | 'encrypted' | 'bad-passphrase' | 'missing' | {unusable: string};

function parse(data: Buffer, passphrase?: string): KeyResult {
  const k = parseKey(data, passphrase);
  if (k instanceof Error) {
    if (/no passphrase given/i.test(k.message)) return 'encrypted';
    if (/bad passphrase|integrity check failed|decrypt/i.test(k.message)) return 'bad-passphrase';
    return {unusable: k.message};
  }
  const key = Array.isArray(k) ? k[0] : k;
  if (!key) return {unusable: 'no key in the file'};
  if (!key.isPrivateKey()) return {unusable: 'a public key, not a private key'};
  return key;
}

/**
 * Keys decrypted (or declined) through a passphrase callback, by callback and key: a fleet of 50
 * nodes asks for a key's passphrase once, as ssh-agent would, not once per node.
 */
const unlockedBy = new WeakMap<PassphraseFn, Map<string, Promise<KeyResult>>>();

/** Read one identity file, asking for a passphrase when it is encrypted and a callback exists. */
export async function loadKey(path: string, passphrase?: PassphraseFn): Promise<KeyResult> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch {
    return 'missing';
  }
  if (data.length > 64 * 1024) return {unusable: 'too large for a private key'};
  const first = parse(data);
  if (first !== 'encrypted' || !passphrase) return first;
  const key = `${path}\0${data.toString('base64')}`;
  let unlocked = unlockedBy.get(passphrase);
  if (!unlocked) unlockedBy.set(passphrase, (unlocked = new Map()));
  let p = unlocked.get(key);
  if (!p) {
    p = passphrase(path).then((pass) => (pass === null ? ('encrypted' as const) : parse(data, pass)));
    unlocked.set(key, p);
    // A wrong passphrase is not remembered: the next node asks again.
    void p.then(
      (r) => r === 'bad-passphrase' && unlocked?.delete(key),
      () => unlocked?.delete(key),
    );
  }
  return p;
}

/**
 * The ssh2 auth handler for one hop: agent, then identity files, recording what was tried in
 * `log`. Never throws into ssh2 (a throw inside its callbacks would crash the process).
 */
export function authHandler(hop: SshHop, log: AuthLog, passphrase?: PassphraseFn): AuthHandlerMiddleware {
  const queue: string[] = [...(hop.useAgent && process.env['SSH_AUTH_SOCK'] ? ['agent'] : []), ...hop.identityFiles];
  return (methodsLeft, _partial, nextAuth) => {
    // ssh2 takes `false` for "no more methods", which its typings omit.
    const next = nextAuth as unknown as (m: AnyAuthMethod | false) => void;
    if (Array.isArray(methodsLeft)) log.serverMethods = methodsLeft;
    if (Array.isArray(methodsLeft) && !methodsLeft.includes('publickey')) {
      next(false);
      return;
    }
    void (async () => {
      for (;;) {
        const item = queue.shift();
        if (item === undefined) return next(false);
        if (item === 'agent') {
          log.tried.push('agent');
          return next({type: 'agent', username: hop.user, agent: process.env['SSH_AUTH_SOCK'] ?? ''});
        }
        const key = await loadKey(item, passphrase).catch((e: Error): KeyResult => ({unusable: e.message}));
        const shown = tildePath(item);
        if (key === 'missing') continue;
        if (key === 'encrypted') log.encrypted.push(shown);
        else if (key === 'bad-passphrase') log.badPassphrase.push(shown);
        else if ('unusable' in key) log.unusable.push(`${shown} (${key.unusable})`);
        else {
          log.tried.push(shown);
          return next({type: 'publickey', username: hop.user, key});
        }
      }
    })();
  };
}

/**
 * The user certificates ssh(1) would have offered for this hop: `CertificateFile`, and
 * `KEY-cert.pub` beside each identity file. ssh2 1.17 cannot present them: its key parser reads
 * no `*-cert-v01@openssh.com` type (lib/protocol/keyParser.js parseDER), and a publickey login
 * writes the key's algorithm name as the signature's too (lib/protocol/Protocol.js:735), where
 * OpenSSH requires the plain algorithm inside a certificate login's signature. So a node that
 * trusts the user CA (sshd `TrustedUserCAKeys`) but does not list the key is a clear refusal.
 */
export function userCertificates(hop: SshHop): string[] {
  const found = [...(hop.certificateFiles ?? []), ...hop.identityFiles.map((f) => `${f}-cert.pub`)].filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
  return [...new Set(found)].map(tildePath);
}

/** The TargetError for a failed authentication, naming what was tried and what to do. */
export function authError(hop: SshHop, log: AuthLog): TargetError {
  const who = `${hop.user}@${hop.alias}`;
  const methods = log.serverMethods && log.serverMethods.length > 0 ? log.serverMethods.join(',') : 'publickey';
  if (log.serverMethods && !log.serverMethods.includes('publickey')) {
    return new TargetError(
      'auth',
      `${who} does not accept public keys (it allows: ${methods})`,
      'kubelet-doctor authenticates with keys only: authorise your key on the node',
    );
  }
  if (log.tried.length === 0 && log.encrypted.length > 0) {
    const k = log.encrypted[0]!;
    return new TargetError(
      'auth',
      `key ${k} is encrypted: load it into ssh-agent (ssh-add ${k})`,
      'or run interactively, where kubelet-doctor asks for the passphrase',
    );
  }
  if (log.tried.length === 0 && log.badPassphrase.length > 0) {
    return new TargetError('auth', `wrong passphrase for key ${log.badPassphrase[0]!}`, `load it into ssh-agent instead: ssh-add ${log.badPassphrase[0]!}`);
  }
  if (log.tried.length === 0) {
    const extra = log.unusable.length > 0 ? `; unusable: ${log.unusable.join(', ')}` : '';
    return new TargetError(
      'auth',
      `no SSH key to offer ${who}: no ssh-agent (SSH_AUTH_SOCK) and no key file${extra}`,
      'give a key with -i KEY, IdentityFile in ~/.ssh/config, or load one into ssh-agent',
    );
  }
  const notes = [...log.encrypted.map((k) => `${k} is encrypted (ssh-add ${k})`), ...log.badPassphrase.map((k) => `${k}: wrong passphrase`), ...log.unusable];
  const certs = userCertificates(hop);
  if (certs.length > 0) {
    return new TargetError(
      'auth',
      `permission denied (${methods}) for ${who}: tried ${log.tried.join(', ')}, but not the certificate ${certs.join(', ')}: kubelet-doctor cannot log in with OpenSSH user certificates`,
      `authorise the key itself in ~${hop.user}/.ssh/authorized_keys on ${hop.alias} (see "Certificates" in docs/ssh.md)`,
    );
  }
  return new TargetError(
    'auth',
    `permission denied (${methods}) for ${who}: tried ${log.tried.join(', ')}${notes.length ? `; skipped ${notes.join(', ')}` : ''}`,
    `is your public key in ~${hop.user}/.ssh/authorized_keys on ${hop.alias}? pick the key with -i KEY or the user with -u USER`,
  );
}
