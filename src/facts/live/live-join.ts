/**
 * The `kubeadm join` endpoint as the node sees it (only with --join-command): the probe makes
 * join's first request from the node, the anonymous GET of `kube-public/cluster-info`, so a
 * firewall, a proxy or a wrong address shows up before the operator runs the join.
 */
import {collected, notCollected, type Collected, type RawSnapshot} from '../core.js';
import {lastValue, liveValues} from './live-records.js';
import {readHttp, type HttpResult} from './live-http.js';

/** What the node got from the join endpoint. */
export interface JoinEndpointFacts {
  /** `HOST:PORT` from the join command. */
  endpoint: string;
  /** The request for cluster-info (TLS unverified: join pins the CA by its hash afterwards). */
  result: HttpResult | null;
}

/** Build the join endpoint facts from the probe's `join.*` values and `join-info` request. */
export function buildJoinEndpoint(raw: RawSnapshot): Collected<JoinEndpointFacts> {
  const live = liveValues(raw);
  if (!live.ok) return notCollected(live.reason);
  const endpoint = lastValue(live.values, 'join.endpoint');
  if (endpoint === undefined) return notCollected('no --join-command given: the node did not try a join endpoint');
  return collected({endpoint, result: readHttp(raw, 'join-info', live.values)});
}
