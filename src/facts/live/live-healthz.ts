/**
 * The kubelet's healthz endpoint as the probe queried it: which port and address it worked out
 * on the node (flag > --config-dir > --config > default, in shell), and what answered. The
 * healthz check compares that with the effective configuration before trusting the answer.
 */
import {collected, notCollected, type Collected, type RawSnapshot} from '../core.js';
import {lastValue, liveValues} from './live-records.js';
import {readHttp, type HttpResult} from './live-http.js';

/** What the probe queried, and the answer. */
export interface HealthzFacts {
  /** The port the probe worked out (0: healthz disabled, nothing queried); null when it was not a number. */
  port: number | null;
  /** Where the probe found it: `flag`, `default`, or the config file path. */
  portFrom: string;
  address: string;
  addressFrom: string;
  /** The request, or null when the port is 0 or no client could make it. */
  result: HttpResult | null;
  /** Why nothing was queried (no curl/wget, a port that is not a number), or null. */
  error: string | null;
}

/** Build the healthz facts from the probe's `live` record and its `healthz` request. */
export function buildHealthz(raw: RawSnapshot): Collected<HealthzFacts> {
  const live = liveValues(raw);
  if (!live.ok) return notCollected(live.reason);
  const v = live.values;
  const portText = lastValue(v, 'healthz_port');
  if (portText === undefined) return notCollected('not collected: the probe did not work out the healthz port');
  const port = /^\d+$/.test(portText) ? Number(portText) : null;
  return collected({
    port,
    portFrom: lastValue(v, 'healthz_port_from') ?? 'default',
    address: lastValue(v, 'healthz_address') ?? '127.0.0.1',
    addressFrom: lastValue(v, 'healthz_address_from') ?? 'default',
    result: readHttp(raw, 'healthz', v),
    error: lastValue(v, 'healthz.error') ?? null,
  });
}
