/**
 * set-kubelet-cgroup-driver: make the kubelet and the container runtime use one cgroup driver.
 * Two ways, the operator choosing: `kubelet` aligns the kubelet to the runtime, editing the file
 * that actually sets the losing value (a flag beats config.yaml: then the flag is edited);
 * `runtime` moves the runtime to systemd (containerd `SystemdCgroup` in its v2 or v3 table,
 * CRI-O `cgroup_manager`) and the kubelet with it.
 */
import {parse as parseToml} from 'smol-toml';
import type {Facts, RawSnapshot, Source} from '../../facts/types.js';
import type {RuntimeFacts} from '../../facts/runtime/runtime.js';
import {setFlagValue} from '../edit/flag-edit.js';
import {setTomlKey} from '../edit/toml-edit.js';
import {editableFile} from '../node-text.js';
import {notApplicable, type FixChoice, type FixPlan, type NotApplicable, type PlanInput, type Step} from '../types.js';
import {FileEdits, kubeletConfigPath, restartKubelet, where} from './common.js';

type Driver = 'systemd' | 'cgroupfs';
const UNIT_DIR = /^\/(etc|run|usr\/lib|usr\/local\/lib|lib)\/systemd\/system\//;

/** The kubelet's effective driver and where it comes from. */
function kubeletSide(facts: Facts): {value: string; origin: string; source: Source; text: string} | null {
  if (!facts.kubeletConfig.collected) return null;
  const v = facts.kubeletConfig.value.effective['cgroupDriver'];
  if (v && typeof v.value === 'string') return {value: v.value, origin: v.origin, source: v.source, text: v.text};
  return {value: 'cgroupfs', origin: 'default', source: {command: 'kubelet default'}, text: ''};
}

/** Point the kubelet at `to`, in the file that sets its value now. Returns whether a unit file changed. */
function setKubelet(facts: Facts, edits: FileEdits, to: Driver): boolean {
  const k = kubeletSide(facts)!;
  const why = `kubelet cgroupDriver ${k.value} → ${to}`;
  if (k.origin === 'flag') {
    edits.line(k.source, `${why} (the flag at ${where(k.source)} overrides the config file)`, (line) => setFlagValue(line, k.text, to));
    return 'file' in k.source && UNIT_DIR.test(k.source.file);
  }
  if ((k.origin === 'config-file' || k.origin === 'config-dir') && 'file' in k.source) {
    edits.yaml(k.source.file, why, [{op: 'set', path: ['cgroupDriver'], value: to}]);
    return false;
  }
  const cfg = kubeletConfigPath(facts);
  if (!cfg) edits.problem ??= 'the kubelet runs without a --config file; add --cgroup-driver by hand';
  else edits.yaml(cfg, `${why} (not set: the kubelet defaults to cgroupfs)`, [{op: 'set', path: ['cgroupDriver'], value: to}]);
  return false;
}

/** containerd's CRI runtime options table for a config layout version. */
function containerdTable(version: number, runtime: string): {path: string[]; header: string} | null {
  if (version >= 3) {
    return {
      path: ['plugins', 'io.containerd.cri.v1.runtime', 'containerd', 'runtimes', runtime, 'options'],
      header: `plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.${runtime}.options`,
    };
  }
  if (version === 2) {
    return {
      path: ['plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes', runtime, 'options'],
      header: `plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${runtime}.options`,
    };
  }
  return null;
}

/** The default runtime's name in a containerd config text (`runc` unless set). */
function defaultRuntime(text: string, version: number): string {
  try {
    const data = parseToml(text) as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
    const cri = version >= 3 ? data['plugins']?.['io.containerd.cri.v1.runtime'] : data['plugins']?.['io.containerd.grpc.v1.cri'];
    const name = cri?.['containerd']?.['default_runtime_name'];
    return typeof name === 'string' && /^[A-Za-z0-9_-]+$/.test(name) ? name : 'runc';
  } catch {
    return 'runc';
  }
}

/** Move the runtime to systemd; returns the unit to restart, or a reason. */
function setRuntime(rt: RuntimeFacts, raw: RawSnapshot, edits: FileEdits): string | {reason: string} {
  const src = rt.cgroupDriver?.source;
  const file = src && 'file' in src ? src.file : null;
  if (rt.name === 'containerd') {
    if (!file) return {reason: "containerd's config was not read"};
    const f = editableFile(raw, file);
    if (!f.ok) return {reason: f.reason};
    const version = rt.configFiles.find((c) => c.path === file)?.version ?? rt.configVersion ?? 1;
    const table = containerdTable(version, defaultRuntime(f.file.text, version));
    if (!table) return {reason: `${file} uses containerd's version 1 config layout; migrate it with \`containerd config migrate\` first`};
    edits.edit(file, `containerd SystemdCgroup → true ([${table.header}])`, (text) => {
      const r = setTomlKey(text, table.path, table.header, 'SystemdCgroup', 'true');
      return r.ok ? r.text : {reason: r.reason};
    });
    return 'containerd';
  }
  if (rt.name === 'cri-o') {
    if (file && /^\s*cgroup_manager\s*=/.test(rt.cgroupDriver?.text ?? '')) {
      edits.edit(file, 'CRI-O cgroup_manager → "systemd"', (text) => {
        const r = setTomlKey(text, ['crio', 'runtime'], 'crio.runtime', 'cgroup_manager', '"systemd"');
        return r.ok ? r.text : {reason: r.reason};
      });
    } else {
      edits.create(
        '/etc/crio/crio.conf.d/99-kubelet-doctor-cgroup.conf',
        'CRI-O cgroup_manager → "systemd" (a drop-in read after the others)',
        '[crio.runtime]\ncgroup_manager = "systemd"\n',
      );
    }
    return 'crio';
  }
  return {
    reason: `${rt.name} is not configured by this fix; set its cgroup driver to systemd by hand (dockerd: "exec-opts": ["native.cgroupdriver=systemd"] in /etc/docker/daemon.json)`,
  };
}

/** Plan the fix for a cgroup-driver-match finding. */
export function planCgroupDriver(input: PlanInput): FixPlan | NotApplicable {
  const {facts, raw} = input;
  if (!facts.runtime.collected) return notApplicable(`the container runtime was not collected: ${facts.runtime.reason}`);
  const rt = facts.runtime.value;
  const k = kubeletSide(facts);
  const actual = (rt.cri.collected ? rt.cri.value.cgroupDriver : null) ?? rt.cgroupDriver;
  if (!k || !actual) return notApplicable("cannot tell both cgroup drivers (see the check's skip reason)");
  if (k.value === actual.value) return notApplicable(`the kubelet and ${rt.name} both use ${actual.value} already`);
  const choices: FixChoice[] = [
    {name: 'kubelet', description: `set the kubelet's cgroupDriver to ${actual.value}, the driver ${rt.name} uses; restart the kubelet`},
  ];
  if (actual.value !== 'systemd' && rt.name !== 'docker' && rt.name !== 'unknown') {
    choices.push({
      name: 'runtime',
      description: `switch ${rt.name} to the systemd driver (recommended on systemd hosts and cgroup v2) and keep the kubelet on systemd; restart ${rt.name}, then the kubelet`,
    });
  }
  // The systemd driver is what kubeadm and the runtimes recommend: prefer moving the side that is not on it.
  if (k.value === 'systemd' && choices.length > 1) choices.reverse();
  const choice = input.choice ?? choices[0]!.name;
  if (!choices.some((c) => c.name === choice)) {
    return notApplicable(`--choice ${choice} is not offered here`, `choose one of: ${choices.map((c) => c.name).join(', ')}`);
  }
  const edits = new FileEdits(raw);
  const after: Step[] = [];
  let reload = false;
  if (choice === 'kubelet') {
    reload = setKubelet(facts, edits, actual.value);
  } else {
    const unit = setRuntime(rt, raw, edits);
    if (typeof unit !== 'string') return notApplicable(unit.reason);
    after.push({kind: 'restart-unit', unit});
    if (k.value !== 'systemd') reload = setKubelet(facts, edits, 'systemd');
  }
  if (edits.problem) return notApplicable(`cannot edit safely: ${edits.problem}`, 'make the change by hand; the finding shows the file and line');
  return {
    fixId: 'set-kubelet-cgroup-driver',
    checkId: 'cgroup-driver-match',
    title: choice === 'kubelet' ? `Set the kubelet's cgroup driver to ${actual.value}` : `Switch ${rt.name} (and the kubelet) to the systemd cgroup driver`,
    choice,
    choices,
    steps: [...edits.steps(), ...(reload ? [{kind: 'daemon-reload'} as const] : []), ...after, ...restartKubelet(facts)],
    notes: [
      'kubeadm upgrade rewrites /var/lib/kubelet/config.yaml from the kubelet-config ConfigMap: change cgroupDriver there too (kubectl -n kube-system edit cm kubelet-config).',
      ...(choice === 'runtime' ? [`restarting ${rt.name} keeps running containers (their shims stay up)`] : []),
    ],
  };
}
