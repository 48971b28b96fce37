import {describe, it, expect} from 'vitest';
import {buildUnit, buildUnitState} from '../../src/facts/systemd/systemd-unit.js';
import type {UnitFacts} from '../../src/facts/systemd/systemd-unit.js';
import type {RawSnapshot} from '../../src/facts/types.js';
import {rawFrom} from '../helpers/facts.js';
import {KUBELET_SERVICE, kubeadmDropIn} from '../../src/lab/node-files.js';

// The packaged unit and 10-kubeadm.conf, the same text the lab's node trees carry.
const KUBEADM_RPM = kubeadmDropIn('rpm');
const KUBEADM_DEB = KUBEADM_RPM.replace('/etc/sysconfig/kubelet', '/etc/default/kubelet');
const FLAGS_ENV =
  'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9"\n';
const USR = '/usr/lib/systemd/system';
const ETC = '/etc/systemd/system';

/** The unit facts for a set of files, failing the test when not collected. */
function unitOf(raw: RawSnapshot): UnitFacts {
  const u = buildUnit(raw);
  if (!u.collected) throw new Error(u.reason);
  return u.value;
}

const rpmNode = (extra: Record<string, string> = {}): RawSnapshot =>
  rawFrom({
    [`${USR}/kubelet.service`]: KUBELET_SERVICE,
    [`${USR}/kubelet.service.d/10-kubeadm.conf`]: KUBEADM_RPM,
    '/var/lib/kubelet/kubeadm-flags.env': FLAGS_ENV,
    '/etc/sysconfig/kubelet': 'KUBELET_EXTRA_ARGS=\n',
    ...extra,
  });

describe('buildUnit on a kubeadm RPM node (pkgs.k8s.io layout)', () => {
  const u = unitOf(rpmNode());

  it('finds the packaged unit and its 10-kubeadm.conf drop-in', () => {
    expect(u.unitFile).toEqual({path: `${USR}/kubelet.service`, shadowed: [], masked: false});
    expect(u.dropIns.map((d) => [d.path, d.shadowedBy])).toEqual([[`${USR}/kubelet.service.d/10-kubeadm.conf`, null]]);
    expect(u.problems).toEqual([]);
  });

  it('takes the ExecStart= after the reset in 10-kubeadm.conf as the effective one', () => {
    expect(u.execStart.assignments.map((a) => [a.source, a.reset])).toEqual([
      [{file: `${USR}/kubelet.service`, line: 8}, false],
      [{file: `${USR}/kubelet.service.d/10-kubeadm.conf`, line: 10}, true],
      [{file: `${USR}/kubelet.service.d/10-kubeadm.conf`, line: 11}, false],
    ]);
    expect(u.execStart.effective?.source).toEqual({file: `${USR}/kubelet.service.d/10-kubeadm.conf`, line: 11});
  });

  it('gives every argument the line that set its variable', () => {
    const args = u.command?.args.map((a) => [a.value, 'file' in a.source ? `${a.source.file}:${a.source.line}` : '']);
    expect(u.command?.executable.value).toBe('/usr/bin/kubelet');
    expect(args).toEqual([
      ['--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', `${USR}/kubelet.service.d/10-kubeadm.conf:3`],
      ['--kubeconfig=/etc/kubernetes/kubelet.conf', `${USR}/kubelet.service.d/10-kubeadm.conf:3`],
      ['--config=/var/lib/kubelet/config.yaml', `${USR}/kubelet.service.d/10-kubeadm.conf:4`],
      ['--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock', '/var/lib/kubelet/kubeadm-flags.env:1'],
      ['--pod-infra-container-image=registry.k8s.io/pause:3.9', '/var/lib/kubelet/kubeadm-flags.env:1'],
    ]);
    expect(u.command?.args[3]?.text).toBe(FLAGS_ENV.trim());
  });

  it('records both environment files as optional and present', () => {
    expect(u.environmentFiles.map((f) => [f.path, f.optional, f.status, f.source])).toEqual([
      ['/var/lib/kubelet/kubeadm-flags.env', true, 'ok', {file: `${USR}/kubelet.service.d/10-kubeadm.conf`, line: 6}],
      ['/etc/sysconfig/kubelet', true, 'ok', {file: `${USR}/kubelet.service.d/10-kubeadm.conf`, line: 9}],
    ]);
    expect(u.environment['KUBELET_EXTRA_ARGS']).toMatchObject({value: '', origin: 'EnvironmentFile', source: {file: '/etc/sysconfig/kubelet', line: 1}});
  });
});

describe('buildUnit on a kubeadm DEB node', () => {
  const deb = rawFrom({
    '/lib/systemd/system/kubelet.service': KUBELET_SERVICE,
    '/lib/systemd/system/kubelet.service.d/10-kubeadm.conf': KUBEADM_DEB,
    '/var/lib/kubelet/kubeadm-flags.env': FLAGS_ENV,
    '/etc/default/kubelet': '# set by the operator\nKUBELET_EXTRA_ARGS="--node-ip=10.0.0.5 --max-pods=50"\n',
  });

  it('reads KUBELET_EXTRA_ARGS from /etc/default/kubelet and splits the unbraced variable into two arguments', () => {
    const u = unitOf(deb);
    const tail = u.command?.args.slice(-2).map((a) => [a.value, a.source]);
    expect(tail).toEqual([
      ['--node-ip=10.0.0.5', {file: '/etc/default/kubelet', line: 2}],
      ['--max-pods=50', {file: '/etc/default/kubelet', line: 2}],
    ]);
    expect(u.problems).toEqual([]);
  });

  it('is happy when the optional /etc/default/kubelet is missing (a fresh package)', () => {
    const files = {'/lib/systemd/system/kubelet.service': KUBELET_SERVICE, '/lib/systemd/system/kubelet.service.d/10-kubeadm.conf': KUBEADM_DEB};
    const missing = {status: 'missing' as const};
    const u = unitOf(rawFrom(files, {records: {'/etc/default/kubelet': missing, '/var/lib/kubelet/kubeadm-flags.env': missing}}));
    expect(u.environmentFiles.map((f) => [f.path, f.exists])).toEqual([
      ['/var/lib/kubelet/kubeadm-flags.env', false],
      ['/etc/default/kubelet', false],
    ]);
    expect(u.command?.args.map((a) => a.value)).toHaveLength(3);
    expect(u.command?.unset).toEqual(['KUBELET_KUBEADM_ARGS', 'KUBELET_EXTRA_ARGS']);
    expect(u.problems).toEqual([]);
  });
});

describe('drop-in discovery and order', () => {
  it('lets a legacy /etc 10-kubeadm.conf shadow the packaged one and names both', () => {
    const legacy = KUBEADM_DEB.replace('--config=/var/lib/kubelet/config.yaml', '--config=/etc/kubelet/old.yaml');
    const u = unitOf(rpmNode({[`${ETC}/kubelet.service.d/10-kubeadm.conf`]: legacy}));
    expect(u.dropIns).toEqual([
      {path: `${ETC}/kubelet.service.d/10-kubeadm.conf`, name: '10-kubeadm.conf', shadowedBy: null, identical: null, masked: false},
      {
        path: `${USR}/kubelet.service.d/10-kubeadm.conf`,
        name: '10-kubeadm.conf',
        shadowedBy: `${ETC}/kubelet.service.d/10-kubeadm.conf`,
        identical: false,
        masked: false,
      },
    ]);
    expect(u.environment['KUBELET_CONFIG_ARGS']?.source).toEqual({file: `${ETC}/kubelet.service.d/10-kubeadm.conf`, line: 4});
  });

  it('marks a same-named copy with identical text (merged /usr) as identical', () => {
    const u = unitOf(rpmNode({'/lib/systemd/system/kubelet.service.d/10-kubeadm.conf': KUBEADM_RPM}));
    expect(u.dropIns[1]).toMatchObject({path: '/lib/systemd/system/kubelet.service.d/10-kubeadm.conf', identical: true});
  });

  it('applies drop-ins by file name regardless of directory', () => {
    const u = unitOf(rpmNode({'/run/systemd/system/kubelet.service.d/05-early.conf': '[Service]\n', [`${ETC}/kubelet.service.d/20-late.conf`]: '[Service]\n'}));
    expect(u.dropIns.map((d) => d.name)).toEqual(['05-early.conf', '10-kubeadm.conf', '20-late.conf']);
  });

  it('prefers the /etc unit file and records the packaged one it masks', () => {
    const u = unitOf(rpmNode({[`${ETC}/kubelet.service`]: KUBELET_SERVICE}));
    expect(u.unitFile).toEqual({path: `${ETC}/kubelet.service`, shadowed: [`${USR}/kubelet.service`], masked: false});
  });
});

describe('ExecStart= rules', () => {
  it('refuses a second ExecStart= without a reset, naming the drop-in that adds it', () => {
    const u = unitOf(rpmNode({[`${ETC}/kubelet.service.d/20-custom.conf`]: '[Service]\nExecStart=/usr/bin/kubelet --v=4\n'}));
    const p = u.problems.find((x) => x.kind === 'multiple-exec-start');
    expect(p?.source).toEqual({file: `${ETC}/kubelet.service.d/20-custom.conf`, line: 2});
    expect(p?.message).toContain('Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.');
    expect(p?.related?.[0]?.source).toEqual({file: `${USR}/kubelet.service.d/10-kubeadm.conf`, line: 11});
    expect(u.command).toBeNull();
  });

  it('allows several commands for Type=oneshot', () => {
    const u = unitOf(rpmNode({[`${ETC}/kubelet.service.d/20-custom.conf`]: '[Service]\nType=oneshot\nExecStart=/bin/true\n'}));
    expect(u.problems.filter((x) => x.kind === 'multiple-exec-start')).toEqual([]);
    expect(u.serviceType?.value).toBe('oneshot');
  });

  it('reports a reset that leaves no command', () => {
    const u = unitOf(rpmNode({[`${ETC}/kubelet.service.d/99-broken.conf`]: '[Service]\nExecStart=\n'}));
    expect(u.problems.map((x) => [x.kind, x.source])).toEqual([['no-exec-start', {file: `${ETC}/kubelet.service.d/99-broken.conf`, line: 2}]]);
  });

  it('ignores a line with an unknown specifier, as systemd does', () => {
    const u = unitOf(rpmNode({[`${ETC}/kubelet.service.d/20-x.conf`]: '[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --x=%Z\n'}));
    expect(u.problems.map((x) => x.kind)).toEqual(['garbage-line', 'no-exec-start']);
  });
});

describe('environment precedence and syntax', () => {
  it('lets EnvironmentFile= values override Environment= regardless of line order, keeping the history', () => {
    const u = unitOf(rpmNode({[`${ETC}/kubelet.service.d/30-env.conf`]: '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--v=9"\n'}));
    const v = u.environment['KUBELET_EXTRA_ARGS'];
    expect(v).toMatchObject({value: '', origin: 'EnvironmentFile', source: {file: '/etc/sysconfig/kubelet', line: 1}});
    expect(v?.overridden).toEqual([
      {value: '--v=9', origin: 'Environment', source: {file: `${ETC}/kubelet.service.d/30-env.conf`, line: 2}, text: 'Environment="KUBELET_EXTRA_ARGS=--v=9"'},
    ]);
  });

  it('lets the later environment file win (/etc/sysconfig/kubelet over kubeadm-flags.env)', () => {
    const u = unitOf(rpmNode({'/etc/sysconfig/kubelet': 'KUBELET_KUBEADM_ARGS=--node-ip=10.0.0.9\n'}));
    expect(u.environment['KUBELET_KUBEADM_ARGS']).toMatchObject({value: '--node-ip=10.0.0.9', source: {file: '/etc/sysconfig/kubelet', line: 1}});
    expect(u.environment['KUBELET_KUBEADM_ARGS']?.overridden[0]?.source).toEqual({file: '/var/lib/kubelet/kubeadm-flags.env', line: 1});
  });

  it('splits Environment= with quotes, lets later assignments win and resets on an empty one', () => {
    const dropin = '[Service]\nEnvironment=GONE=1\nEnvironment=\nEnvironment="A=b c" D=e A2=\'x y\'\nEnvironment=D=f\nEnvironment=not-an-assignment\n';
    const u = unitOf(rpmNode({[`${ETC}/kubelet.service.d/30-env.conf`]: dropin}));
    expect(u.environment['GONE']).toBeUndefined();
    expect([u.environment['A']?.value, u.environment['A2']?.value, u.environment['D']?.value]).toEqual(['b c', 'x y', 'f']);
    expect(u.problems.map((p) => [p.kind, p.source])).toEqual([['garbage-line', {file: `${ETC}/kubelet.service.d/30-env.conf`, line: 6}]]);
  });

  it('parses env files like systemd: comments, quotes, escapes, no export keyword', () => {
    const env = [
      '# comment',
      '; also',
      'A=plain value   ',
      "B='single $X \\n'",
      'C="dq \\"q\\" \\$HOME \\n"',
      'export D=1',
      'E=one \\',
      'two',
      'NOEQUALS',
      'F=x # not a comment',
    ].join('\n');
    const u = unitOf(rpmNode({'/etc/sysconfig/kubelet': env}));
    const e = u.environment;
    expect([e['A'], e['B'], e['C'], e['E'], e['F']].map((v) => v?.value)).toEqual([
      'plain value',
      'single $X \\n',
      'dq "q" $HOME \\n',
      'one two',
      'x # not a comment',
    ]);
    expect(e['E']?.source).toEqual({file: '/etc/sysconfig/kubelet', line: 7});
    expect(e['D']).toBeUndefined();
    const ignored = u.problems.map((p) => ['file' in p.source ? p.source.line : 0, p.message.includes('`export` keyword')]);
    expect(ignored).toEqual([
      [6, true],
      [9, false],
    ]);
  });

  it('fails a missing required EnvironmentFile and names the line', () => {
    const dropin = '[Service]\nEnvironmentFile=/etc/kubernetes/kubelet.env\n';
    expect(unitOf(rpmNode({[`${ETC}/kubelet.service.d/20-env.conf`]: dropin, '/etc/kubernetes/kubelet.env': ''})).problems).toEqual([]);
    const raw = rpmNode({[`${ETC}/kubelet.service.d/20-env.conf`]: dropin});
    raw.files['/etc/kubernetes/kubelet.env'] = {path: '/etc/kubernetes/kubelet.env', status: 'missing'};
    expect(unitOf(raw).problems.map((p) => [p.kind, p.source, p.text])).toEqual([
      ['missing-env-file', {file: `${ETC}/kubelet.service.d/20-env.conf`, line: 2}, 'EnvironmentFile=/etc/kubernetes/kubelet.env'],
    ]);
  });

  it('flags a required EnvironmentFile the probe did not collect as unknown', () => {
    const u = unitOf(
      rawFrom({[`${USR}/kubelet.service`]: KUBELET_SERVICE, [`${ETC}/kubelet.service.d/20-env.conf`]: '[Service]\nEnvironmentFile=/etc/kubelet/extra\n'}),
    );
    expect(u.problems.map((p) => p.kind)).toEqual(['env-file-unknown']);
    expect(u.environmentFiles[0]).toMatchObject({status: 'not-collected', exists: null});
  });
});

describe('garbage, masking and unreadable files', () => {
  it('reports lines systemd ignores, with their file and line', () => {
    const dropin =
      'ExecStart=/usr/bin/kubelet\n[Service]\n--node-ip 10.0.0.1\nKUBELET_EXTRA_ARGS=--v=2\n[Servcie]\nEnvironment=IGNORED=1\n[Unit]\nExecStart=/x\n[X-Custom]\nFoo=bar\n';
    const u = unitOf(rpmNode({[`${ETC}/kubelet.service.d/50-bad.conf`]: dropin}));
    expect(u.problems.map((p) => [p.kind, 'file' in p.source ? p.source.line : 0, p.message])).toEqual([
      ['garbage-line', 1, 'Assignment outside of section. Ignoring.'],
      ['garbage-line', 3, "Missing '=', ignoring line."],
      ['garbage-line', 4, "Unknown key name 'KUBELET_EXTRA_ARGS' in section 'Service', ignoring."],
      ['unknown-section', 5, "Unknown section 'Servcie'. Ignoring."],
      ['wrong-section', 8, "Unknown key name 'ExecStart' in section 'Unit', ignoring. (it belongs in [Service])"],
    ]);
    expect(u.environment['IGNORED']).toBeUndefined();
    expect(u.command).not.toBeNull();
  });

  it('treats an invalid section header as a load error', () => {
    const u = unitOf(rpmNode({[`${ETC}/kubelet.service.d/50-bad.conf`]: '[Service\nExecStart=\n'}));
    expect(u.problems[0]).toMatchObject({kind: 'invalid-section-header', source: {file: `${ETC}/kubelet.service.d/50-bad.conf`, line: 1}});
    expect(u.command).toBeNull();
  });

  it('reports a unit masked by a /dev/null symlink in /etc', () => {
    const raw = rpmNode({[`${ETC}/kubelet.service`]: ''});
    raw.files[`${ETC}/kubelet.service`] = {path: `${ETC}/kubelet.service`, status: 'ok', realPath: '/dev/null', size: 0, content: ''};
    const u = unitOf(raw);
    expect(u.unitFile?.masked).toBe(true);
    expect(u.problems.map((p) => [p.kind, p.source])).toEqual([['masked', {file: `${ETC}/kubelet.service`}]]);
    expect(u.command).toBeNull();
  });

  it('reports a binary drop-in as unreadable and merges the rest', () => {
    const raw = rpmNode({[`${ETC}/kubelet.service.d/20-bin.conf`]: ''});
    raw.files[`${ETC}/kubelet.service.d/20-bin.conf`] = {path: `${ETC}/kubelet.service.d/20-bin.conf`, status: 'ok', binary: true, size: 12};
    const u = unitOf(raw);
    expect(u.problems.map((p) => [p.kind, p.source])).toEqual([['unreadable', {file: `${ETC}/kubelet.service.d/20-bin.conf`}]]);
    expect(u.command?.args).toHaveLength(5);
  });

  it('reports no kubelet.service when the unit directories hold none', () => {
    const u = unitOf(rawFrom({[`${ETC}/containerd.service`]: '[Service]\nExecStart=/usr/bin/containerd\n'}));
    expect(u.unitFile).toBeNull();
    expect(u.problems.map((p) => p.kind)).toEqual(['no-unit']);
  });

  it('is not collected when the probe listed no unit directory', () => {
    expect(buildUnit(rawFrom({'/etc/hostname': 'node-1\n'}))).toEqual({collected: false, reason: 'the probe did not list the systemd unit directories'});
  });
});

describe('buildUnitState', () => {
  const show =
    'LoadState=loaded\nActiveState=activating\nSubState=auto-restart\nNRestarts=42\nExecMainStatus=1\nExecMainCode=1\nUnitFileState=enabled\nNeedDaemonReload=no\nFragmentPath=/usr/lib/systemd/system/kubelet.service\nDropInPaths=/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf\n';

  it('parses systemctl show into typed, sourced properties', () => {
    const s = buildUnitState(rawFrom({}, {live: true, commands: {'systemctl-show': {stdout: show}}}));
    expect(s.collected && s.value.nRestarts).toEqual({value: 42, source: {command: 'systemctl-show'}, text: 'NRestarts=42'});
    expect(s.collected && [s.value.subState?.value, s.value.needDaemonReload?.value, s.value.dropInPaths?.value]).toEqual([
      'auto-restart',
      false,
      ['/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf'],
    ]);
  });

  it('is not collected under the root transport', () => {
    expect(buildUnitState(rawFrom({}))).toEqual({collected: false, reason: 'root transport: commands and /proc are not collected'});
  });

  it('is not collected when systemctl failed', () => {
    const s = buildUnitState(rawFrom({}, {live: true, commands: {'systemctl-show': {stdout: '', status: 'not-found', reason: 'no systemctl'}}}));
    expect(s).toEqual({collected: false, reason: '`systemctl show kubelet` not-found: no systemctl'});
  });
});
