/**
 * `[user@]host[:port]` strings → fully resolved SSH endpoints. Everything a connection needs
 * (host name, port, user, keys, jump chain, known_hosts policy) is decided here, from the
 * command line, the inventory and ~/.ssh/config, so the transport never reads a config file.
 */
import {join} from 'node:path';
import {UsageError} from '../errors.js';
import {expandPath, expandProxyTokens, expandTokens, home, hostConfig, localUser, type SshConfig} from '../transport/ssh-config.js';
import type {SshEndpoint, SshHop} from './types.js';

/** A parsed `[user@]host[:port]`. */
export interface HostSpec {
  host: string;
  user?: string;
  port?: number;
}

/** Settings that apply to every SSH target (from the command line). */
export interface SshSettings {
  user?: string;
  port?: number;
  /** `-i` files, absolute. */
  identities: string[];
  /** `-J` hops, as typed. */
  jump?: string[];
  sshConfig: SshConfig;
  knownHosts?: string;
  acceptNewHostKeys: boolean;
}

/** Settings a file (the inventory) adds for one host; the command line beats them, they beat ssh_config. */
export interface HostLayer {
  user?: string;
  port?: number;
  identities?: string[];
  jump?: string[];
}

/** Connect+handshake+auth deadline per hop when ssh_config sets no ConnectTimeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** Keepalive every 15 s, give up after 3 unanswered (a dead peer is noticed in under a minute). */
const KEEPALIVE_MS = 15_000;
const KEEPALIVE_COUNT = 3;
/** OpenSSH's default identities, tried when none is configured (ssh(1) -i). */
const DEFAULT_IDENTITIES = ['id_rsa', 'id_ecdsa', 'id_ed25519'];

/** Parse a port; `what` names where it came from in the error. */
export function parsePort(v: string | number, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${what}: port ${String(v)} is not a number from 1 to 65535`);
  return n;
}

/**
 * Parse `[user@]host[:port]`, `user@[v6addr]:port`, a bare IPv6 address, or `ssh://user@host:port`.
 * Throws UsageError naming `what` (the option or file:line) for anything else.
 */
export function parseHostSpec(s: string, what: string): HostSpec {
  let rest = s.trim();
  if (rest.startsWith('ssh://')) rest = rest.slice(6).replace(/\/$/, '');
  const bad = (why: string) =>
    new UsageError(`${what}: ${JSON.stringify(s)} ${why}`, 'targets look like [user@]host[:port], e.g. root@10.0.0.5:2222 or node-1');
  if (rest === '') throw bad('is empty');
  if (/[\s/'"`$;&|<>\\]/.test(rest)) throw bad('is not a host name');
  const out: HostSpec = {host: ''};
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const user = rest.slice(0, at);
    if (user === '' || user.includes('@') || user.startsWith('-')) throw bad('has an invalid user name');
    out.user = user;
    rest = rest.slice(at + 1);
  }
  // <1:v6 address> <2:port>
  const v6 = /^\[([0-9A-Fa-f:.%\w]+)\](?::(\d*))?$/.exec(rest);
  if (v6) {
    out.host = v6[1]!;
    if (v6[2] !== undefined) out.port = parsePort(v6[2], what);
  } else if ((rest.match(/:/g) ?? []).length > 1) {
    out.host = rest; // a bare IPv6 address: no port
  } else {
    const c = rest.indexOf(':');
    out.host = c >= 0 ? rest.slice(0, c) : rest;
    if (c >= 0) out.port = parsePort(rest.slice(c + 1), what);
  }
  if (out.host === '' || out.host.startsWith('-')) throw bad('has no host');
  return out;
}

/** Resolve one hop through ssh_config; also returns its own ProxyJump, if any. */
function resolveHop(spec: HostSpec, s: SshSettings, extraIds: string[]): {hop: SshHop; jumps: string[] | undefined} {
  const hc = hostConfig(s.sshConfig, spec.host);
  const port = spec.port ?? hc.port ?? 22;
  const user = spec.user ?? hc.user ?? localUser();
  const host = hc.hostName ?? spec.host;
  const tok = {host, alias: spec.host, port, user};
  const configured = [...extraIds, ...hc.identityFiles.map((f) => expandPath(expandTokens(f, tok)))];
  const identityFiles = configured.length > 0 ? configured : DEFAULT_IDENTITIES.map((n) => join(home(), '.ssh', n));
  return {
    hop: {
      alias: spec.host,
      host,
      port,
      user,
      identityFiles: [...new Set(identityFiles)],
      useAgent: Boolean(process.env['SSH_AUTH_SOCK']),
      connectTimeoutMs: hc.connectTimeoutS !== undefined ? hc.connectTimeoutS * 1000 : DEFAULT_CONNECT_TIMEOUT_MS,
      keepaliveIntervalMs: hc.serverAliveIntervalS !== undefined ? hc.serverAliveIntervalS * 1000 : KEEPALIVE_MS,
      keepaliveCountMax: hc.serverAliveCountMax ?? KEEPALIVE_COUNT,
      ...(hc.proxyCommand !== undefined ? {proxyCommand: expandProxyTokens(hc.proxyCommand, tok)} : {}),
      ...(hc.certificateFiles.length > 0 ? {certificateFiles: hc.certificateFiles.map((f) => expandPath(expandTokens(f, tok)))} : {}),
    },
    jumps: hc.proxyJump,
  };
}

/** Expand a jump list (`-J a,b` or ProxyJump) into hops, each resolved through ssh_config, recursively. */
function resolveJumps(list: readonly string[], s: SshSettings, what: string, seen: string[]): SshHop[] {
  const hops: SshHop[] = [];
  for (const j of list) {
    const spec = parseHostSpec(j, what);
    const {hop, jumps} = resolveHop(spec, s, s.identities);
    if (jumps && jumps.length > 0) {
      // A jump host's own ProxyJump comes first, as with `ssh -J`; guard against loops.
      if (seen.includes(spec.host)) throw new UsageError(`ProxyJump loop: ${[...seen, spec.host].join(' -> ')}`, 'check ProxyJump in your ssh_config');
      if (seen.length > 8) throw new UsageError(`${what}: jump chain deeper than 8 hosts`, 'check ProxyJump in your ssh_config');
      hops.push(...resolveJumps(jumps, s, `ProxyJump of ${spec.host}`, [...seen, spec.host]));
    }
    hops.push(hop);
  }
  return hops;
}

/**
 * Build the endpoint for one target. Precedence, as OpenSSH: user@/:port written in a
 * command-line TARGET, then `-u`/`-p`/`-J`, then the inventory `layer` (whose host strings are
 * folded into the layer, so pass `{host}` alone for inventory hosts), then ~/.ssh/config, then
 * defaults. `-i` keys come first, then the inventory's, then IdentityFile.
 */
export function sshEndpoint(spec: HostSpec, s: SshSettings, what: string, layer: HostLayer = {}): SshEndpoint {
  const merged: HostSpec = {host: spec.host};
  const user = spec.user ?? s.user ?? layer.user;
  const port = spec.port ?? s.port ?? layer.port;
  if (user !== undefined) merged.user = user;
  if (port !== undefined) merged.port = port;
  const ids = [...s.identities, ...(layer.identities ?? []).map((f) => expandPath(f, process.cwd()))];
  const {hop, jumps: configJumps} = resolveHop(merged, s, ids);
  const jumpList = s.jump ?? layer.jump ?? configJumps ?? [];
  // A jump from -J or the inventory beats the config's ProxyCommand, as `ssh -J` does.
  if (jumpList.length > 0) delete hop.proxyCommand;
  const hc = hostConfig(s.sshConfig, spec.host);
  const knownHostsFile = s.knownHosts ?? (hc.userKnownHostsFile ? expandPath(hc.userKnownHostsFile) : join(home(), '.ssh', 'known_hosts'));
  return {
    ...hop,
    jumps: resolveJumps(jumpList, s, s.jump ? '-J' : what, s.jump || layer.jump ? [] : [spec.host]),
    hostKeys: {knownHostsFile, acceptNew: s.acceptNewHostKeys || hc.strictHostKeyChecking === 'accept-new'},
  };
}
