/**
 * Toeplitz hashing (`qkd/sim/toeplitz-hash.ts`) against the naive matrix product
 * y_i = ⊕_j T[i][j]·x_j with T[i][j] = t[i − j + n − 1], for the word-XOR and the
 * FFT products, the standard and the modified [I | T'] matrix, at the edges of the
 * transform sizes; the FFT itself against a naive DFT, and the WebAssembly SIMD FFT
 * against the JavaScript one.
 */
import {
  FftPlan,
  SeededRandom,
  SimdFftPlan,
  SimdParityConvolution,
  modifiedToeplitzHash,
  randomToeplitzSeed,
  seedBit,
  simdFftAvailable,
  toeplitzHash,
} from '../../../qkd/sim/index.js';

const rng = new SeededRandom(new Uint8Array(32).fill(7), 'toeplitz-test');

/** The m × n Toeplitz product, one matrix entry at a time. */
function naiveToeplitz(x: Uint8Array, seed: Uint32Array, m: number): Uint8Array {
  const n = x.length;
  const y = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s ^= x[j] & seedBit(seed, i - j + n - 1);
    y[i] = s;
  }
  return y;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('FFT', () => {
  it('matches a naive DFT (bit-reversed output) and inverts exactly', () => {
    for (const N of [2, 4, 8, 32, 128, 512]) {
      const x = new Float64Array(2 * N).map(() => rng.double() - 0.5);
      const orig = x.slice();
      const plan = new FftPlan(N);
      plan.forward(x);
      const log = Math.log2(N);
      let worst = 0;
      for (let k = 0; k < N; k++) {
        let re = 0;
        let im = 0;
        for (let j = 0; j < N; j++) {
          const a = (-2 * Math.PI * j * k) / N;
          re += orig[2 * j] * Math.cos(a) - orig[2 * j + 1] * Math.sin(a);
          im += orig[2 * j] * Math.sin(a) + orig[2 * j + 1] * Math.cos(a);
        }
        let p = 0;
        for (let b = 0; b < log; b++) p = (p << 1) | ((k >> b) & 1);
        worst = Math.max(worst, Math.abs(re - x[2 * p]), Math.abs(im - x[2 * p + 1]));
        // The mirror position holds frequency N − k.
        if (p > 0) {
          const m = FftPlan.mirror(p);
          let kk = 0;
          for (let b = 0; b < log; b++) kk = (kk << 1) | ((m >> b) & 1);
          expect(kk).toBe((N - k) % N);
        }
      }
      expect(worst).toBeLessThan(1e-9);
      plan.inverse(x);
      for (let i = 0; i < 2 * N; i++) expect(Math.abs(x[i] / N - orig[i])).toBeLessThan(1e-12);
    }
  });

  it('runs cache-blocked sizes (above one block) exactly invertibly', () => {
    const N = 1 << 14;
    const x = new Float64Array(2 * N).map(() => rng.double());
    const orig = x.slice();
    const plan = new FftPlan(N);
    plan.forward(x);
    // DC term = sum of inputs.
    let sum = 0;
    for (let j = 0; j < N; j++) sum += orig[2 * j];
    expect(x[0]).toBeCloseTo(sum, 6);
    plan.inverse(x);
    let worst = 0;
    for (let i = 0; i < 2 * N; i++) worst = Math.max(worst, Math.abs(x[i] / N - orig[i]));
    expect(worst).toBeLessThan(1e-12);
  });
});

const simd = simdFftAvailable() ? describe : describe.skip;

simd('WebAssembly SIMD FFT', () => {
  it.each([8, 16, 32, 64, 1 << 13, 1 << 14])('N=%i: equals the JavaScript FFT bit for bit, both ways', (N) => {
    const z = new Float64Array(2 * N).map(() => rng.double() - 0.5);
    const plan = new SimdFftPlan(N);
    for (let i = 0; i < N; i++) {
      plan.re[i] = z[2 * i];
      plan.im[i] = z[2 * i + 1];
    }
    const js = new FftPlan(N);
    const same = (): boolean => plan.re.every((v, i) => v === z[2 * i]) && plan.im.every((v, i) => v === z[2 * i + 1]);
    js.forward(z);
    plan.forward();
    expect(same()).toBe(true);
    js.inverse(z);
    plan.inverse();
    expect(same()).toBe(true);
  });

  it('leaves the convolution memory as it found it (key-dependent data zeroed)', () => {
    const c = new SimdParityConvolution(1 << 13);
    const memory = (c as unknown as { mem8: Uint8Array }).mem8;
    const before = memory.slice();
    const n = 3000;
    const m = 2500;
    const x = rng.bits(n);
    const out = new Uint8Array(m);
    const worst = c.parities(x, 0, n, randomToeplitzSeed(n + m - 1, rng), n + m - 1, n - 1, out);
    expect(worst).toBeLessThan(1e-6);
    expect(out.some((b) => b !== 0)).toBe(true);
    expect(Buffer.compare(Buffer.from(memory), Buffer.from(before))).toBe(0);
  });
});

describe('Toeplitz hash', () => {
  const sizes: [number, number][] = [[1, 1], [7, 3], [32, 32], [33, 31], [100, 64], [257, 200], [1000, 333], [2049, 1024]];

  it.each(sizes)('n=%i, m=%i: word-XOR and FFT products equal the naive product', (n, m) => {
    const x = rng.bits(n);
    const seed = randomToeplitzSeed(n + m - 1, rng);
    const want = hex(naiveToeplitz(x, seed, m));
    expect(hex(toeplitzHash(x, seed, m, 'words'))).toBe(want);
    expect(hex(toeplitzHash(x, seed, m, 'fft'))).toBe(want);
  });

  it.each(sizes.filter(([n, m]) => m <= n))('n=%i, m=%i: modified Toeplitz [I | T] equals x[0,m) ⊕ naive T·x[m,n)', (n, m) => {
    const x = rng.bits(n);
    const seed = randomToeplitzSeed(n - 1, rng);
    const want = naiveToeplitz(x.subarray(m), seed, m);
    for (let i = 0; i < m; i++) want[i] ^= x[i];
    expect(hex(modifiedToeplitzHash(x, seed, m, 'words'))).toBe(hex(want));
    expect(hex(modifiedToeplitzHash(x, seed, m, 'fft'))).toBe(hex(want));
  });

  // n + m − 1 at and just past the transform sizes: the smallest (32), the cache block (4096) and beyond.
  const edges: [number, number][] = [[16, 17], [17, 17], [1, 32], [32, 1], [2048, 2049], [2049, 2049], [4096, 4097], [5000, 3193], [8192, 8193]];

  it.each(edges)('n=%i, m=%i (transform size edge): FFT and word products agree', (n, m) => {
    const x = rng.bits(n);
    const seed = randomToeplitzSeed(n + m - 1, rng);
    expect(hex(toeplitzHash(x, seed, m, 'fft'))).toBe(hex(toeplitzHash(x, seed, m, 'words')));
    expect(hex(toeplitzHash(x, seed, m, 'fft-js'))).toBe(hex(toeplitzHash(x, seed, m, 'words')));
  });

  it.each([[33, 16], [4097, 2000], [4098, 2048], [16385, 8000]])('modified, n=%i, m=%i (transform size edge): FFT and word products agree', (n, m) => {
    const x = rng.bits(n);
    const seed = randomToeplitzSeed(n - 1, rng);
    expect(hex(modifiedToeplitzHash(x, seed, m, 'fft'))).toBe(hex(modifiedToeplitzHash(x, seed, m, 'words')));
  });

  it('FFT and word products agree on a long input (2^16 bits)', () => {
    const n = 1 << 16;
    const m = 20000;
    const x = rng.bits(n);
    const seed = randomToeplitzSeed(n - 1, rng);
    expect(hex(modifiedToeplitzHash(x, seed, m, 'fft'))).toBe(hex(modifiedToeplitzHash(x, seed, m, 'words')));
  });

  it('is linear and changes with the seed', () => {
    const n = 500;
    const m = 100;
    const a = rng.bits(n);
    const b = rng.bits(n);
    const ab = a.map((v, i) => v ^ b[i]);
    const seed = randomToeplitzSeed(n + m - 1, rng);
    const ha = toeplitzHash(a, seed, m);
    const hb = toeplitzHash(b, seed, m);
    expect(hex(toeplitzHash(ab, seed, m))).toBe(hex(ha.map((v, i) => v ^ hb[i])));
    expect(hex(toeplitzHash(a, randomToeplitzSeed(n + m - 1, rng), m))).not.toBe(hex(ha));
  });

  it('refuses a seed that is too short', () => {
    expect(() => toeplitzHash(rng.bits(100), new Uint32Array(2), 50)).toThrow(/seed holds/);
  });
});
