/**
 * RBAC as the API server applies it, small enough to read: the request attributes of an API
 * request (verb, API group, resource, subresource, namespace, name, or a non-resource path) and
 * whether a set of rules allows them. `kubelet-doctor manifest` prints rules in this shape; the
 * stand-in API server (src/lab/apiserver.ts) can enforce them, so a test proves that a real run
 * needs no more than the manifest grants and uses every rule it grants.
 *
 * The verb mapping follows the API server's request-info resolver (k8s.io/apiserver
 * pkg/endpoints/request/requestinfo.go): GET on a collection is `list`, on a named object `get`;
 * POST `create`; PUT `update`; PATCH `patch`; DELETE `delete`. A WebSocket upgrade to
 * `pods/exec` is checked as `create`, as Kubernetes 1.31 and later do (feature gate
 * AuthorizePodWebsocketUpgradeCreatePermission, on by default since 1.31; earlier versions
 * checked `get`).
 */

/** One rule of a Role or ClusterRole (the fields this tool uses). */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/** Rules that apply in one namespace (a Role), or cluster-wide (namespace null: a ClusterRole). */
export interface ScopedRules {
  namespace: string | null;
  rules: PolicyRule[];
}

/** What the authorizer sees of a request. */
export type RequestAttributes =
  | {
      kind: 'resource';
      verb: string;
      apiGroup: string;
      /** `pods`, or `pods/exec` with the subresource. */
      resource: string;
      namespace: string | null;
      name: string | null;
    }
  | {kind: 'non-resource'; verb: string; path: string};

const METHOD_VERBS: Readonly<Record<string, string>> = {POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete'};

/** The attributes of `METHOD /path?query` (`upgrade`: a WebSocket upgrade request). */
export function requestAttributes(method: string, url: string, upgrade = false): RequestAttributes {
  const path = url.replace(/\?.*$/, '');
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(\/.*)?$/.exec(path);
  if (!m) return {kind: 'non-resource', verb: (method === 'GET' || method === 'HEAD' ? 'get' : METHOD_VERBS[method]) ?? method.toLowerCase(), path};
  const apiGroup = m[1] ?? '';
  const parts = (m[3] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
  let namespace: string | null = null;
  if (parts[0] === 'namespaces' && parts.length >= 3) {
    namespace = parts[1]!;
    parts.splice(0, 2);
  }
  const [resource = '', name = null, sub = null] = parts;
  const verb =
    upgrade && sub !== null
      ? 'create'
      : method === 'GET' || method === 'HEAD'
        ? name === null
          ? 'list'
          : 'get'
        : (METHOD_VERBS[method] ?? method.toLowerCase());
  return {kind: 'resource', verb, apiGroup, resource: sub ? `${resource}/${sub}` : resource, namespace, name};
}

const has = (list: readonly string[] | undefined, v: string) => (list ?? []).includes('*') || (list ?? []).includes(v);

/** Whether one rule allows the request. */
export function ruleAllows(r: PolicyRule, a: RequestAttributes): boolean {
  if (!has(r.verbs, a.verb)) return false;
  if (a.kind === 'non-resource') return (r.nonResourceURLs ?? []).some((u) => u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  if (!has(r.apiGroups, a.apiGroup) || !has(r.resources, a.resource)) return false;
  return !r.resourceNames?.length || (a.name !== null && r.resourceNames.includes(a.name));
}

/** The first rule (its place: role index, rule index) that allows the request, or null: RBAC denies it. */
export function whichRule(roles: readonly ScopedRules[], a: RequestAttributes): [number, number] | null {
  for (const [i, role] of roles.entries()) {
    // A namespaced Role never grants cluster-scoped resources or non-resource URLs.
    if (role.namespace !== null && (a.kind === 'non-resource' || a.namespace !== role.namespace)) continue;
    const j = role.rules.findIndex((r) => ruleAllows(r, a));
    if (j >= 0) return [i, j];
  }
  return null;
}

/** `create pods/exec in kube-system`: a request's attributes in a line. */
export function describeAttributes(a: RequestAttributes): string {
  if (a.kind === 'non-resource') return `${a.verb} ${a.path}`;
  const what = `${a.resource}${a.apiGroup ? `.${a.apiGroup}` : ''}${a.name ? ` ${a.name}` : ''}`;
  return `${a.verb} ${what}${a.namespace ? ` in ${a.namespace}` : ''}`;
}
