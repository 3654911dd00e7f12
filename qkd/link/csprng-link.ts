/**
 * A STAND-IN for a QKD link: it fills the two nodes' key stores with the same
 * random keys (node:crypto `randomBytes`, a classical CSPRNG) under the same
 * key_IDs (UUID v4) in the same order, at `keyRate` keys/s, up to the stores'
 * capacity. Nothing quantum happens here and the keys are only as secret as this
 * process. The BB84 simulator of ARCHITECTURE.md §5 (photon source, channel,
 * sifting, LDPC, privacy amplification: `bb84-sim-link.ts`) fills the stores
 * under the same contract; this stand-in stays the default for fast tests.
 *
 * It also wires delivery notices between the stores (each store tells the other
 * what it delivered, see `key-store.ts`), which a real link does over its
 * authenticated classical channel.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ValidationError, createLogger, zeroize } from '../../common/index.js';
import { BITS_PER_BYTE, DEFAULT_KEY_RATE, LINK_TICK_MS } from '../constants.js';
import type { KeyStore } from '../key-store.js';

/** Options of a CSPRNG link between two stores. */
export interface CsprngLinkOptions {
  /** The two ends: the stores at node A and at node B (same capacity and key size). */
  stores: readonly [KeyStore, KeyStore];
  /** Keys per second added to both stores while running; 0 = only `fill()`. */
  keyRate?: number;
  /** Randomness source, injectable for tests (default node:crypto randomBytes). */
  random?: (bytes: number) => Uint8Array;
  /** Name used in logs. */
  name?: string;
}

/** Simulated link feeding two stores from a CSPRNG. */
export class CsprngLink {
  readonly keyRate: number;
  private readonly stores: readonly [KeyStore, KeyStore];
  private readonly random: (bytes: number) => Uint8Array;
  private readonly unwire: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private credit = 0;
  private last = 0;
  private readonly log;

  constructor(opts: CsprngLinkOptions) {
    const [a, b] = opts.stores;
    if (a === b) throw new ValidationError('a link needs two distinct stores');
    if (a.keySizeBits !== b.keySizeBits || a.capacity !== b.capacity) {
      throw new ValidationError('both stores of a link must have the same key size and capacity');
    }
    const rate = opts.keyRate ?? DEFAULT_KEY_RATE;
    if (!Number.isFinite(rate) || rate < 0) throw new ValidationError(`keyRate must be >= 0 keys/s, got ${rate}`);
    this.keyRate = rate;
    this.stores = opts.stores;
    this.random = opts.random ?? ((n) => new Uint8Array(randomBytes(n)));
    this.log = createLogger(`qkd.link.${opts.name ?? 'csprng'}`);
    // A delivery on one side reserves the key on the other (and lets it be forgotten there).
    this.unwire.push(a.onDelivery((id, binding) => b.notePeerDelivery(id, binding)));
    this.unwire.push(b.onDelivery((id, binding) => a.notePeerDelivery(id, binding)));
  }

  /** Start adding keys at `keyRate` (no-op when the rate is 0). */
  start(): void {
    if (this.timer || this.keyRate === 0) return;
    this.last = Date.now();
    this.timer = setInterval(() => this.tick(), LINK_TICK_MS);
    this.timer.unref();
    this.log.info('CSPRNG stand-in link started', { keyRate: this.keyRate, keySizeBits: this.stores[0].keySizeBits });
  }

  /** Stop adding keys and unwire the stores (stores keep their keys). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const u of this.unwire.splice(0)) u();
  }

  /** Add up to `count` keys to both stores now; returns how many fitted. */
  fill(count: number): number {
    const [a, b] = this.stores;
    const bytes = a.keySizeBits / BITS_PER_BYTE;
    let added = 0;
    while (added < count && a.hasRoom() && b.hasRoom()) {
      const keyId = randomUUID();
      const key = this.random(bytes);
      try {
        a.add(keyId, key);
        b.add(keyId, key);
      } finally {
        zeroize(key);
      }
      added++;
    }
    return added;
  }

  private tick(): void {
    const now = Date.now();
    this.credit += ((now - this.last) / 1000) * this.keyRate;
    this.last = now;
    const whole = Math.floor(this.credit);
    if (whole === 0) return;
    this.credit -= whole;
    const added = this.fill(whole);
    // A full pool does not bank credit: the rate resumes when keys are consumed.
    if (added < whole) this.credit = 0;
  }
}
