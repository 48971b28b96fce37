/**
 * The report model (JSON schema 1 in DESIGN.md) that every reporter renders and the TUI reads.
 */
import type {Category, Evidence, Severity, Status} from '../catalogue/define.js';
import type {TransportKind} from '../facts/types.js';

/** One check's result on one node. */
export interface Finding {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  status: Status;
  summary: string;
  evidence: Evidence[];
  remediation: string;
  fix: string | null;
  /** The failing check that explains this failure (first cause first), or null. */
  causedBy: string | null;
  /** An effect (a crash loop, no healthz answer, NotReady, a journal line): it cannot be the cause of others. */
  symptom?: boolean;
  /** The checks its evidence names as the cause, in the evidence's order (kubelet-logs: the first fatal line's check first). */
  pointsTo?: string[];
  /** Further verdicts folded into this result (a check that found several problems). */
  details: string[];
  references: readonly string[];
  /**
   * An operator's waiver covers this finding (runbook `waivers:` or `--waivers FILE`): while it
   * holds, a failure does not fail the run; once `expired`, it fails again and says so.
   */
  waived?: {reason: string; expires: string; expired: boolean};
}

/** Why a target could not be checked. */
export interface TargetFailure {
  kind: string;
  message: string;
  hint: string | null;
}

/** One node's results. */
export interface TargetResult {
  target: string;
  node: string;
  transport: TransportKind;
  /** `not-a-node`: the machine has no kubelet (src/facts/presence.ts); `error` carries the one line. */
  status: 'ok' | 'unreachable' | 'error' | 'not-a-node';
  error: TargetFailure | null;
  kubeletVersion: string | null;
  durationMs: number;
  /** Probe notes (missing tools, interrupted output). */
  notes: string[];
  /**
   * The node's output was cut, malformed or missing a section: `status` is `error`, and the
   * results are what the part that arrived gives (no check passes on it).
   */
  partial?: boolean;
  /** The cluster's view of the node (with a kubeconfig); absent without one. */
  cluster?: ClusterSummary | null;
  /** The installer profile the node's files match (checks/data/profiles); absent when the node was not probed. */
  profile?: InstallerSummary;
  /** Best-practice advice findings left out of `results` (the operator did not ask with --advice). */
  adviceHidden?: number;
  results: Finding[];
}

/** Which installer laid the node out, and the file:line that says so. */
export interface InstallerSummary {
  /** A profile id (`kubeadm-deb`, `eks-al2023`, …) or `unknown`. */
  id: string;
  title: string;
  evidence: Evidence[];
  /** For an embedded kubelet (k3s, RKE2): what is and is not checked. */
  note: string | null;
}

/** The API server's view of one node, shown beside the node's own findings. */
export interface ClusterSummary {
  server: string;
  context: string;
  /** The name the node's kubelet registers under (what the Node object was looked up by). */
  nodeName: string;
  apiserverVersion: string | null;
  /** null: the Node could not be read; `registered: false`: the cluster has no Node of that name. */
  node:
    | {registered: false}
    | {
        registered: true;
        ready: {status: string; reason: string | null; message: string | null} | null;
        /** Conditions other than Ready that are not False (pressure, NetworkUnavailable). */
        conditions: {type: string; status: string; reason: string | null}[];
        taints: string[];
        unschedulable: boolean;
        kubeletVersion: string | null;
        containerRuntimeVersion: string | null;
      }
    | null;
  /** Seconds between the lease's renewTime and the fetch; null when there is no lease. */
  leaseRenewedSecondsAgo: number | null;
  /** CSRs for this node's identity. */
  csrs: {name: string; status: string; signerName: string; username: string}[];
  /** Parts of the view that could not be read, with the reason. */
  unavailable: string[];
}

/** Counts by status. */
export type Summary = Record<Status, number>;

/** The whole run. */
export interface Report {
  schema: 1;
  tool: 'kubelet-doctor';
  version: string;
  startedAt: string;
  targets: TargetResult[];
  summary: Summary;
}
