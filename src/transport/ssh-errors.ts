/**
 * ssh2 and socket failures → one-line TargetErrors an operator can act on: what failed, at
 * which host and port, and a hint. The connection phase decides what a timeout means (no TCP
 * answer, a port that does not speak SSH, or an authentication that never finished).
 */
import {TargetError} from '../errors.js';
import type {SshHop} from '../targets/types.js';
import {authError, type AuthLog} from './ssh-auth.js';
import {proxyExit} from './ssh-proxy-command.js';

/** A ProxyCommand as shown in a message: printable, bounded. */
function shownCommand(cmd: string): string {
  const t = cmd.replace(/[^\x20-\x7e]+/g, ' ').trim();
  return t.length > 120 ? `${t.slice(0, 119)}…` : t;
}

/** The failure of a hop reached through its ProxyCommand: how the command ended, what it printed. */
function proxyError(hop: SshHop & {proxyCommand: string}, what: string, kind: 'unreachable' | 'timeout'): TargetError {
  const x = proxyExit(hop);
  const cmd = shownCommand(hop.proxyCommand);
  const said = x?.stderr ? ` (its stderr: "${x.stderr}")` : '';
  return new TargetError(
    kind,
    `ProxyCommand for ${hop.alias} ${x ? `${x.how} ` : ''}${what}${said}`,
    `run it by hand to see why: ${cmd} (it must connect its stdin and stdout to sshd on ${hop.host}:${hop.port}; see ProxyCommand in your ssh_config)`,
  );
}

/** Where a connection got to: TCP connect, SSH version exchange and key exchange, authentication, ready. */
export type ConnectPhase = 'tcp' | 'handshake' | 'auth' | 'ready';

/** The TargetError for a hop that did not become ready before its deadline. */
export function timeoutError(hop: SshHop, phase: ConnectPhase, ms: number): TargetError {
  const s = `${Math.max(1, Math.round(ms / 1000))} s`;
  if (hop.proxyCommand && (phase === 'tcp' || phase === 'handshake')) {
    return proxyError({...hop, proxyCommand: hop.proxyCommand}, `did not speak SSH within ${s}`, 'timeout');
  }
  const at = `${hop.host}:${hop.port}`;
  switch (phase) {
    case 'tcp':
      return new TargetError(
        'timeout',
        `no answer from ${at} within ${s} (connect timed out)`,
        `is ${hop.alias} up, and is port ${hop.port} open (firewall, security group)?`,
      );
    case 'handshake':
      return new TargetError(
        'timeout',
        `${at} accepted the connection but did not speak SSH within ${s}`,
        `is port ${hop.port} the SSH port of ${hop.alias}? a loaded sshd can also stall (MaxStartups)`,
      );
    default:
      return new TargetError(
        'timeout',
        `logging in as ${hop.user}@${hop.alias} did not finish within ${s}`,
        'is ssh-agent waiting for a confirmation, or the node overloaded? raise --timeout or ConnectTimeout',
      );
  }
}

/**
 * The server closed (or reset) the connection before its SSH banner: what sshd does to a new
 * connection beyond MaxStartups (default 10:30:100: 30% of new unauthenticated connections are
 * dropped once 10 are waiting, all of them at 100), writing "Exceeded MaxStartups" first or
 * nothing (newer sshd). No login was attempted. A fleet meets it when it reaches one sshd many
 * times at once: through a jump host, or an inventory naming one node several times. `said`:
 * what the server wrote instead of a banner, if anything.
 */
export function closedBeforeBanner(hop: SshHop, said: string): TargetError {
  const at = `${hop.host}:${hop.port}`;
  const text = said
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim()
    .slice(0, 80);
  if (hop.proxyCommand) {
    const x = proxyExit(hop);
    const what = text ? `${x ? 'after printing' : 'printed'} "${text}" instead of an SSH banner` : `${x ? '' : 'closed its output '}before SSH began`;
    return proxyError(hop as SshHop & {proxyCommand: string}, what, 'unreachable');
  }
  const message = `${at} closed the connection before its SSH banner${text ? `, saying "${text}"` : ''} (no login was attempted)`;
  if (text && !/MaxStartups/i.test(text)) {
    return new TargetError('unreachable', message, `is port ${hop.port} the SSH port of ${hop.alias}?`);
  }
  return new TargetError(
    'unreachable',
    message,
    `sshd drops new connections beyond its MaxStartups (default 10:30:100) while others are still logging in: lower --concurrency, or raise MaxStartups on ${hop.alias}${text ? '' : '; a firewall, tcp_wrappers or fail2ban can also drop them'}`,
  );
}

/** Error code and ssh2 level, when present. */
interface SshLikeError extends Error {
  code?: string;
  level?: string;
}

/**
 * Map a connection error. `hostKey` is the verifier's own verdict (set when it refused the key),
 * which beats ssh2's generic "Host denied".
 */
export function connectError(e: unknown, hop: SshHop, phase: ConnectPhase, log: AuthLog, hostKey: TargetError | null, readyMs: number): TargetError {
  if (hostKey) return hostKey;
  if (e instanceof TargetError) return e;
  const err = (e instanceof Error ? e : new Error(String(e))) as SshLikeError;
  const at = `${hop.host}:${hop.port}`;
  if (err.level === 'client-authentication') return authError(hop, log);
  if (err.level === 'client-timeout') return timeoutError(hop, phase, readyMs);
  switch (err.code) {
    case 'ECONNREFUSED':
      return new TargetError('unreachable', `connection refused by ${at}`, `is sshd running on ${hop.alias}, on port ${hop.port}?`, {cause: e});
    case 'ENOTFOUND':
    case 'EAI_NONAME':
      return new TargetError(
        'unreachable',
        `cannot resolve host name ${hop.host}: no such host`,
        `check the name (and HostName in ~/.ssh/config), or give the address`,
        {cause: e},
      );
    case 'EAI_AGAIN':
      return new TargetError(
        'unreachable',
        `cannot resolve host name ${hop.host}: DNS lookup failed (temporary failure)`,
        'is DNS reachable from here? give the address instead',
        {cause: e},
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new TargetError('unreachable', `no route to ${at}`, `is ${hop.alias} on a network this machine can reach? a jump host (-J) may be needed`, {
        cause: e,
      });
    case 'ETIMEDOUT':
      return timeoutError(hop, 'tcp', readyMs);
    case 'ECONNRESET':
    case 'EPIPE':
      return new TargetError(
        'unreachable',
        `${at} closed the connection during the ${phase === 'auth' ? 'login' : 'SSH handshake'}`,
        `is port ${hop.port} an SSH server? sshd may also be refusing you (MaxStartups, AllowUsers, DenyUsers)`,
        {
          cause: e,
        },
      );
    default:
      break;
  }
  if (err.level === 'handshake' || err.level === 'protocol') {
    return new TargetError(
      'unreachable',
      `SSH handshake with ${at} failed: ${err.message}`,
      `is port ${hop.port} an SSH server? kubelet-doctor needs a modern sshd (curve25519/ecdh key exchange)`,
      {cause: e},
    );
  }
  return new TargetError('unreachable', `cannot connect to ${hop.alias} (${at}): ${err.message}`, undefined, {cause: e});
}

/** A hop failed on the way to the node: say which jump host it was. */
export function viaJump(e: TargetError, hop: SshHop, isJump: boolean): TargetError {
  if (!isJump) return e;
  return new TargetError(e.kind, `jump host ${hop.alias}: ${e.message}`, e.hint, {cause: e});
}
