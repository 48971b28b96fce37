/**
 * `kube-public/cluster-info` read the way kubeadm join reads it: the kubeconfig in its
 * `kubeconfig` key (server URL, CA certificates, whose SPKI pins are what
 * `--discovery-token-ca-cert-hash` names) and the `jws-kubeconfig-<token-id>` signatures the
 * BootstrapSigner adds for each signing token.
 */
import {createHash, createHmac, timingSafeEqual, X509Certificate} from 'node:crypto';
import {parse} from 'yaml';
import type {ClusterCaView, ClusterInfoView} from '../facts/live/cluster.js';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const JWS_KEY = /^jws-kubeconfig-(.+)$/;

/** `sha256:<hex>` of a certificate's DER SubjectPublicKeyInfo: kubeadm's CA pin. */
export function caPin(cert: X509Certificate): string {
  const spki = cert.publicKey.export({type: 'spki', format: 'der'});
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** Each certificate in a PEM bundle, as the view shows it; unreadable blocks are skipped. */
export function caViews(pem: string): ClusterCaView[] {
  const out: ClusterCaView[] = [];
  for (const block of pem.match(PEM_CERT) ?? []) {
    try {
      const cert = new X509Certificate(block);
      out.push({subject: cert.subject.split('\n').join(', '), notAfter: new Date(cert.validTo).toISOString(), pin: caPin(cert)});
    } catch {
      // not a certificate: the count of CAs tells the check what was readable
    }
  }
  return out;
}

type KubeconfigCluster = {server?: unknown; 'certificate-authority-data'?: unknown; 'certificate-authority'?: unknown};

/** The first cluster of a kubeconfig document, or the reason there is none. */
function firstCluster(text: string): KubeconfigCluster | string {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return `its kubeconfig is not YAML (${(e as Error).message.split('\n')[0]})`;
  }
  const clusters = (doc as {clusters?: unknown} | null)?.clusters;
  const first = Array.isArray(clusters) ? (clusters[0] as {cluster?: unknown} | undefined)?.cluster : undefined;
  return first && typeof first === 'object' ? (first as KubeconfigCluster) : 'its kubeconfig names no cluster';
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/**
 * Verify a detached JWS (`header..signature`, HS256) over `content` with the token secret, the
 * way kubeadm join checks cluster-info (k8s.io/cluster-bootstrap/token/jws): the key is the
 * secret half of the token. Constant-time compare; false for anything malformed.
 */
export function verifyDetachedJws(jws: string, content: string, tokenSecret: string): boolean {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts[1] !== '') return false;
  const [header = '', , sig = ''] = parts;
  const want = createHmac('sha256', tokenSecret)
    .update(`${header}.${b64url(content)}`)
    .digest();
  const got = Buffer.from(sig, 'base64url');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Read cluster-info's data (the ConfigMap's `data`) into the view; what is unreadable is in `error`. */
export function parseClusterInfo(
  data: Record<string, string> | undefined,
  join: {tokenId: string | null; tokenSecret: string | null} | null = null,
): ClusterInfoView {
  const d = data ?? {};
  const jwsTokenIds = Object.keys(d)
    .flatMap((k) => JWS_KEY.exec(k)?.[1] ?? [])
    .sort();
  const sig = join?.tokenId ? d[`jws-kubeconfig-${join.tokenId}`] : undefined;
  const jwsValidForJoin =
    sig !== undefined && join?.tokenSecret && d['kubeconfig'] !== undefined ? verifyDetachedJws(sig, d['kubeconfig'], join.tokenSecret) : null;
  const view: ClusterInfoView = {server: null, cas: [], jwsTokenIds, jwsValidForJoin, error: null};
  const text = d['kubeconfig'];
  if (text === undefined) return {...view, error: 'cluster-info has no kubeconfig key'};
  const cluster = firstCluster(text);
  if (typeof cluster === 'string') return {...view, error: cluster};
  view.server = typeof cluster.server === 'string' ? cluster.server : null;
  const caData = cluster['certificate-authority-data'];
  if (typeof caData !== 'string') {
    return {
      ...view,
      error: cluster['certificate-authority']
        ? 'its kubeconfig names a CA file, not certificate-authority-data'
        : 'its kubeconfig has no certificate-authority-data',
    };
  }
  view.cas = caViews(Buffer.from(caData, 'base64').toString('utf8'));
  if (view.cas.length === 0) view.error = 'its certificate-authority-data holds no readable certificate';
  return view;
}
