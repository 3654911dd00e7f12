/**
 * The simulator's randomness: a deterministic, cryptographically strong stream
 * (AES-256-CTR keystream of node:crypto, FIPS 197 / NIST SP 800-38A) keyed by
 * SHA-256(seed ‖ label). Every party and process draws from its own labelled
 * stream (`fork`): Alice's bits and bases, Bob's bases, the channel, the public
 * choices (sample positions, hash seeds, key_IDs). The same seed gives the same
 * run, bit for bit; a random seed (the default of the link) makes the keys as
 * unpredictable as the seed.
 *
 * Caveat: simulated keys are only as secret as the seed and this process.
 */
import { createCipheriv, createHash, randomBytes, type Cipher } from 'node:crypto';
import { ValidationError, zeroize } from '../../common/index.js';

const CHUNK_BYTES = 64 * 1024;
const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** A labelled deterministic random stream. */
export class SeededRandom {
  readonly label: string;
  private readonly seed: Uint8Array;
  private readonly cipher: Cipher;
  private readonly zeros = new Uint8Array(CHUNK_BYTES);
  private chunk = new Uint8Array(0);
  private words = new Uint32Array(0);
  private pos = 0;
  private gaussSpare: number | undefined;

  constructor(seed: Uint8Array, label = 'root') {
    if (seed.length < 16) throw new ValidationError(`seed must have at least 16 bytes, got ${seed.length}`);
    this.seed = Uint8Array.from(seed);
    this.label = label;
    const key = createHash('sha256').update(seed).update('\0qnfv-bb84-sim\0').update(label).digest();
    try {
      this.cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    } finally {
      key.fill(0);
    }
  }

  /** A fresh 32-byte seed from node:crypto. */
  static randomSeed(): Uint8Array {
    return new Uint8Array(randomBytes(32));
  }

  /** An independent stream for `label` derived from the same seed. */
  fork(label: string): SeededRandom {
    return new SeededRandom(this.seed, `${this.label}/${label}`);
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    if (this.pos >= this.words.length) this.refill();
    return this.words[this.pos++];
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  double(): number {
    const hi = this.uint32() >>> 5;
    const lo = this.uint32() >>> 6;
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** A uniform double in (0, 1]: safe for logarithms. */
  doubleNonZero(): number {
    return 1 - this.double();
  }

  /** A uniform integer in [0, n). */
  below(n: number): number {
    if (n <= TWO_POW_32) {
      // Rejection sampling keeps it exactly uniform.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const x = this.uint32();
        if (x < limit) return x % n;
      }
    }
    return Math.floor(this.double() * n);
  }

  /** Fill `out` with random bytes. */
  fill(out: Uint8Array): Uint8Array {
    let off = 0;
    // Drain whole 32-bit words of the current chunk first so streams stay aligned.
    while (off < out.length) {
      if (this.pos >= this.words.length) this.refill();
      const availableBytes = (this.words.length - this.pos) * 4;
      const take = Math.min(availableBytes, out.length - off);
      out.set(this.chunk.subarray(this.pos * 4, this.pos * 4 + take), off);
      this.pos += Math.ceil(take / 4);
      off += take;
    }
    return out;
  }

  /** `count` random bits, one per byte (0 or 1). */
  bits(count: number): Uint8Array {
    const out = new Uint8Array(count);
    let i = 0;
    while (i < count) {
      let w = this.uint32();
      const end = Math.min(count, i + 32);
      for (; i < end; i++) {
        out[i] = w & 1;
        w >>>= 1;
      }
    }
    return out;
  }

  /** A standard normal variate (Box–Muller). */
  gaussian(): number {
    if (this.gaussSpare !== undefined) {
      const g = this.gaussSpare;
      this.gaussSpare = undefined;
      return g;
    }
    const u = this.doubleNonZero();
    const v = this.double();
    const r = Math.sqrt(-2 * Math.log(u));
    this.gaussSpare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * A Binomial(n, p) variate: exact inversion when the mean is small (≤ 64), otherwise the
   * normal approximation with continuity correction (relative error far below the sampling
   * noise at the counts the simulator uses it for, 10^3 and above).
   */
  binomial(n: number, p: number): number {
    if (!(p >= 0 && p <= 1) || !Number.isInteger(n) || n < 0) throw new ValidationError(`binomial(${n}, ${p}) is undefined`);
    if (n === 0 || p === 0) return 0;
    if (p === 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    const mean = n * p;
    if (mean <= 64) {
      // Inversion by sequential search over the pmf.
      const q = 1 - p;
      let pk = Math.pow(q, n);
      if (pk > 0) {
        let u = this.double();
        let k = 0;
        while (u > pk && k < n) {
          u -= pk;
          pk *= ((n - k) / (k + 1)) * (p / q);
          k++;
        }
        return k;
      }
      // q^n underflows (huge n, tiny p): Poisson inversion in log space.
      let k = 0;
      let logPk = -mean;
      let u = this.double();
      while (k < n) {
        const pk2 = Math.exp(logPk);
        if (u <= pk2) break;
        u -= pk2;
        k++;
        logPk += Math.log(mean / k);
      }
      return k;
    }
    const sd = Math.sqrt(mean * (1 - p));
    const x = Math.round(mean + sd * this.gaussian());
    return Math.min(n, Math.max(0, x));
  }

  /** Zero the buffered keystream (the stream can still be used). */
  wipe(): void {
    zeroize(this.chunk);
    this.pos = this.words.length;
  }

  private refill(): void {
    const next = this.cipher.update(this.zeros);
    // A Uint32Array view needs 4-byte alignment; copy in the rare case the Buffer is unaligned.
    this.chunk = next.byteOffset % 4 === 0 ? new Uint8Array(next.buffer, next.byteOffset, next.byteLength) : Uint8Array.from(next);
    this.words = new Uint32Array(this.chunk.buffer, this.chunk.byteOffset, this.chunk.byteLength >>> 2);
    this.pos = 0;
  }
}
