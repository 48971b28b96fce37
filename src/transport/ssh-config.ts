/**
 * The operator's OpenSSH client config (`~/.ssh/config`, ssh_config(5)), read with the
 * `ssh-config` package so aliases, Host patterns and first-value-wins behave as `ssh` does.
 * Only what kubelet-doctor uses is extracted: HostName, User, Port, IdentityFile, ProxyJump,
 * ProxyCommand, CertificateFile, ConnectTimeout, ServerAlive*, UserKnownHostsFile, StrictHostKeyChecking.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs';
import {homedir, userInfo} from 'node:os';
import {basename, dirname, isAbsolute, join} from 'node:path';
import SSHConfig from 'ssh-config';
import {InputError} from '../errors.js';
import {globMatch} from './known-hosts.js';

/** A loaded config (or none: `--ssh-config none`, or no ~/.ssh/config). */
export interface SshConfig {
  file: string | null;
  parsed: SSHConfig | null;
}

/** What the config says about one host (undefined: not set). */
export interface HostConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  /** ProxyJump hops (`none` cancels a jump from a broader Host block). */
  proxyJump?: string[];
  /**
   * ProxyCommand, tokens not yet expanded (`none`: not set). Of ProxyJump and ProxyCommand only
   * the one obtained first counts, as in ssh(1); a `none` obtained first disables both.
   */
  proxyCommand?: string;
  /** CertificateFile entries (accumulate, like IdentityFile). */
  certificateFiles: string[];
  connectTimeoutS?: number;
  serverAliveIntervalS?: number;
  serverAliveCountMax?: number;
  userKnownHostsFile?: string;
  strictHostKeyChecking?: string;
}

/** The home directory the `~` and `%d` of ssh_config expand to. */
export function home(): string {
  return process.env['HOME'] || homedir();
}

/** `~`-relative display of a path (messages show `~/.ssh/id_ed25519`, like ssh does). */
export function tildePath(p: string): string {
  const h = home();
  return p.startsWith(`${h}/`) ? `~${p.slice(h.length)}` : p;
}

/** `~/x` → `$HOME/x`; relative paths in ssh_config are relative to ~/.ssh (ssh_config(5)). */
export function expandPath(p: string, base = join(home(), '.ssh')): string {
  if (p === '~') return home();
  if (p.startsWith('~/')) return join(home(), p.slice(2));
  return isAbsolute(p) ? p : join(base, p);
}

/** ProxyCommand's tokens (ssh_config(5): %%, %h, %n, %p, %r); any other %x is left as written, like ssh rejects it. */
export function expandProxyTokens(v: string, t: {host: string; alias: string; port: number; user: string}): string {
  return v.replace(/%([%hnpr])/g, (_m, c: string) => (c === 'h' ? t.host : c === 'n' ? t.alias : c === 'p' ? String(t.port) : c === 'r' ? t.user : '%'));
}

/** ssh_config(5) TOKENS: %h host, %p port, %r remote user, %u local user, %d home, %n alias, %% a percent. */
export function expandTokens(v: string, t: {host: string; alias: string; port?: number; user?: string}): string {
  return v.replace(/%([%hprudn])/g, (_m, c: string) => {
    switch (c) {
      case 'h':
        return t.host;
      case 'n':
        return t.alias;
      case 'p':
        return String(t.port ?? 22);
      case 'r':
        return t.user ?? '';
      case 'u':
        return localUser();
      case 'd':
        return home();
      default:
        return '%';
    }
  });
}

/** The local user name (ssh's default remote user). */
export function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'root';
  }
}

/** Inline `Include` directives (ssh_config(5): globs, relative to ~/.ssh), to a depth of 16 like ssh. */
function withIncludes(text: string, file: string, depth: number): string {
  if (depth > 16) throw new InputError(`${file}: Include nested too deeply (more than 16 levels)`);
  return text
    .split('\n')
    .map((line) => {
      const m = /^\s*include\s*[=\s]\s*(.+?)\s*$/i.exec(line);
      if (!m) return line;
      const parts: string[] = [];
      for (const pat of m[1]!.split(/\s+/)) {
        const full = expandPath(pat);
        const dir = dirname(full);
        const name = basename(full);
        let names: string[];
        if (/[*?]/.test(name)) {
          try {
            names = readdirSync(dir)
              .filter((n) => globMatch(name, n))
              .sort();
          } catch {
            names = [];
          }
        } else {
          names = [name];
        }
        for (const n of names) {
          const p = join(dir, n);
          try {
            if (!statSync(p).isFile()) continue;
            parts.push(withIncludes(readFileSync(p, 'utf8'), p, depth + 1));
          } catch {
            // ssh ignores an Include that matches nothing.
          }
        }
      }
      return parts.join('\n');
    })
    .join('\n');
}

/**
 * Load the client config: `--ssh-config FILE` (must exist), `none`, or ~/.ssh/config when
 * present. Unreadable or unparsable files are an InputError naming the file.
 */
export function loadSshConfig(option: string | null): SshConfig {
  if (option === 'none') return {file: null, parsed: null};
  const file = option ?? join(home(), '.ssh', 'config');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (option === null) return {file: null, parsed: null};
    throw new InputError(
      `--ssh-config ${option}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      'give an OpenSSH client config file, or --ssh-config none',
      {cause: e},
    );
  }
  try {
    return {file, parsed: SSHConfig.parse(withIncludes(text, file, 0))};
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: not a valid ssh_config file (${(e as Error).message})`, undefined, {cause: e});
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function num(cfg: SshConfig, alias: string, key: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new InputError(`${cfg.file ?? 'ssh_config'}: ${key} ${v} (for host ${alias}) is not a whole number >= ${min}`);
  }
  return n;
}

/** What the config sets for `alias` (the name as typed), first value wins, IdentityFile accumulates. */
export function hostConfig(cfg: SshConfig, alias: string): HostConfig {
  if (!cfg.parsed) return {identityFiles: [], certificateFiles: []};
  // Match exec would run shell commands from the config: not for a diagnostic tool.
  const c = cfg.parsed.compute(alias, {ignoreCase: true, matchExec: false});
  const get = (k: string) => first(c[k]);
  const out: HostConfig = {identityFiles: [], certificateFiles: []};
  const hostName = get('hostname');
  if (hostName !== undefined) out.hostName = expandTokens(hostName, {host: alias, alias});
  const user = get('user');
  if (user !== undefined) out.user = user;
  const port = num(cfg, alias, 'Port', get('port'), 1);
  if (port !== undefined) {
    if (port > 65535) throw new InputError(`${cfg.file}: Port ${port} (for host ${alias}) is out of range`);
    out.port = port;
  }
  const ids = c['identityfile'];
  out.identityFiles = (Array.isArray(ids) ? ids : ids ? [ids] : []).filter((f) => f.toLowerCase() !== 'none');
  const certs = c['certificatefile'];
  out.certificateFiles = (Array.isArray(certs) ? certs : certs ? [certs] : []).filter((f) => f.toLowerCase() !== 'none');
  // ssh(1) keeps whichever of ProxyJump and ProxyCommand it reads first (readconf.c ignores the
  // other once one is set); compute() lists keys in the order they were first obtained.
  const keys = Object.keys(c).map((k) => k.toLowerCase());
  const jumpFirst = keys.indexOf('proxyjump');
  const cmdFirst = keys.indexOf('proxycommand');
  const useCommand = cmdFirst >= 0 && (jumpFirst < 0 || cmdFirst < jumpFirst);
  const pc = get('proxycommand')?.trim();
  const pj = get('proxyjump');
  if (useCommand) {
    if (pc && pc.toLowerCase() !== 'none') out.proxyCommand = pc;
  } else if (pj !== undefined) {
    out.proxyJump =
      pj.toLowerCase() === 'none'
        ? []
        : pj
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
  }
  const ct = num(cfg, alias, 'ConnectTimeout', get('connecttimeout'), 1);
  if (ct !== undefined) out.connectTimeoutS = ct;
  const sai = num(cfg, alias, 'ServerAliveInterval', get('serveraliveinterval'), 0);
  if (sai !== undefined) out.serverAliveIntervalS = sai;
  const sac = num(cfg, alias, 'ServerAliveCountMax', get('serveralivecountmax'), 0);
  if (sac !== undefined) out.serverAliveCountMax = sac;
  const ukh = first(c['userknownhostsfile']);
  if (ukh !== undefined) out.userKnownHostsFile = ukh.split(/\s+/)[0]!;
  const shk = get('stricthostkeychecking');
  if (shk !== undefined) out.strictHostKeyChecking = shk.toLowerCase();
  return out;
}
