/**
 * staticPodPath exists and every file in it is a Pod manifest. The kubelet only logs a missing
 * directory (kubelet.md R12) and skips a bad manifest, so a control-plane node can lose its
 * API server without the kubelet ever failing.
 */
import {defineCheck, fail, pass, skip, warn} from '../src/catalogue/define.js';
import type {Evidence, Verdict} from '../src/catalogue/define.js';
import type {StaticPodManifest} from '../src/facts/host/host.js';

const at = (m: StaticPodManifest): Evidence['source'] => (m.line === undefined ? {file: m.path} : {file: m.path, line: m.line});

function manifestVerdict(m: StaticPodManifest): Verdict | null {
  const evidence = [{source: at(m), text: m.error ?? m.text ?? m.status}];
  switch (m.status) {
    case 'ok':
      return null;
    case 'parse-error':
      return fail(
        `${m.path} is not valid YAML at line ${m.line ?? '?'} (${m.error ?? 'parse error'}): the kubelet skips it and the pod does not run`,
        evidence,
      );
    case 'not-a-pod':
      return fail(`${m.path} is not a valid Pod manifest (${m.error ?? 'not a Pod'}): the kubelet skips it`, evidence);
    case 'binary':
      return fail(`${m.path} is binary: the kubelet tries to load every non-hidden file in staticPodPath and fails on this one`, evidence);
    case 'not-collected':
      return warn(
        `${m.path} was not read by the probe, but the kubelet loads every non-hidden file in staticPodPath as a manifest (backup copies included): move it out of the directory`,
        evidence,
      );
    case 'missing':
    case 'unreadable':
    case 'too-large':
      return warn(`${m.path} could not be checked: ${m.error ?? m.status}`, evidence);
  }
}

/** Two files declaring the same pod: the kubelet runs one of them (a leftover copy is the usual cause). */
function duplicates(ms: StaticPodManifest[]): Verdict[] {
  const byName = new Map<string, StaticPodManifest[]>();
  for (const m of ms.filter((x) => x.status === 'ok' && x.name)) {
    const key = `${m.namespace ?? 'default'}/${m.name ?? ''}`;
    byName.set(key, [...(byName.get(key) ?? []), m]);
  }
  return [...byName.entries()]
    .filter(([, list]) => list.length > 1)
    .map(([key, list]) =>
      warn(
        `${list.length} manifests declare the static pod ${key} (${list.map((m) => m.path).join(', ')}): keep one`,
        list.map((m) => ({source: at(m), text: m.text ?? ''})),
      ),
    );
}

export default defineCheck({
  id: 'static-pods',
  title: 'Static pod manifests are present and valid',
  category: 'kubelet',
  severity: 'medium',
  description:
    'On a kubeadm control-plane node the API server, etcd, controller manager and scheduler are static pods: a missing staticPodPath directory or a manifest that does not parse as a Pod means that component is not running, and the kubelet only mentions it in its log.',
  needs: ['kubeletConfig', 'staticPods'],
  explainedBy: ['kubelet-config'],
  remediation:
    "Create the directory (`mkdir -p /etc/kubernetes/manifests`; harmless on workers). Fix the manifest at the file and line shown, or restore it (`kubeadm init phase control-plane all` / `kubeadm init phase etcd local` regenerate kubeadm's). Keep backups outside the directory: the kubelet loads every non-hidden file in it.",
  references: [
    'https://kubernetes.io/docs/tasks/configure-pod-container/static-pod/',
    'https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/',
  ],
  signatures: [
    {
      id: 'static-pod-path-missing',
      text: 'Unable to read config path "/etc/kubernetes/manifests": path does not exist, ignoring',
      pattern: /Unable to read (?:config|manifest) path \\?"[^"\\]+\\?": path does not exist, ignoring/,
      reference: 'kubelet.md R12; kubeadm#1345',
    },
    {
      id: 'static-pod-manifest-invalid',
      text: 'Could not process manifest file" err="/etc/kubernetes/manifests/kube-apiserver.yaml: couldn\'t parse as pod(yaml: line 5: found character that cannot start any token)',
      pattern: /(?:Could not process manifest file|couldn't parse as pod)/,
      reference: 'pkg/kubelet/config/file.go [mem]',
    },
  ],
  evaluate({staticPods}) {
    if (!staticPods.collected) return skip(staticPods.reason);
    const sp = staticPods.value;
    const pathEv: Evidence = {source: sp.path.source, text: sp.path.text};
    switch (sp.kind) {
      case 'disabled':
        return pass('staticPodPath is empty: the kubelet runs no static pods (kubeadm nodes set /etc/kubernetes/manifests)', [pathEv]);
      case 'not-collected':
        return skip(`staticPodPath ${sp.path.value} was not collected by the probe`);
      case 'missing':
        return warn(
          `staticPodPath ${sp.path.value} does not exist: the kubelet logs "path does not exist, ignoring" and runs no static pods (harmless on a worker; on a control-plane node the API server and etcd are gone)`,
          [pathEv],
        );
      case 'unreadable':
        return warn(`staticPodPath ${sp.path.value} could not be read by the probe`, [pathEv]);
      case 'dir':
      case 'file':
        break;
    }
    const out = [...sp.manifests.map(manifestVerdict).filter((v): v is Verdict => v !== null), ...duplicates(sp.manifests)];
    if (out.length > 0) return out;
    const ok = sp.manifests.filter((m) => m.status === 'ok');
    if (ok.length === 0) return pass(`staticPodPath ${sp.path.value} exists and holds no manifests`, [pathEv]);
    return pass(`${ok.length} static pod manifest(s) in ${sp.path.value}: ${ok.map((m) => m.name ?? m.path).join(', ')}`, [
      pathEv,
      ...ok.map((m) => ({source: at(m), text: m.text ?? ''})),
    ]);
  },
});
