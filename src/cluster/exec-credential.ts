/**
 * An `exec:` credential plugin in the kubeconfig (aws eks get-token, gke-gcloud-auth-plugin,
 * kubelogin …) runs at most once per run. @kubernetes/client-node caches the credential per
 * KubeConfig object, and only once the plugin has answered: the cluster view's seven parallel
 * requests each started the plugin, and every load of the kubeconfig (the node list, each pod
 * transport) started it again. Here every KubeConfig this program loads shares one credential
 * per user and plugin, requested once (concurrent requests wait for the same answer) and reused
 * until its `expirationTimestamp`. A plugin that fails is not remembered: the next request asks
 * again.
 */
import type * as K8s from '@kubernetes/client-node';

/** The part of an ExecCredential this cache reads. */
interface ExecCredential {
  status?: {expirationTimestamp?: string};
}
type GetCredential = (user: K8s.User) => Promise<ExecCredential | null>;

/** By user name and plugin (command, args, env): the credential, asked for or answered. */
const shared = new Map<string, {credential: Promise<ExecCredential | null>; until: number}>();

/** The plugin settings of a user, as client-node reads them (`exec`, or an `exec` auth provider). */
function pluginOf(user: K8s.User): unknown {
  return user.exec ?? (user.authProvider?.config as {exec?: unknown} | undefined)?.exec ?? null;
}

function once(user: K8s.User, ask: GetCredential): Promise<ExecCredential | null> {
  const key = JSON.stringify([user.name, pluginOf(user)]);
  const hit = shared.get(key);
  if (hit && hit.until > Date.now()) return hit.credential;
  const entry = {credential: ask(user), until: Number.POSITIVE_INFINITY};
  shared.set(key, entry);
  entry.credential.then(
    (c) => {
      const t = c?.status?.expirationTimestamp ? Date.parse(c.status.expirationTimestamp) : Number.NaN;
      if (!Number.isNaN(t)) entry.until = t;
    },
    () => {
      if (shared.get(key) === entry) shared.delete(key);
    },
  );
  return entry.credential;
}

/**
 * Make `kc` ask the shared cache for exec credentials. client-node keeps its authenticators in a
 * private field; the exec one is the one with `getCredential` (client-node 1.x and 2.x). When a
 * later version moves it, nothing breaks: the plugin just runs as client-node decides.
 */
export function shareExecCredentials(kc: K8s.KubeConfig): void {
  const authenticators = (kc as unknown as {authenticators?: unknown}).authenticators;
  if (!Array.isArray(authenticators)) return;
  for (const a of authenticators as {getCredential?: GetCredential; kdShared?: true}[]) {
    if (typeof a.getCredential !== 'function' || a.kdShared) continue;
    const ask = a.getCredential.bind(a);
    a.getCredential = (user) => once(user, ask);
    a.kdShared = true;
  }
}
