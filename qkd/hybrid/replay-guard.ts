/**
 * Replay protection of signed offer batches: each batch carries a random nonce
 * and the sender's clock (ms since the epoch). The receiver refuses a batch
 * whose timestamp is further than the window from its own clock (the HMs' clocks
 * must agree within it: NTP), and a nonce it has seen within twice the window,
 * so that a recorded batch can be replayed neither soon (nonce) nor later
 * (timestamp). Answers need no guard: each names the digest of the offer batch
 * it answers, whose nonce the sender chose.
 */
import { ExpiringMap } from './expiring-map.js';
import { PeerAuthError, PeerBusyError } from './peer-errors.js';

/** Remembers nonces for `2 × windowMs`. */
export class ReplayGuard {
  private readonly seen: ExpiringMap<string, true>;
  private readonly windowMs: number;
  private readonly maxNonces: number;

  constructor(windowMs: number, maxNonces: number) {
    this.windowMs = windowMs;
    this.maxNonces = maxNonces;
    this.seen = new ExpiringMap(2 * windowMs);
  }

  /** Accept (and remember) `nonce` sent at `timestamp`, or throw. */
  check(nonce: unknown, timestamp: unknown, now = Date.now()): void {
    if (typeof nonce !== 'string' || !/^[0-9a-f]{32,64}$/.test(nonce)) throw new PeerAuthError('offer batch nonce must be 32..64 hex digits');
    if (!Number.isSafeInteger(timestamp)) throw new PeerAuthError('offer batch timestamp must be an integer (ms since the epoch)');
    const skew = (timestamp as number) - now;
    if (Math.abs(skew) > this.windowMs) {
      throw new PeerAuthError(`offer batch timestamp is ${Math.round(skew / 1000)} s from this HM's clock (window ±${this.windowMs / 1000} s): stale or replayed`);
    }
    if (this.seen.get(nonce)) throw new PeerAuthError('offer batch nonce was seen before: replayed');
    if (this.seen.size >= this.maxNonces) {
      this.seen.sweep();
      if (this.seen.size >= this.maxNonces) throw new PeerBusyError(`${this.maxNonces} recent offer batches remembered; try later`);
    }
    this.seen.set(nonce, true);
  }

  /** Forget everything and stop the sweep timer. */
  close(): void {
    this.seen.close();
  }
}
