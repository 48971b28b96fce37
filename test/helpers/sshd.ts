/**
 * A real OpenSSH sshd for tests: `/usr/sbin/sshd -D -e -f <generated config>` on a free loopback
 * port, with a generated host key, generated user keys in authorized_keys, and everything (pid
 * file, keys, config) in a temporary directory. Stop it in afterAll.
 */
import {execFile, spawn, type ChildProcess} from 'node:child_process';
import {createHmac, randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {createServer, type Server, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {writeNodeTree, type NodeTreeInfo} from '../../src/lab/node-tree.js';

const run = promisify(execFile);

/** Where Debian's openssh-server puts sshd. */
export const SSHD = '/usr/sbin/sshd';

/** Whether a real sshd can be started here (tests skip with this reason otherwise). */
export function sshdMissing(): string | null {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server)`;
  if (process.getuid?.() !== 0) return 'sshd for tests needs root (it switches to the logged-in user)';
  return null;
}

/**
 * An existing unprivileged account that can log in (uid >= 1000, a real shell), for the
 * non-root + sudo test; null when there is none (the test then skips, saying why).
 */
export async function unprivilegedUser(): Promise<string | null> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [name, , uid, , , , shell] = line.split(':');
    if (name && Number(uid) >= 1000 && Number(uid) < 65534 && shell && !/nologin|false/.test(shell) && existsSync(shell)) return name;
  }
  return null;
}

/** Generate an OpenSSH key pair with ssh-keygen; returns the private key path (public: `.pub`). */
export async function makeKey(path: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519', passphrase = ''): Promise<string> {
  await rm(path, {force: true});
  await rm(`${path}.pub`, {force: true});
  await run('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', `kd-test-${type}`, '-f', path]);
  return path;
}

/** A free loopback port (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as {port: number}).port;
      s.close(() => resolve(port));
    });
  });
}

/** A TCP listener on loopback that accepts connections and never says a word (an SSH timeout). */
export async function silentListener(): Promise<{
  port: number;
  connections: () => number;
  accepted: () => number;
  sockets: () => Socket[];
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.resume(); // read and drop what the client sends, so its hang-up is seen
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  return {
    port: (server.address() as {port: number}).port,
    /** Connections open right now. */
    connections: () => sockets.size,
    /** Connections accepted since it started. */
    accepted: () => accepted,
    /** The open connections themselves (`destroyed` once the peer has gone). */
    sockets: () => [...sockets],
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}

/** A running sshd. */
export interface Sshd {
  port: number;
  dir: string;
  /** The host's public key line (`ssh-ed25519 AAAA…`). */
  hostKeyPub: string;
  /** Private keys authorised for login, by type. */
  keys: Record<'ed25519' | 'ecdsa' | 'rsa', string>;
  /** A key that is NOT authorised. */
  wrongKey: string;
  /** The `[127.0.0.1]:port` token known_hosts uses for this server. */
  token: string;
  /** Write a known_hosts file trusting this server (plain or hashed entry); returns its path. */
  knownHosts(name?: string, opts?: {hashed?: boolean; before?: string}): Promise<string>;
  /** Everything sshd logged so far (for failure messages). */
  log(): string;
  /** The listening sshd's process id (its children are the per-connection processes). */
  pid: number;
  /** Stop sshd and remove its directory. */
  stop(): Promise<void>;
}

/** Options for a test sshd. */
export interface SshdOptions {
  /** Extra sshd_config lines (ForceCommand, Match blocks, SetEnv …), appended at the end. */
  extra?: string;
  /**
   * UsePAM yes: lets a password-locked account (`!` in /etc/shadow) log in with a key, which
   * sshd refuses without PAM. Only for the non-root sudo test.
   */
  usePam?: boolean;
  /**
   * Sessions get a HOME of their own (an empty directory in the sshd's), so the login shell does
   * not run this machine's root startup files. The tests' nodes are all this one machine: with
   * the machine's ~/.bashrc every session of a 50-node fleet would share one home, and here it
   * runs `pyenv init -`, whose rehash lets one shell at a time hold a lock file (and waits up to
   * 60 s for it); real nodes each have their own. The probe's own timeout for a login that never
   * gets to the probe is tested on its own (ssh-fleet.test.ts).
   */
  ownHome?: boolean;
  /**
   * sshd's MaxStartups (default here 300: no connection is dropped before login however many
   * nodes a fleet test opens at once; sshd's own default 10:30:100 drops some beyond 10).
   */
  maxStartups?: string;
  /**
   * Serve a host certificate (sshd `HostCertificate`) for the ed25519 host key, signed with
   * `ssh-keygen -s caKey -h`: principals `-n` (omitted: none, which names any host), validity `-V`.
   */
  hostCertificate?: {caKey: string; principals?: string; validity?: string; id?: string};
}

/** A hashed known_hosts host field for `token`, as `ssh-keygen -H` writes it. */
export function hashedHost(token: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(token).digest('base64')}`;
}

async function waitForListening(child: ChildProcess, logs: () => string, ms: number): Promise<'ok' | 'in-use'> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const check = () => {
      const l = logs();
      if (/Server listening on/.test(l)) return done('ok');
      if (/Address already in use/.test(l)) return done('in-use');
      if (child.exitCode !== null) return fail(`sshd exited (${child.exitCode}): ${l}`);
      if (Date.now() > deadline) return fail(`sshd did not start within ${ms} ms: ${l}`);
    };
    const timer = setInterval(check, 20);
    const done = (v: 'ok' | 'in-use') => {
      clearInterval(timer);
      resolve(v);
    };
    const fail = (m: string) => {
      clearInterval(timer);
      reject(new Error(m));
    };
  });
}

/** Start sshd on a free loopback port; retries when another test grabbed the port first. */
export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  const dir = await mkdtemp(join(tmpdir(), 'kd-sshd-'));
  // sshd reads authorized_keys as the logging-in user: the directory must be traversable.
  await chmod(dir, 0o755);
  const client = join(dir, 'client');
  await mkdir(client, {mode: 0o700});
  await mkdir('/run/sshd', {recursive: true, mode: 0o755}); // privilege separation dir
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  await makeKey(hostKey, 'ed25519');
  const keys = {
    ed25519: await makeKey(join(client, 'id_ed25519'), 'ed25519'),
    ecdsa: await makeKey(join(client, 'id_ecdsa'), 'ecdsa'),
    rsa: await makeKey(join(client, 'id_rsa'), 'rsa'),
  };
  const wrongKey = await makeKey(join(client, 'id_wrong'), 'ed25519');
  const pubs = await Promise.all(Object.values(keys).map((k) => readFile(`${k}.pub`, 'utf8')));
  await writeFile(join(dir, 'authorized_keys'), pubs.join(''), {mode: 0o644});
  const hostKeyPub = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
  const hc = opts.hostCertificate;
  if (hc) {
    await run('ssh-keygen', [
      '-q',
      '-s',
      hc.caKey,
      '-h',
      '-I',
      hc.id ?? 'kd-test-host',
      ...(hc.principals !== undefined ? ['-n', hc.principals] : []),
      ...(hc.validity ? ['-V', hc.validity] : []),
      `${hostKey}.pub`,
    ]);
  }
  const sessionHome = join(dir, 'session-home');
  if (opts.ownHome) await mkdir(sessionHome, {mode: 0o755});

  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      ...(hc ? [`HostCertificate ${hostKey}-cert.pub`] : []),
      `PidFile ${join(dir, `sshd-${port}.pid`)}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      `UsePAM ${opts.usePam ? 'yes' : 'no'}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PrintMotd no',
      'PrintLastLog no',
      `MaxStartups ${opts.maxStartups ?? '300'}`,
      'MaxSessions 64',
      'LogLevel VERBOSE',
      'AllowTcpForwarding yes',
      ...(opts.ownHome ? [`SetEnv HOME=${sessionHome}`] : []),
      opts.extra ?? '',
    ].join('\n');
    const cfgFile = join(dir, `sshd_config-${port}`);
    await writeFile(cfgFile, `${config}\n`);
    let logs = '';
    const child = spawn(SSHD, ['-D', '-e', '-f', cfgFile], {stdio: ['ignore', 'ignore', 'pipe']});
    child.stderr!.on('data', (b: Buffer) => {
      if (logs.length < 1_000_000) logs += b.toString();
    });
    const state = await waitForListening(child, () => logs, 15_000);
    if (state === 'in-use') {
      child.kill('SIGKILL');
      continue;
    }
    const token = `[127.0.0.1]:${port}`;
    return {
      port,
      dir,
      hostKeyPub,
      keys,
      wrongKey,
      token,
      async knownHosts(name = `known_hosts-${port}`, o = {}) {
        const f = join(client, name);
        await writeFile(f, `${o.before ?? ''}${o.hashed ? hashedHost(token) : token} ${hostKeyPub}\n`, {mode: 0o600});
        return f;
      },
      log: () => logs,
      pid: child.pid!,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((res) => child.once('exit', () => res()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
        await rm(dir, {recursive: true, force: true});
      },
    };
  }
  throw new Error('could not find a free port for sshd after 5 attempts');
}

/** The built CLI (`npx tsc -p .` first). */
/**
 * What the SSH end-to-end tests share: a real sshd, the kubeadm node tree it serves (the
 * cgroup-driver mismatch, named node-2; reached with `--host-root node.root`), an empty HOME and
 * the known_hosts file for the sshd, all under one temporary directory that `stop` removes.
 */
export interface SshdNode {
  dir: string;
  home: string;
  sshd: Sshd;
  node: NodeTreeInfo;
  known: string;
  stop(): Promise<void>;
}

/** Start {@link SshdNode} under a new temporary directory named with `prefix`. */
export async function startSshdNode(prefix: string, opts: SshdOptions = {}): Promise<SshdNode> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const home = join(dir, 'home');
  await mkdir(home);
  const [sshd, node] = await Promise.all([
    startSshd(opts),
    writeNodeTree(join(dir, 'node'), {layout: 'deb', hostname: 'node-2', kubeletVersion: 'v1.30.2', scenario: 'cgroup-driver-mismatch'}),
  ]);
  return {
    dir,
    home,
    sshd,
    node,
    known: await sshd.knownHosts(),
    stop: async () => {
      await sshd.stop();
      await rm(dir, {recursive: true, force: true});
    },
  };
}

export const BIN = join(import.meta.dirname, '../../dist/src/cli/bin.js');

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Run the real binary asynchronously (in-process servers such as the stand-in API server keep
 * serving meanwhile); `onSpawn` gets the child, e.g. to send SIGINT.
 */
export function runCli(args: string[], opts: {env?: NodeJS.ProcessEnv; timeoutMs?: number; onSpawn?: (c: ChildProcess) => void} = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {...process.env, NO_COLOR: '1', SSH_AUTH_SOCK: '', ...opts.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 110_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr, ms: Date.now() - started});
    });
    opts.onSpawn?.(child);
  });
}
