/**
 * How a failed GET_KEY at the Hybridization Module maps to an ETSI GS QKD 004
 * v2.1.1 status (§6; numbering as in PROTOCOL-NOTES.md §2.1): 2 when key
 * material ran out (the KME's HTTP 503, a source reporting no key left, a busy
 * peer), 4 (no QKD connection) for everything else — an unreachable KME or peer
 * HM, and every HM-to-HM authentication failure, whose message then starts
 * `HM-to-HM authentication failed:`. The message says why; it never holds key
 * bytes.
 */
import { Etsi004Status, Etsi004StatusError } from '../etsi004/index.js';
import { Etsi014ClientError } from '../etsi014/index.js';
import type { SingleSourcePolicy } from './hybrid-uri.js';
import { SourceUnavailableError } from './key-source.js';
import { PeerAuthError, PeerExchangeError } from './peer-errors.js';

/** The 004 status error for any failure of a GET_KEY under `policy`. */
export function toStatusError(err: unknown, policy: { singleSourcePolicy: SingleSourcePolicy }): Etsi004StatusError {
  if (err instanceof Etsi004StatusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof SourceUnavailableError) {
    const why = policy.singleSourcePolicy === 'require-all' ? '; single_source_policy=require-all does not key from fewer sources' : '';
    return new Etsi004StatusError(err.etsi004Status, `${message}${why}`);
  }
  if (err instanceof PeerAuthError) return new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `HM-to-HM authentication failed: ${message}`);
  if (err instanceof PeerExchangeError && err.httpStatus === 401) return new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, `HM-to-HM authentication failed: ${message}`);
  if (err instanceof Etsi014ClientError && err.httpStatus === 503) return new Etsi004StatusError(Etsi004Status.INSUFFICIENT_KEY, message);
  if (err instanceof PeerExchangeError && err.httpStatus === 503) return new Etsi004StatusError(Etsi004Status.INSUFFICIENT_KEY, message);
  return new Etsi004StatusError(Etsi004Status.NO_QKD_CONNECTION, message);
}
