/**
 * What an earlier `kubeadm join` (or init) left on the node, and whether `kubeadm reset` is needed
 * before a retry. Pure: read from the probe's output, nothing is touched.
 *
 * kubeadm join's pre-flight refuses a node that holds these (cmd/kubeadm/app/preflight/checks.go,
 * RunJoinNodeChecks): DirAvailable /etc/kubernetes/manifests (not empty), FileAvailable
 * /etc/kubernetes/kubelet.conf and /etc/kubernetes/bootstrap-kubelet.conf, FileAvailable of the
 * CA file (/etc/kubernetes/pki/ca.crt) when not joining a control plane, and (addCommonChecks)
 * Port-10250 while a kubelet listens. Each failed check is printed as `[ERROR <Name>]`, the name
 * being the check's kind and its path with `/` turned into `-` (FileAvailable--etc-kubernetes-kubelet.conf).
 * The kubelet's own state (/var/lib/kubelet/config.yaml, pki/) does not stop pre-flight, but a
 * stale kubelet-client-current.pem from another cluster is reused by the kubelet's certificate
 * store; `kubeadm reset` removes both (cmd/kubeadm/app/cmd/phases/reset/cleanupnode.go).
 */
import type {RawSnapshot} from '../facts/core.js';

/** One thing left behind. */
export interface Leftover {
  path: string;
  what: string;
  /** kubeadm's pre-flight check that refuses it, or null when it does not stop pre-flight. */
  preflight: string | null;
}

/** The node's leftovers and the verdict. */
export interface Leftovers {
  items: Leftover[];
  /** A pre-flight check would refuse the join: reset first (or --ignore-preflight-errors, knowingly). */
  resetNeeded: boolean;
  /** Paths the probe could not read (so the answer rests on the rest). */
  unread: string[];
}

/** kubeadm's name for a path check: FileAvailable--etc-kubernetes-kubelet.conf. */
const checkName = (kind: string, path: string): string => `${kind}-${path.replace(/\//g, '-')}`;

/** The files pre-flight checks, with what each one is. */
const FILES: readonly {path: string; what: string; workerOnly?: boolean}[] = [
  {path: '/etc/kubernetes/kubelet.conf', what: "the kubelet's kubeconfig from a finished TLS bootstrap"},
  {path: '/etc/kubernetes/bootstrap-kubelet.conf', what: 'the bootstrap kubeconfig (the join stopped before its TLS bootstrap finished)'},
  {path: '/etc/kubernetes/pki/ca.crt', what: 'the cluster CA (kubelet-start writes it from cluster-info)', workerOnly: true},
];

/** Read the leftovers from a probe's raw output. `kubeletRunning`: a kubelet process was seen (live). */
export function findLeftovers(raw: RawSnapshot, o: {controlPlane?: boolean; kubeletRunning?: boolean} = {}): Leftovers {
  const items: Leftover[] = [];
  const unread: string[] = [];
  for (const f of FILES) {
    const rec = raw.files[f.path];
    if (!rec) {
      unread.push(f.path);
      continue;
    }
    if (rec.status === 'missing') continue;
    const refuses = !(f.workerOnly && o.controlPlane);
    items.push({path: f.path, what: f.what, preflight: refuses ? checkName('FileAvailable', f.path) : null});
  }
  const manifests = raw.dirs['/etc/kubernetes/manifests'];
  if (manifests && manifests.status === 'ok' && manifests.entries.length > 0) {
    const n = manifests.total ?? manifests.entries.length;
    items.push({
      path: '/etc/kubernetes/manifests',
      what: `${n} static pod manifest${n === 1 ? '' : 's'} (${manifests.entries
        .slice(0, 3)
        .map((e) => e.name)
        .join(', ')}${n > 3 ? ', …' : ''})`,
      preflight: checkName('DirAvailable', '/etc/kubernetes/manifests'),
    });
  }
  const config = raw.files['/var/lib/kubelet/config.yaml'];
  if (config && config.status !== 'missing') {
    items.push({path: '/var/lib/kubelet/config.yaml', what: "the kubelet's configuration from kubelet-start (overwritten by the next join)", preflight: null});
  }
  const pki = raw.dirs['/var/lib/kubelet/pki'];
  const client = pki?.status === 'ok' ? pki.entries.filter((e) => /^kubelet-client-/.test(e.name)) : [];
  if (client.length > 0) {
    items.push({
      path: '/var/lib/kubelet/pki',
      what: `${client.length} kubelet client certificate file${client.length === 1 ? '' : 's'} (the kubelet reuses kubelet-client-current.pem, even from another cluster)`,
      preflight: null,
    });
  }
  if (o.kubeletRunning) items.push({path: ':10250', what: 'a kubelet is running and holds its port', preflight: 'Port-10250'});
  return {items, resetNeeded: items.some((i) => i.preflight !== null), unread};
}

/** The lines an operator reads: what is left, and what to do. */
export function leftoverLines(l: Leftovers): string[] {
  if (l.items.length === 0) {
    return l.unread.length > 0
      ? [`Left from an earlier join: could not tell (not read: ${l.unread.join(', ')})`]
      : ['Left from an earlier join: nothing; the node is clean for a join.'];
  }
  const out = ['Left from an earlier join:'];
  const width = Math.max(...l.items.map((i) => i.path.length));
  for (const i of l.items) out.push(`  ${i.path.padEnd(width)}  ${i.what}${i.preflight ? `  [pre-flight: ${i.preflight}]` : ''}`);
  if (l.resetNeeded) {
    out.push(
      `  → kubeadm join's pre-flight refuses this node (${l.items
        .filter((i) => i.preflight)
        .map((i) => i.preflight)
        .join(', ')}): run \`kubeadm reset\` on it before retrying (it removes these, stops the kubelet and cleans /var/lib/kubelet).`,
    );
  } else {
    out.push('  → nothing here stops pre-flight; `kubeadm reset` first still gives a clean retry (stale kubelet state is removed).');
  }
  return out;
}
