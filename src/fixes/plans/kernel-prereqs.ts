/**
 * kernel-prereqs-fix: br_netfilter loaded, bridge-nf-call-iptables and ip_forward at 1, now and
 * at boot. Persisted values are fixed where they are set (a sysctl.d line that says 0 is edited,
 * so a later file cannot keep overriding ours); what is missing goes into
 * /etc/modules-load.d/k8s.conf and /etc/sysctl.d/k8s.conf. On a live node `modprobe` and
 * `sysctl -w` apply it at once.
 */
import {appendLines, isAbsent} from '../node-text.js';
import {notApplicable, type FixPlan, type NotApplicable, type PlanInput, type Step} from '../types.js';
import {FileEdits, where} from './common.js';

const BRIDGE = 'net.bridge.bridge-nf-call-iptables';
const FORWARD = 'net.ipv4.ip_forward';
const MODULES_FILE = '/etc/modules-load.d/k8s.conf';
const SYSCTL_FILE = '/etc/sysctl.d/k8s.conf';

/** Add lines to a file of ours: append when it exists, create it when the probe saw it absent. */
function addTo(edits: FileEdits, raw: PlanInput['raw'], path: string, why: string, lines: string[]): void {
  if (isAbsent(raw, path)) edits.create(path, why, appendLines(null, lines));
  else edits.edit(path, why, (text) => appendLines(text, lines));
}

/** Plan the fix for a kernel-prereqs finding. */
export function planKernelPrereqs(input: PlanInput): FixPlan | NotApplicable {
  const {facts, raw} = input;
  if (!facts.kernel.collected) return notApplicable(`kernel settings were not collected: ${facts.kernel.reason}`);
  const k = facts.kernel.value;
  const edits = new FileEdits(raw);
  const now: Step[] = [];
  const modules: string[] = [];
  if (!k.bootModules['br_netfilter']) modules.push(...(k.bootModules['overlay'] ? [] : ['overlay']), 'br_netfilter');
  if (modules.length > 0) addTo(edits, raw, MODULES_FILE, `load ${modules.join(' and ')} at boot (modules-load.d(5))`, modules);
  if (k.live && !k.loadedModules?.['br_netfilter'])
    now.push({kind: 'run', argv: ['modprobe', 'br_netfilter'], why: 'load br_netfilter now: it creates /proc/sys/net/bridge'});
  const persist: string[] = [];
  for (const key of [BRIDGE, FORWARD]) {
    const per = k.persisted[key];
    if (per && per.value !== '1') {
      edits.line(per.source, `${key} = 1 where it is set to ${per.value} (${where(per.source)})`, (line) => {
        // <1:key and '='> <2:value> <3:rest>
        const m = /^(\s*-?\s*[\w./-]+\s*=\s*)(\S+)(.*)$/.exec(line);
        return m ? `${m[1]}1${m[3]}` : null;
      });
    } else if (!per && (key === FORWARD || k.live)) {
      persist.push(`${key} = 1`);
    }
    const cur = k.sysctl[key];
    if (k.live && cur?.value !== '1') now.push({kind: 'run', argv: ['sysctl', '-w', `${key}=1`], why: `set ${key} to 1 now`});
  }
  if (persist.length > 0) addTo(edits, raw, SYSCTL_FILE, `persist ${persist.map((l) => l.split(' ')[0]).join(' and ')} for every boot (sysctl.d(5))`, persist);
  if (edits.problem) return notApplicable(`cannot edit safely: ${edits.problem}`, 'set the module and sysctls by hand (see the remediation)');
  const writes = edits.steps();
  if (writes.length === 0 && now.length === 0) return notApplicable('the module and sysctls are already set');
  return {
    fixId: 'kernel-prereqs-fix',
    checkId: 'kernel-prereqs',
    title: 'Load br_netfilter and turn on bridge netfilter and IPv4 forwarding, now and at boot',
    steps: [...writes, ...now],
  };
}
