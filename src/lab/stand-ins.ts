/**
 * Writes a lab node's stand-in programs and their data. They live in the lab directory, next
 * to the node tree and never inside it (`<lab>/.lab/<hostname>/bin`), so the tree stays
 * exactly what a kubeadm node's disk holds. The SSH server puts `bin` first on PATH for every
 * command it runs for that node; everything not stood in for (sh, head, sed, awk, openssl,
 * df, date, ...) is the real program.
 */
import {X509Certificate} from 'node:crypto';
import {access, chmod, constants, mkdir, readFile, readdir, readlink, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {UNIT_DIRS} from '../probe/sections.js';
import {JOURNAL_FORMATS, containerdJournal, kubeletJournal, kubeletStartedAt, renderJournal, systemdTimestamp} from './journal.js';
import {CONTAINERD_PID, KUBELET_ARGV, KUBELET_PID, LIVE_PROFILES, runtimeState, unitProperties, type RuntimeState} from './live-state.js';
import type {NodeTreeInfo} from './node-tree.js';
import {curlScript, wgetScript} from './stand-in-http.js';
import {
  crictlScript,
  hostnameScript,
  journalctlScript,
  kubeadmScript,
  kubeletScript,
  pgrepScript,
  ssScript,
  statScript,
  sudoScript,
  systemctlScript,
  timedatectlScript,
  type ScriptContext,
} from './stand-in-scripts.js';
import {kubeadmFailPhaseFor} from './scenarios.js';
import {containerdProperties, crictlFatal, crictlInfo, crictlVersion, systemctlStatus} from './stand-in-data.js';

/** Where one node's stand-ins live. */
export interface StandInDirs {
  /** Put first on PATH. */
  bin: string;
  /** What the stand-ins read. */
  data: string;
  /** HOME for commands run on the node. */
  home: string;
}

/** What writing a node's stand-ins found out about it. */
export interface StandIns {
  dirs: StandInDirs;
  /** How containerd runs with the node's config.toml. */
  runtime: RuntimeState;
}

/** The directories of a node's stand-ins under the lab directory. */
export function standInDirs(labDir: string, hostname: string): StandInDirs {
  const base = join(labDir, '.lab', hostname);
  return {bin: join(base, 'bin'), data: join(base, 'data'), home: join(base, 'home')};
}

/** Real programs the stand-ins pass through to, found on this machine's PATH. */
async function realProgram(name: string, fallback: string): Promise<string> {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (!dir || dir.includes('/.lab/')) continue;
    const p = join(dir, name);
    if (
      await access(p, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return p;
  }
  return fallback;
}

/** The kubelet unit's fragment and drop-ins as systemd finds them in the tree (systemd.unit(5) order). */
async function unitFiles(root: string): Promise<{fragment: string; dropIns: string[]}> {
  let fragment = '';
  const byName = new Map<string, string>();
  for (const d of UNIT_DIRS) {
    if (!fragment) {
      const ok = await readFile(join(root, d, 'kubelet.service')).then(
        () => true,
        () => false,
      );
      if (ok) fragment = `${d}/kubelet.service`;
    }
    const names = await readdir(join(root, d, 'kubelet.service.d')).catch(() => [] as string[]);
    // A same-named drop-in in an earlier (higher-priority) directory wins.
    for (const n of names.filter((x) => x.endsWith('.conf'))) if (!byName.has(n)) byName.set(n, `${d}/kubelet.service.d/${n}`);
  }
  const dropIns = [...byName.keys()].sort().map((n) => byName.get(n)!);
  return {fragment, dropIns};
}

/** notAfter of the kubelet's current client certificate (through the absolute symlink, inside the tree). */
async function clientNotAfter(root: string): Promise<Date | null> {
  try {
    const link = '/var/lib/kubelet/pki/kubelet-client-current.pem';
    const target = await readlink(join(root, link)).catch(() => link);
    const pem = await readFile(join(root, target.startsWith('/') ? target : `/var/lib/kubelet/pki/${target}`), 'utf8');
    const block = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(pem);
    return block ? new Date(new X509Certificate(block[0]).validTo) : null;
  } catch {
    return null;
  }
}

async function put(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  await writeFile(path, content, {mode});
  await chmod(path, mode);
}

/**
 * Write the stand-ins of one node and the data they answer from.
 * Why: live checks must see the node's scenario (crash loop, journal, CRI answers), not this machine.
 */
export async function writeStandIns(labDir: string, node: NodeTreeInfo, now: Date): Promise<StandIns> {
  const dirs = standInDirs(labDir, node.hostname);
  const profile = LIVE_PROFILES[node.scenario];
  const runtime = runtimeState(await readFile(join(node.root, 'etc/containerd/config.toml'), 'utf8').catch(() => ''));
  const ctdUp = runtime.kind !== 'not-running';
  for (const d of [dirs.bin, dirs.home, join(dirs.data, 'systemctl'), join(dirs.data, 'journal'), join(dirs.data, 'crictl')]) {
    await mkdir(d, {recursive: true, mode: 0o700});
  }
  const c: ScriptContext = {
    data: dirs.data,
    hostname: node.hostname,
    kubeletVersion: node.kubeletVersion,
    real: {stat: await realProgram('stat', '/usr/bin/stat')},
  };
  const scripts: Record<string, string> = {
    kubelet: kubeletScript(c),
    systemctl: systemctlScript(c),
    journalctl: journalctlScript(c),
    hostname: hostnameScript(c),
    crictl: crictlScript(c),
    stat: statScript(c),
    sudo: sudoScript(c),
    pgrep: pgrepScript(c, 'pgrep'),
    pidof: pgrepScript(c, 'pidof'),
    ss: ssScript(c),
    curl: curlScript(c),
    wget: wgetScript(c),
    timedatectl: timedatectlScript(c),
    // `join` against a lab node: prints kubeadm's output up to the step this scenario stops in (docs/join.md).
    kubeadm: kubeadmScript(c, kubeadmFailPhaseFor(node.scenario)),
  };
  for (const [name, text] of Object.entries(scripts)) await put(join(dirs.bin, name), text, 0o755);

  const running = profile.kubelet === 'running';
  const started = kubeletStartedAt(node.scenario, now);
  const {fragment, dropIns} = await unitFiles(node.root);
  const props = unitProperties(profile, {fragmentPath: fragment, dropInPaths: dropIns, startedAt: started ? systemdTimestamp(started) : ''});
  const show = (p: [string, string][]) => `${p.map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
  await put(join(dirs.data, 'systemctl', 'kubelet.show'), show(props));
  await put(join(dirs.data, 'systemctl', 'containerd.show'), show(containerdProperties(runtime)));
  await put(
    join(dirs.data, 'systemctl', 'not-found.show'),
    show([
      ['LoadState', 'not-found'],
      ['ActiveState', 'inactive'],
      ['SubState', 'dead'],
    ]),
  );

  const journal = kubeletJournal({
    scenario: node.scenario,
    hostname: node.hostname,
    kubeletVersion: node.kubeletVersion,
    now,
    clientNotAfter: await clientNotAfter(node.root),
    runtime,
  });
  const ctdJournal = containerdJournal(runtime, now);
  for (const f of JOURNAL_FORMATS) {
    await put(join(dirs.data, 'journal', `kubelet.${f}`), renderJournal(journal, node.hostname, f));
    await put(join(dirs.data, 'journal', `containerd.${f}`), renderJournal(ctdJournal, node.hostname, f));
  }
  const unitTexts: string[] = [];
  for (const p of [fragment, ...dropIns].filter(Boolean)) unitTexts.push(`# ${p}\n${await readFile(join(node.root, p), 'utf8').catch(() => '')}`);
  await put(join(dirs.data, 'systemctl', 'kubelet.cat'), unitTexts.join('\n'));
  await put(
    join(dirs.data, 'systemctl', 'kubelet.status'),
    systemctlStatus({
      props: new Map(props),
      fragment,
      dropIns,
      now,
      started,
      journalTail: renderJournal(journal.slice(-10), node.hostname, 'short'),
    }),
  );

  const toml = await readFile(join(node.root, 'etc/containerd/config.toml'), 'utf8').catch(() => '');
  const fatal = crictlFatal(runtime);
  if (fatal === null) {
    await put(
      join(dirs.data, 'crictl', 'info.json'),
      crictlInfo({systemdCgroup: /^\s*SystemdCgroup\s*=\s*true/m.test(toml), networkReady: profile.networkReady}),
    );
    await put(join(dirs.data, 'crictl', 'version'), crictlVersion());
  } else {
    await put(join(dirs.data, 'crictl', 'fatal'), fatal);
  }
  if (running) await put(join(dirs.data, 'kubelet-running'), `${KUBELET_PID}\n`);
  const minor = node.kubeletVersion.replace(/^v/, '').split('.')[1] ?? '30';
  await put(
    join(dirs.data, 'apiserver-version.json'),
    `${JSON.stringify(
      {
        major: '1',
        minor,
        gitVersion: node.kubeletVersion,
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2024-06-11T20:20:00Z',
        goVersion: 'go1.22.4',
        compiler: 'gc',
        platform: 'linux/amd64',
      },
      null,
      2,
    )}\n`,
  );

  const ps = ['1 systemd /sbin/init', '540 sshd sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'];
  if (ctdUp) ps.push(`${CONTAINERD_PID} containerd /usr/bin/containerd`);
  if (running) ps.push(`${KUBELET_PID} kubelet ${KUBELET_ARGV.join(' ')}`);
  await put(join(dirs.data, 'ps'), `${ps.join('\n')}\n`);
  const ss = ['State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process'];
  const row = (local: string, peer: string, who: string) => `LISTEN 0      4096   ${local.padStart(20)} ${peer.padStart(18)}    ${who}`;
  if (running) ss.push(row('127.0.0.1:10248', '0.0.0.0:*', `users:(("kubelet",pid=${KUBELET_PID},fd=22))`));
  if (ctdUp) ss.push(row('127.0.0.1:36519', '0.0.0.0:*', `users:(("containerd",pid=${CONTAINERD_PID},fd=11))`));
  ss.push(row('0.0.0.0:22', '0.0.0.0:*', 'users:(("sshd",pid=540,fd=3))'));
  if (running) ss.push(row('*:10250', '*:*', `users:(("kubelet",pid=${KUBELET_PID},fd=18))`));
  await put(join(dirs.data, 'ss'), `${ss.join('\n')}\n`);
  return {dirs, runtime};
}
