/**
 * Toeplitz hashing over GF(2), the universal₂ family of Carter–Wegman (1979)
 * and Krawczyk (CRYPTO 1994) used for privacy amplification and verification.
 * An m × n Toeplitz matrix is fixed by n + m − 1 seed bits t:
 *   T[i][j] = t[i − j + n − 1],   y = T·x  (mod 2).
 * The modified Toeplitz matrix [I_m | T'] of Hayashi and Tsurumaru (IEEE
 * Trans. IT 62(4), 2016), with T' of size m × (n − m), is universal₂ as well
 * and needs only n − 1 seed bits and a shorter product:
 *   y = x[0, m) ⊕ T'·x[m, n).
 * Two products: word-parallel XOR of seed windows (short inputs), and an exact
 * integer convolution by FFT (long inputs): y_i = (Σ_j x_j t_{i+n−1−j}) mod 2,
 * computed as one complex FFT of x + i·t, a pointwise product, one inverse
 * FFT, then rounding (the sums are integers ≤ n, far inside the 53-bit
 * mantissa; the rounding error is checked).
 *
 * Bit strings are Uint8Arrays with one bit (0/1) per byte; seeds are packed
 * little-endian into Uint32Arrays (bit b = word b>>5, bit b&31). The FFT runs
 * in the WebAssembly SIMD kernel (`fft-simd.ts`) where available, else in
 * JavaScript (`fft.ts`, also the reference the tests compare with: 'fft-js').
 */
import { ValidationError } from '../../common/index.js';
import { TOEPLITZ_FFT_THRESHOLD_BITS } from './constants.js';
import { FftPlan } from './fft.js';
import { SimdParityConvolution, simdFftAvailable } from './fft-simd.js';
import type { SeededRandom } from './seeded-random.js';

/** `make(size)`, built once per size and kept (FFT plans, twiddles and scratch memory are reused). */
function perSize<T>(make: (size: number) => T): (size: number) => T {
  const made = new Map<number, T>();
  return (size) => {
    let v = made.get(size);
    if (v === undefined) made.set(size, (v = make(size)));
    return v;
  };
}

/** A cached FFT plan of size `size`. */
const planFor = perSize((size) => new FftPlan(size));

/** Random seed of `bits` bits, packed (plus one spare zero word for window reads). */
export function randomToeplitzSeed(bits: number, rng: SeededRandom): Uint32Array {
  const words = new Uint32Array((bits >>> 5) + 2);
  for (let w = 0; w < (bits + 31) >>> 5; w++) words[w] = rng.uint32();
  if (bits & 31) words[bits >>> 5] &= (1 << (bits & 31)) - 1;
  return words;
}

/** Bit `b` of a packed seed. */
export function seedBit(seed: Uint32Array, b: number): number {
  return (seed[b >>> 5] >>> (b & 31)) & 1;
}

/** How to compute a product: by size (default), word XORs, FFT (SIMD where available), or the JavaScript FFT. */
export type ToeplitzMethod = 'auto' | 'words' | 'fft' | 'fft-js';

/** y = T·x for the m × n Toeplitz matrix of `seed` (n + m − 1 bits); FFT product from TOEPLITZ_FFT_THRESHOLD_BITS. */
export function toeplitzHash(x: Uint8Array, seed: Uint32Array, m: number, method: ToeplitzMethod = 'auto'): Uint8Array {
  const n = x.length;
  checkSeed(seed, n + m - 1, m);
  const out = new Uint8Array(m);
  if (m === 0 || n === 0) return out;
  product(method, x, 0, n, seed, m, out);
  return out;
}

/** y = [I_m | T']·x for the modified Toeplitz matrix of `seed` (n − 1 bits), m ≤ n. */
export function modifiedToeplitzHash(x: Uint8Array, seed: Uint32Array, m: number, method: ToeplitzMethod = 'auto'): Uint8Array {
  const n = x.length;
  if (m > n) throw new ValidationError(`output length ${m} exceeds input length ${n}`);
  checkSeed(seed, Math.max(0, n - 1), m);
  const out = new Uint8Array(m);
  const cols = n - m;
  if (m > 0 && cols > 0) product(method, x, m, cols, seed, m, out);
  for (let i = 0; i < m; i++) out[i] ^= x[i];
  return out;
}

/** Dispatch a product on the method (and, for 'auto', the size). */
function product(method: ToeplitzMethod, x: Uint8Array, off: number, n: number, seed: Uint32Array, m: number, out: Uint8Array): void {
  const long = n + m >= TOEPLITZ_FFT_THRESHOLD_BITS && m > 64;
  if (method === 'words' || (method === 'auto' && !long)) productWords(x, off, n, seed, m, out);
  else if (method === 'fft-js' || !simdFftAvailable()) productFft(x, off, n, seed, m, out);
  else productFftSimd(x, off, n, seed, m, out);
}

function checkSeed(seed: Uint32Array, bits: number, m: number): void {
  if (!Number.isInteger(m) || m < 0) throw new ValidationError(`output length must be a non-negative integer, got ${m}`);
  if (seed.length * 32 < bits + 32) throw new ValidationError(`seed holds ${seed.length * 32} bits, ${bits} plus one spare word needed`);
}

/**
 * out = T·x[off, off + n) with T the m × n Toeplitz matrix of `seed`: the XOR, over the set
 * bits x_j, of column j = seed bits [n − 1 − j, n − 1 − j + m), 32 bits at a time.
 */
function productWords(x: Uint8Array, off: number, n: number, seed: Uint32Array, m: number, out: Uint8Array): void {
  const words = (m + 31) >>> 5;
  const acc = new Uint32Array(words);
  for (let j = 0; j < n; j++) {
    if (x[off + j] === 0) continue;
    const start = n - 1 - j;
    const w0 = start >>> 5;
    const sh = start & 31;
    if (sh === 0) {
      for (let w = 0; w < words; w++) acc[w] ^= seed[w0 + w];
    } else {
      const back = 32 - sh;
      for (let w = 0; w < words; w++) acc[w] ^= (seed[w0 + w] >>> sh) | (seed[w0 + w + 1] << back);
    }
  }
  for (let i = 0; i < m; i++) out[i] = (acc[i >>> 5] >>> (i & 31)) & 1;
}

/** Scratch buffers per FFT size (reused: allocating 2 × 16 MB per call costs more than zeroing them). */
const scratchFor = perSize((N) => ({ z: new Float64Array(2 * N), y: new Float64Array(N) }));

/** w^k = e^(2πik/N) for k < N/2 in bit-reversed order (position i holds k = rev_{N/2}(i)), per N. */
const halfTwiddlesFor = perSize((N) => {
  const half = N >> 1;
  const bits = Math.log2(half);
  const t = new Float64Array(2 * half);
  for (let i = 0; i < half; i++) {
    let k = 0;
    for (let b = 0, v = i; b < bits; b++, v >>= 1) k = (k << 1) | (v & 1);
    t[2 * i] = Math.cos((2 * Math.PI * k) / N);
    t[2 * i + 1] = Math.sin((2 * Math.PI * k) / N);
  }
  return t;
});

/**
 * The same product as an exact integer convolution by FFT (see the module comment):
 *  1. Z = FFT_N(x + i·t), bit-reversed;
 *  2. P_k = X_k·T_k from Z_k and Z_{N−k} (mirror positions);
 *  3. the real inverse by a half-size transform: Q_k = (P_k + P_{k+N/2}) + i·w^k (P_k − P_{k+N/2})
 *     for k < N/2 (bit-reversed positions 2i and 2i+1 hold P_k and P_{k+N/2}), then
 *     y_j = IFFT_{N/2}(Q)_j / N gives c_{2j} = Re y_j and c_{2j+1} = Im y_j.
 */
function productFft(x: Uint8Array, off: number, n: number, seed: Uint32Array, m: number, out: Uint8Array): void {
  const len = n + m - 1;
  let N = 4;
  while (N < len) N <<= 1;
  const plan = planFor(N);
  const half = N >> 1;
  const halfPlan = planFor(half);
  const { z, y } = scratchFor(N);
  // 1. z = x + i·t, zero-padded to N, written in one pass.
  for (let w = 0, j = 0; j < N; w++) {
    const word = w < seed.length ? seed[w] : 0;
    const end = Math.min(N, j + 32);
    for (let b = 0; j < end; j++, b++) {
      z[2 * j] = j < n ? x[off + j] : 0;
      z[2 * j + 1] = j < len ? (word >>> b) & 1 : 0;
    }
  }
  plan.forward(z);
  // 2. Pointwise product. Positions 0 (k = 0) and 1 (k = N/2) are their own partners: P = Re·Im.
  for (const p of [0, 1]) {
    const re = z[2 * p] * z[2 * p + 1];
    z[2 * p] = re;
    z[2 * p + 1] = 0;
  }
  for (let top = 2; top < N; top <<= 1) {
    // Octave [top, 2·top): pairs (p, 3·top − 1 − p) hold frequencies k and N − k.
    for (let p = top, q = 2 * top - 1; p < q; p++, q--) {
      const x1 = z[2 * p], y1 = z[2 * p + 1], x2 = z[2 * q], y2 = z[2 * q + 1];
      const ar = x1 * x1 - y1 * y1 - x2 * x2 + y2 * y2;
      const ai = 2 * (x1 * y1 + x2 * y2);
      const pr = ai / 4;
      const pi = -ar / 4;
      z[2 * p] = pr;
      z[2 * p + 1] = pi;
      z[2 * q] = pr;
      z[2 * q + 1] = -pi;
    }
  }
  // 3. Fold into Q (half size, bit-reversed) and invert.
  const w = halfTwiddlesFor(N);
  for (let i = 0; i < half; i++) {
    const ar = z[4 * i], ai = z[4 * i + 1], br = z[4 * i + 2], bi = z[4 * i + 3];
    const dr = ar - br, di = ai - bi;
    const wr = w[2 * i], wi = w[2 * i + 1];
    // i·w·d = i·(wr·dr − wi·di) − (wr·di + wi·dr)
    y[2 * i] = ar + br - (wr * di + wi * dr);
    y[2 * i + 1] = ai + bi + (wr * dr - wi * di);
  }
  z.fill(0);
  halfPlan.inverse(y);
  let worst = 0;
  for (let i = 0; i < m; i++) {
    const k = i + n - 1;
    const v = y[k] / N; // c_{2j} = Re y_j at y[2j], c_{2j+1} = Im y_j at y[2j+1]: interleaving is c itself
    const r = Math.round(v);
    const e = Math.abs(v - r);
    if (e > worst) worst = e;
    out[i] = r & 1;
  }
  y.fill(0);
  // Never expected (error ~1e-9 at n = 10^6); a wrong parity would silently break the hash family.
  if (worst > 0.25) throw new ValidationError(`FFT convolution lost exactness (rounding error ${worst})`);
}

/** A cached SIMD convolution of transform size `size` (its memory is the scratch space). */
const convolutionFor = perSize((size) => new SimdParityConvolution(size));

/**
 * `productFft` on the SIMD kernels (`fft-simd.ts`): the same steps and floating-point operations,
 * with the input unpacking fused into the first FFT stage, the product and fold into one kernel and
 * the rounding into another; y_i = c_{i+n−1}.
 */
function productFftSimd(x: Uint8Array, off: number, n: number, seed: Uint32Array, m: number, out: Uint8Array): void {
  const len = n + m - 1;
  let N = 32;
  while (N < len) N <<= 1;
  const worst = convolutionFor(N).parities(x, off, n, seed, len, n - 1, out.subarray(0, m));
  // `!(≤)` also catches NaN.
  if (!(worst <= 0.25)) throw new ValidationError(`FFT convolution lost exactness (rounding error ${worst})`);
}
