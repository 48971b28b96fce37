/**
 * The runtime sets up pod networking from the first CNI config in its conf dir, running the
 * plugin binaries it names from its bin dirs. With no usable config, or a plugin binary missing,
 * the runtime reports NetworkReady=false ("cni plugin not initialized", kubelet.md R1) and the
 * node stays NotReady.
 */
import {posix} from 'node:path';
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {Source} from '../src/facts/types.js';
import type {CniConfigFile, CniFacts} from '../src/facts/runtime/runtime.js';

const where = (s: Source): string => ('command' in s ? s.command : s.line === undefined ? s.file : `${s.file}:${s.line}`);
const ev = (s: {source: Source; text: string}): Evidence => ({source: s.source, text: s.text});
const fileEv = (c: CniConfigFile): Evidence => ({
  source: {file: c.path, ...(c.line === undefined ? {} : {line: c.line})},
  text: c.error ?? c.status,
});
const runtimeName = (c: CniFacts): string => (c.runtime === 'cri-o' ? 'CRI-O' : c.runtime === 'docker' ? 'cri-dockerd' : c.runtime);

/** Verdicts on the configs themselves: none, the one in use broken, others broken. */
function configVerdicts(c: CniFacts, dir: string, confDir: Evidence): Verdict[] {
  const rt = runtimeName(c);
  if (c.configs.length === 0) {
    const also = c.ignored.length > 0 ? ` (ignored, wrong extension: ${c.ignored.join(', ')})` : '';
    const state = c.confDirStatus === 'missing' ? `${dir} does not exist` : `no .conf/.conflist/.json file in ${dir}${also}`;
    return [
      fail(`${state}: ${rt} reports "cni plugin not initialized" and the node stays NotReady until a CNI (flannel, calico, cilium...) installs its config`, [
        confDir,
        {source: {file: dir}, text: c.confDirStatus === 'missing' ? 'no such directory' : 'no CNI config file'},
      ]),
    ];
  }
  const out: Verdict[] = [];
  const inUse = c.inUse;
  if (!inUse) {
    out.push(fail(`no usable CNI config in ${dir}: ${rt} skips every file`, [confDir, ...c.configs.map(fileEv)]));
  } else if (inUse.status !== 'ok') {
    const summary = `${where(fileEv(inUse).source)}: ${inUse.error ?? inUse.status}; ${rt} loads this file first and fails ("cni config load failed")`;
    out.push(fail(summary, [fileEv(inUse), confDir]));
  }
  for (const other of c.configs.filter((x) => x !== inUse && x.status !== 'ok')) {
    out.push(warn(`${where(fileEv(other).source)}: ${other.error ?? other.status} (not the config in use, but a runtime change may pick it)`, [fileEv(other)]));
  }
  return out;
}

export default defineCheck({
  id: 'cni-config',
  title: 'CNI config present and its plugin binaries installed',
  category: 'network',
  severity: 'high',
  description:
    'Pods get their network from the CNI config the runtime loads from its conf dir (/etc/cni/net.d) and the plugin binaries in its bin dir (/opt/cni/bin). Without both, the node reports NetworkReady=false and stays NotReady.',
  needs: ['cni'],
  explainedBy: ['container-runtime'],
  // Before 1.24 the dockershim kubelet set up pod networking itself: --network-plugin "" (the
  // default: no plugin, host networking only) or kubenet (a bridge with host-local IPAM) uses no
  // CNI config; only --network-plugin=cni, or a remote runtime (which runs CNI itself), does.
  // knowledge/kubelet.md (--network-plugin removed in 1.24, kubernetes#106907; cri-dockerd owns it now).
  appliesTo: {
    except: [
      {
        kubelet: {max: '1.23'},
        flags: [
          {flag: 'network-plugin', default: '', not: ['cni']},
          {flag: 'container-runtime', default: 'docker', not: ['remote']},
        ],
        reason:
          'a kubelet 1.23 or older on the dockershim whose --network-plugin is not cni (unset: no network plugin; kubenet: its own bridge) uses no CNI config',
      },
    ],
  },
  remediation:
    'Install (or repair) the cluster\'s CNI: its DaemonSet writes the config into /etc/cni/net.d and the binaries into /opt/cni/bin. Check the CNI pod on this node (kubectl -n kube-system get pods -o wide --field-selector spec.nodeName=NODE), install the standard plugins (containernetworking-plugins) when bridge/host-local/portmap are missing, fix or remove a config that does not parse, and restart the runtime if it still reports "cni plugin not initialized".',
  references: [
    'https://kubernetes.io/docs/concepts/extend-kubernetes/compute-storage-net/network-plugins/',
    'https://www.cni.dev/docs/spec/#section-1-network-configuration-format',
  ],
  signatures: [
    {
      id: 'cni-not-initialized',
      text: '"Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"',
      pattern: /cni plugin not initialized|network plugin is not ready: cni config uninitialized/,
      reference: 'kubelet.md R1; containerd#8419, kubernetes#71692',
    },
    {
      id: 'cni-no-network-config',
      text: 'cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized: failed to load cni config',
      pattern: /no network config found in \S+/,
      reference: 'containerd go-cni (lastCNILoadStatus)',
    },
    {
      id: 'cni-plugin-binary-missing',
      text: 'failed to find plugin "bridge" in path [/opt/cni/bin]',
      pattern: /failed to find plugin "[^"]+" in path/,
      reference: 'containernetworking/cni pkg/invoke/find.go',
    },
  ],
  evaluate(facts) {
    const {cni} = facts;
    if (!cni.collected) return skip(cni.reason);
    const c = cni.value;
    const dir = c.confDir.value.length > 1 ? c.confDir.value.replace(/\/+$/, '') : c.confDir.value;
    if (c.confDirStatus === 'not-collected' || c.confDirStatus === 'unreadable') {
      return skip(`${dir} was not ${c.confDirStatus === 'unreadable' ? 'readable' : 'listed by the probe'}`);
    }
    const confDir = ev(c.confDir);
    const out = configVerdicts(c, dir, confDir);
    const inUse = c.inUse;
    if (inUse?.status === 'ok') {
      const dirs = c.binListings.map((b) => b.path).join(', ');
      for (const m of c.missing) {
        out.push(
          fail(`CNI plugin "${m.value}" (${where(m.source)}) is not in ${dirs}: pod sandboxes fail with "failed to find plugin "${m.value}" in path"`, [
            ev(m),
            ev(c.binDirs),
          ]),
        );
      }
    }
    const nr = c.networkReady;
    if (nr && !nr.value && !out.some((v) => v.status === 'fail')) {
      const used = inUse?.plugins[0];
      out.push(fail(`the config looks right but the runtime still reports ${nr.text}; restart the runtime`, [ev(nr), used ? ev(used) : confDir]));
    }
    if (out.some((v) => v.status === 'fail') || !inUse || inUse.status !== 'ok') return out;
    const plugins = [...new Set(inUse.plugins.map((p) => p.value))].join(', ');
    const listed = c.binListings.every((b) => b.status === 'ok' || b.status === 'missing');
    const bins = listed ? `plugin binaries present in ${c.binListings.map((b) => b.path).join(', ')}` : 'plugin binaries not checked (bin dir not listed)';
    const first = inUse.plugins[0];
    const evidence: Evidence[] = [{source: first?.source ?? {file: inUse.path}, text: first?.text ?? 'in use'}, confDir];
    out.unshift(pass(`${posix.basename(inUse.path)} (${inUse.name ?? 'unnamed'}: ${plugins}) is the CNI config in use in ${dir}; ${bins}`, evidence));
    return out;
  },
});
