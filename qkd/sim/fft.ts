/**
 * A complex FFT for power-of-two sizes on interleaved Float64Arrays
 * (x[2k] = Re, x[2k+1] = Im), built for exact cyclic convolutions of 0/1
 * sequences (Toeplitz hashing, `toeplitz-hash.ts`):
 *   forward: radix-4 decimation in frequency (Cooley–Tukey 1965; Sande–Tukey),
 *            natural order in, bit-reversed order out;
 *   inverse: the exact inverse of each forward stage in reverse order,
 *            bit-reversed in, natural out, scaled by N (divide yourself).
 * A convolution never needs the bit-reversal permutation: the pointwise product
 * works in bit-reversed order. Stages whose butterflies span ≤ BLOCK points run
 * block by block so they stay in cache.
 */
import { ValidationError } from '../../common/index.js';

/** Points processed per cache block by the small stages. */
const BLOCK = 1 << 12;

/** Twiddles of one radix-4 stage of size L: for j < L/4, W^j, W^2j, W^3j (W = e^(−2πi/L)) interleaved. */
function stageTwiddles(L: number): Float64Array {
  const q = L >> 2;
  const t = new Float64Array(6 * q);
  for (let j = 0; j < q; j++) {
    for (let m = 1; m <= 3; m++) {
      const a = (-2 * Math.PI * m * j) / L;
      t[6 * j + 2 * (m - 1)] = Math.cos(a);
      t[6 * j + 2 * (m - 1) + 1] = Math.sin(a);
    }
  }
  return t;
}

/** A size-N transform plan (N a power of two ≥ 2). */
export class FftPlan {
  readonly size: number;
  /** Radix-4 stage sizes, largest first. */
  private readonly stages: number[] = [];
  private readonly twiddles: Float64Array[] = [];
  /** A final radix-2 stage when log2(N) is odd. */
  private readonly radix2: boolean;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0 || size > 1 << 26) {
      throw new ValidationError(`FFT size must be a power of two in 2..2^26, got ${size}`);
    }
    this.size = size;
    let L = size;
    while (L >= 4) {
      this.stages.push(L);
      this.twiddles.push(stageTwiddles(L));
      L >>= 2;
    }
    this.radix2 = L === 2;
  }

  /** In-place forward DFT: natural order in, bit-reversed order out. */
  forward(x: Float64Array): void {
    this.check(x);
    const N = this.size;
    let s = 0;
    for (; s < this.stages.length && this.stages[s] > BLOCK; s++) {
      const L = this.stages[s];
      for (let b = 0; b < N; b += L) difStage(x, b, L, this.twiddles[s]);
    }
    const B = Math.min(BLOCK, N);
    for (let b = 0; b < N; b += B) {
      for (let t = s; t < this.stages.length; t++) {
        const L = this.stages[t];
        for (let c = b; c < b + B; c += L) difStage(x, c, L, this.twiddles[t]);
      }
      if (this.radix2) radix2Stage(x, b, B);
    }
  }

  /** In-place inverse of `forward`, times N: bit-reversed in, natural order out. */
  inverse(x: Float64Array): void {
    this.check(x);
    const N = this.size;
    const B = Math.min(BLOCK, N);
    let first = this.stages.length;
    while (first > 0 && this.stages[first - 1] <= BLOCK) first--;
    for (let b = 0; b < N; b += B) {
      if (this.radix2) radix2Stage(x, b, B);
      for (let t = this.stages.length - 1; t >= first; t--) {
        const L = this.stages[t];
        for (let c = b; c < b + B; c += L) difStageInverse(x, c, L, this.twiddles[t]);
      }
    }
    for (let t = first - 1; t >= 0; t--) {
      const L = this.stages[t];
      for (let b = 0; b < N; b += L) difStageInverse(x, b, L, this.twiddles[t]);
    }
  }

  /** Position in the bit-reversed output of the frequency N − k, for the frequency at position p (p ≥ 1). */
  static mirror(p: number): number {
    // In bit-reversed order frequencies k and N − k sit mirrored inside each octave [2^j, 2^(j+1)).
    const top = 1 << (31 - Math.clz32(p));
    return 3 * top - 1 - p;
  }

  private check(x: Float64Array): void {
    if (x.length !== 2 * this.size) throw new ValidationError(`FFT input must hold ${this.size} complex values (${2 * this.size} doubles), got ${x.length}`);
  }
}

/** One radix-4 DIF stage of size L on the block starting at complex index `base`. */
function difStage(x: Float64Array, base: number, L: number, tw: Float64Array): void {
  const q = L >> 2;
  const q2 = 2 * q;
  for (let j = 0; j < q; j++) {
    const i0 = 2 * (base + j);
    const i1 = i0 + q2;
    const i2 = i1 + q2;
    const i3 = i2 + q2;
    const a0r = x[i0], a0i = x[i0 + 1], a1r = x[i1], a1i = x[i1 + 1];
    const a2r = x[i2], a2i = x[i2 + 1], a3r = x[i3], a3i = x[i3 + 1];
    const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i;
    const t2r = a1r + a3r, t2i = a1i + a3i;
    // t3 = −i (a1 − a3)
    const t3r = a1i - a3i, t3i = a3r - a1r;
    x[i0] = t0r + t2r;
    x[i0 + 1] = t0i + t2i;
    const k = 6 * j;
    const w1r = tw[k], w1i = tw[k + 1], w2r = tw[k + 2], w2i = tw[k + 3], w3r = tw[k + 4], w3i = tw[k + 5];
    let ur = t0r - t2r, ui = t0i - t2i;
    x[i1] = ur * w2r - ui * w2i;
    x[i1 + 1] = ur * w2i + ui * w2r;
    ur = t1r + t3r;
    ui = t1i + t3i;
    x[i2] = ur * w1r - ui * w1i;
    x[i2 + 1] = ur * w1i + ui * w1r;
    ur = t1r - t3r;
    ui = t1i - t3i;
    x[i3] = ur * w3r - ui * w3i;
    x[i3 + 1] = ur * w3i + ui * w3r;
  }
}

/** The inverse of `difStage`, times 4 (conjugate twiddles, transposed butterfly). */
function difStageInverse(x: Float64Array, base: number, L: number, tw: Float64Array): void {
  const q = L >> 2;
  const q2 = 2 * q;
  for (let j = 0; j < q; j++) {
    const i0 = 2 * (base + j);
    const i1 = i0 + q2;
    const i2 = i1 + q2;
    const i3 = i2 + q2;
    const k = 6 * j;
    const w1r = tw[k], w1i = tw[k + 1], w2r = tw[k + 2], w2i = tw[k + 3], w3r = tw[k + 4], w3i = tw[k + 5];
    const y0r = x[i0], y0i = x[i0 + 1];
    // Undo the twiddles: multiply by conj(W).
    const y1r = x[i1] * w2r + x[i1 + 1] * w2i, y1i = x[i1 + 1] * w2r - x[i1] * w2i;
    const y2r = x[i2] * w1r + x[i2 + 1] * w1i, y2i = x[i2 + 1] * w1r - x[i2] * w1i;
    const y3r = x[i3] * w3r + x[i3 + 1] * w3i, y3i = x[i3 + 1] * w3r - x[i3] * w3i;
    // 2·t0 = y0 + y1, 2·t2 = y0 − y1, 2·t1 = y2 + y3, 2·t3 = y2 − y3.
    const t0r = y0r + y1r, t0i = y0i + y1i, t2r = y0r - y1r, t2i = y0i - y1i;
    const t1r = y2r + y3r, t1i = y2i + y3i, t3r = y2r - y3r, t3i = y2i - y3i;
    // 4·a0 = 2t0 + 2t1, 4·a2 = 2t0 − 2t1, 4·a1 = 2t2 + i·2t3, 4·a3 = 2t2 − i·2t3.
    x[i0] = t0r + t1r;
    x[i0 + 1] = t0i + t1i;
    x[i2] = t0r - t1r;
    x[i2 + 1] = t0i - t1i;
    x[i1] = t2r - t3i;
    x[i1 + 1] = t2i + t3r;
    x[i3] = t2r + t3i;
    x[i3 + 1] = t2i - t3r;
  }
}

/** The last radix-2 stage (odd log2 N): its own inverse up to a factor 2. */
function radix2Stage(x: Float64Array, base: number, len: number): void {
  for (let i = 2 * base; i < 2 * (base + len); i += 4) {
    const ar = x[i], ai = x[i + 1], br = x[i + 2], bi = x[i + 3];
    x[i] = ar + br;
    x[i + 1] = ai + bi;
    x[i + 2] = ar - br;
    x[i + 3] = ai - bi;
  }
}
