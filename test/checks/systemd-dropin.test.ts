import {describe, it, expect} from 'vitest';
import check from '../../checks/systemd-dropin.js';
import type {Verdict} from '../../src/catalogue/define.js';
import {buildUnit, buildUnitState} from '../../src/facts/systemd/systemd-unit.js';
import type {RawSnapshot} from '../../src/facts/types.js';
import {ctx, makeFacts, rawFrom} from '../helpers/facts.js';
import type {RawOptions} from '../helpers/facts.js';
import {kubeadmDropIn} from '../../src/lab/node-files.js';

const SERVICE = `[Unit]
Description=kubelet: The Kubernetes Node Agent
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`;
// The packaged 10-kubeadm.conf (RPM), comments kept so line numbers match a real node.
const KUBEADM = kubeadmDropIn('rpm');
const USR = '/usr/lib/systemd/system';
const ETC = '/etc/systemd/system';
const DROPIN = `${USR}/kubelet.service.d/10-kubeadm.conf`;
const SHOW = 'LoadState=loaded\nActiveState=active\nSubState=running\nNRestarts=0\nExecMainStatus=0\nUnitFileState=enabled\nNeedDaemonReload=no\n';

const node = (extra: Record<string, string> = {}, opts: RawOptions = {}): RawSnapshot =>
  rawFrom(
    {
      [`${USR}/kubelet.service`]: SERVICE,
      [DROPIN]: KUBEADM,
      '/var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS="--node-ip=10.0.0.5"\n',
      '/etc/sysconfig/kubelet': 'KUBELET_EXTRA_ARGS=\n',
      ...extra,
    },
    opts,
  );
const live = (show: string): RawOptions => ({live: true, commands: {'systemctl-show': {stdout: show}}});

function run(raw: RawSnapshot): Verdict[] {
  const v = check.evaluate(makeFacts({unit: buildUnit(raw), unitState: buildUnitState(raw)}), ctx);
  return Array.isArray(v) ? v : [v];
}
const sources = (v: Verdict | undefined): unknown[] => v?.evidence.map((e) => e.source) ?? [];

describe('systemd-dropin', () => {
  it('passes a kubeadm node and names where ExecStart comes from', () => {
    const [v, ...rest] = run(node());
    expect(rest).toEqual([]);
    expect(v?.status).toBe('pass');
    expect(v?.summary).toBe(
      `kubelet.service loads with 1 drop-in(s); ExecStart from ${DROPIN}:11; live state not collected (root transport: commands and /proc are not collected)`,
    );
    expect(sources(v)).toEqual([{file: DROPIN, line: 11}]);
  });

  it('passes with the live state when the unit runs', () => {
    const [v] = run(node({}, live(SHOW)));
    expect(v?.status).toBe('pass');
    expect(v?.summary).toContain('active (running), enabled');
    expect(v?.evidence.map((e) => e.text)).toEqual([expect.stringContaining('ExecStart=/usr/bin/kubelet'), 'ActiveState=active', 'UnitFileState=enabled']);
  });

  it('fails when no kubelet.service exists, listing the directories searched', () => {
    const [v] = run(rawFrom({[`${ETC}/containerd.service`]: '[Service]\nExecStart=/usr/bin/containerd\n'}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe('kubelet.service was found in no systemd unit directory: install the kubelet package');
    expect(sources(v)).toContainEqual({file: '/etc/systemd/system'});
    expect(sources(v)).toContainEqual({file: '/lib/systemd/system'});
  });

  it('fails a second ExecStart= without a reset, pointing at both lines', () => {
    const [v] = run(node({[`${ETC}/kubelet.service.d/20-custom.conf`]: '[Service]\nExecStart=/usr/bin/kubelet --v=4\n'}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toMatch(/^\/etc\/systemd\/system\/kubelet\.service\.d\/20-custom\.conf:2: Service has more than one ExecStart= setting/);
    expect(v?.summary).toContain('add an empty "ExecStart=" line before it');
    expect(sources(v)).toEqual([
      {file: `${ETC}/kubelet.service.d/20-custom.conf`, line: 2},
      {file: DROPIN, line: 11},
    ]);
  });

  it('fails a drop-in that resets ExecStart= and gives no command', () => {
    const [v] = run(node({[`${ETC}/kubelet.service.d/99-empty.conf`]: '[Service]\nExecStart=\n'}));
    expect([v?.status, sources(v)]).toEqual(['fail', [{file: `${ETC}/kubelet.service.d/99-empty.conf`, line: 2}]]);
    expect(v?.summary).toContain('Service has no ExecStart=');
  });

  it('fails a missing required EnvironmentFile with the line that names it', () => {
    const raw = node({[`${ETC}/kubelet.service.d/30-env.conf`]: '[Service]\nEnvironmentFile=/etc/kubernetes/kubelet.env\n'});
    raw.files['/etc/kubernetes/kubelet.env'] = {path: '/etc/kubernetes/kubelet.env', status: 'missing'};
    const [v] = run(raw);
    expect(v?.status).toBe('fail');
    expect(v?.summary).toContain('EnvironmentFile=/etc/kubernetes/kubelet.env does not exist and has no "-" prefix');
    expect(v?.evidence).toEqual([{source: {file: `${ETC}/kubelet.service.d/30-env.conf`, line: 2}, text: 'EnvironmentFile=/etc/kubernetes/kubelet.env'}]);
  });

  it('fails an empty ${VAR} that becomes an empty argument', () => {
    const dropin = KUBEADM.replace('$KUBELET_EXTRA_ARGS', '${KUBELET_EXTRA_ARGS}');
    const [v] = run(node({[DROPIN]: dropin}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toContain('"${KUBELET_EXTRA_ARGS}" expands to an empty string');
    expect(sources(v)).toEqual([
      {file: DROPIN, line: 11},
      {file: '/etc/sysconfig/kubelet', line: 1},
    ]);
  });

  it('fails a braced variable that holds several flags', () => {
    const dropin = KUBEADM.replace('$KUBELET_KUBEADM_ARGS', '${KUBELET_KUBEADM_ARGS}');
    const [v] = run(node({[DROPIN]: dropin, '/var/lib/kubelet/kubeadm-flags.env': 'KUBELET_KUBEADM_ARGS="--node-ip=10.0.0.5 --max-pods=50"\n'}));
    expect(v?.status).toBe('fail');
    expect(v?.summary).toContain('passes the whole value "--node-ip=10.0.0.5 --max-pods=50" as ONE argument');
    expect(sources(v)).toEqual([
      {file: DROPIN, line: 11},
      {file: '/var/lib/kubelet/kubeadm-flags.env', line: 1},
    ]);
  });

  it('fails a masked unit', () => {
    const raw = node();
    raw.files[`${ETC}/kubelet.service`] = {path: `${ETC}/kubelet.service`, status: 'ok', realPath: '/dev/null', size: 0, content: ''};
    const [v] = run(raw);
    expect([v?.status, sources(v)]).toEqual(['fail', [{file: `${ETC}/kubelet.service`}]]);
    expect(v?.summary).toContain('systemctl unmask kubelet');
  });

  it('fails a drop-in systemd cannot parse', () => {
    const [v] = run(node({[`${ETC}/kubelet.service.d/20-x.conf`]: '[Service\nEnvironment=A=1\n'}));
    expect([v?.status, sources(v)]).toEqual(['fail', [{file: `${ETC}/kubelet.service.d/20-x.conf`, line: 1}]]);
    expect(v?.summary).toContain("Invalid section header '[Service'");
  });

  it('warns when a legacy /etc 10-kubeadm.conf hides a different packaged one, naming both', () => {
    const [v] = run(node({[`${ETC}/kubelet.service.d/10-kubeadm.conf`]: KUBEADM.replace('sysconfig', 'default')}));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toContain(`${ETC}/kubelet.service.d/10-kubeadm.conf hides ${DROPIN}`);
    expect(sources(v)).toEqual([{file: `${ETC}/kubelet.service.d/10-kubeadm.conf`}, {file: DROPIN}]);
  });

  it('does not warn about an identical copy of the same drop-in', () => {
    expect(run(node({'/lib/systemd/system/kubelet.service.d/10-kubeadm.conf': KUBEADM})).map((v) => v.status)).toEqual(['pass']);
  });

  it('warns once per file about lines systemd ignores', () => {
    const [v] = run(node({[`${ETC}/kubelet.service.d/20-extra.conf`]: 'Environment=A=1\n[Service]\nKUBELET_EXTRA_ARGS=--v=2\n'}));
    expect(v?.status).toBe('warn');
    expect(v?.summary).toBe(
      `${ETC}/kubelet.service.d/20-extra.conf: systemd ignores 2 lines: ${ETC}/kubelet.service.d/20-extra.conf:1: Assignment outside of section. Ignoring. (and 1 more)`,
    );
    expect(v?.evidence.map((e) => e.text)).toEqual(['Environment=A=1', 'KUBELET_EXTRA_ARGS=--v=2']);
  });

  it('warns when a required EnvironmentFile was not collected, and when a drop-in is unreadable', () => {
    const raw = node({[`${ETC}/kubelet.service.d/30-env.conf`]: '[Service]\nEnvironmentFile=/etc/kubelet/extra\n'});
    raw.files[`${ETC}/kubelet.service.d/40-secret.conf`] = {path: `${ETC}/kubelet.service.d/40-secret.conf`, status: 'unreadable'};
    const verdicts = run(raw);
    expect(verdicts.map((v) => [v.status, sources(v)])).toEqual([
      ['warn', [{file: `${ETC}/kubelet.service.d/40-secret.conf`}]],
      ['warn', [{file: `${ETC}/kubelet.service.d/30-env.conf`, line: 2}]],
    ]);
    expect(verdicts[1]?.summary).toContain('required EnvironmentFile=/etc/kubelet/extra was not collected by the probe');
  });
});

describe('systemd-dropin live state', () => {
  /** Run with `systemctl show` output: a healthy unit with some properties replaced. */
  const state = (over: Record<string, string>): Verdict[] => {
    const props = {
      LoadState: 'loaded',
      ActiveState: 'active',
      SubState: 'running',
      NRestarts: '0',
      ExecMainStatus: '0',
      UnitFileState: 'enabled',
      NeedDaemonReload: 'no',
      ...over,
    };
    return run(
      node(
        {},
        live(
          Object.entries(props)
            .map(([k, v]) => `${k}=${v}`)
            .join('\n'),
        ),
      ),
    );
  };

  it('fails a restart loop and quotes the restart counter', () => {
    const [v] = state({ActiveState: 'activating', SubState: 'auto-restart', NRestarts: '42', ExecMainStatus: '1'});
    expect(v?.status).toBe('fail');
    expect(v?.summary).toBe(
      'kubelet is in a restart loop (42 restarts, last exit status 1): it exits at start; read `journalctl -u kubelet` for the first error',
    );
    expect(v?.evidence.map((e) => [e.source, e.text])).toEqual([
      [{command: 'systemctl-show'}, 'ActiveState=activating'],
      [{command: 'systemctl-show'}, 'SubState=auto-restart'],
      [{command: 'systemctl-show'}, 'NRestarts=42'],
      [{command: 'systemctl-show'}, 'ExecMainStatus=1'],
    ]);
  });

  it('fails a stopped or failed kubelet', () => {
    expect(state({ActiveState: 'inactive', SubState: 'dead'}).map((v) => [v.status, v.summary])).toEqual([
      ['fail', 'kubelet is not running (ActiveState=inactive, last exit status 0); run `systemctl start kubelet` and read `journalctl -u kubelet`'],
    ]);
    expect(state({ActiveState: 'failed', SubState: 'failed'})[0]?.status).toBe('fail');
  });

  it('warns when the unit is not enabled', () => {
    const [v] = state({UnitFileState: 'disabled'});
    expect([v?.status, v?.evidence[0]?.text]).toEqual(['warn', 'UnitFileState=disabled']);
    expect(v?.summary).toContain('systemctl enable kubelet');
  });

  it('warns when unit files changed since the last daemon-reload', () => {
    const [v] = state({NeedDaemonReload: 'yes'});
    expect([v?.status, v?.evidence]).toEqual(['warn', [{source: {command: 'systemctl-show'}, text: 'NeedDaemonReload=yes'}]]);
  });

  it('fails when systemd could not load the unit', () => {
    const [v] = state({LoadState: 'bad-setting'});
    expect([v?.status, v?.evidence[0]?.text]).toEqual(['fail', 'LoadState=bad-setting']);
    expect(v?.summary).toContain('systemd-analyze verify kubelet.service');
  });
});

describe('systemd-dropin when facts are missing', () => {
  it('skips when the unit was not collected', () => {
    const v = check.evaluate(makeFacts({unit: {collected: false, reason: 'the probe did not list the systemd unit directories'}}), ctx);
    expect(v).toEqual({status: 'skip', summary: 'the probe did not list the systemd unit directories', evidence: []});
  });
});

describe('systemd-dropin: silent overrides', () => {
  const EXTRA = `${ETC}/kubelet.service.d/20-extra.conf`;

  it("warns when /etc/sysconfig/kubelet's KUBELET_EXTRA_ARGS= wipes a drop-in's Environment=, with both lines", () => {
    const vs = run(node({[EXTRA]: '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--node-ip=10.0.0.7"\n'}));
    expect(vs.map((v) => v.status)).toEqual(['warn']);
    expect(vs[0]?.summary).toBe(
      `${EXTRA}:2 sets KUBELET_EXTRA_ARGS="--node-ip=10.0.0.7", but /etc/sysconfig/kubelet:1 sets it to "" and EnvironmentFile= values override Environment= whatever the order (systemd.exec(5)): the kubelet never receives "--node-ip=10.0.0.7"; move the value into /etc/sysconfig/kubelet:1 or give it its own variable name`,
    );
    expect(vs[0]?.evidence).toEqual([
      {source: {file: EXTRA, line: 2}, text: 'Environment="KUBELET_EXTRA_ARGS=--node-ip=10.0.0.7"'},
      {source: {file: '/etc/sysconfig/kubelet', line: 1}, text: 'KUBELET_EXTRA_ARGS='},
    ]);
  });

  it('warns about quotes mid-word in ExecStart with what old and new systemd pass', () => {
    const vs = run(node({[EXTRA]: '[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --node-labels="a=b,c=d" $KUBELET_KUBEADM_ARGS\n'}));
    expect(vs.map((v) => v.status)).toEqual(['warn']);
    expect(vs[0]?.summary).toContain('passes --node-labels=a=b,c=d');
    expect(vs[0]?.summary).toContain('passes --node-labels="a=b,c=d" with the quotes');
    expect(sources(vs[0])).toEqual([{file: EXTRA, line: 3}]);
  });

  it('warns about quotes inside a $VAR value at the line that set it and the ExecStart= line', () => {
    // systemd's env-file parser honours a quote only at the start of the value, so these quotes stay in it
    const vs = run(node({'/etc/sysconfig/kubelet': 'KUBELET_EXTRA_ARGS=--node-labels="a=b" --v=2\n'}));
    expect(vs.map((v) => v.status)).toEqual(['warn']);
    expect(vs[0]?.summary).toContain('$KUBELET_EXTRA_ARGS is split into words at exec time and its word --node-labels="a=b" has quotes inside it');
    expect(sources(vs[0])).toEqual([
      {file: '/etc/sysconfig/kubelet', line: 1},
      {file: DROPIN, line: 11},
    ]);
    // a value quoted as a whole keeps no quote characters: nothing to say
    expect(run(node({'/etc/sysconfig/kubelet': 'KUBELET_EXTRA_ARGS="--node-labels=a=b --v=2"\n'})).map((v) => v.status)).toEqual(['pass']);
  });

  it('a healthy kubeadm node has no override warning', () => {
    expect(run(node()).map((v) => v.status)).toEqual(['pass']);
  });
});
