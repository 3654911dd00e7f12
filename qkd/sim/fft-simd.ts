/**
 * The FFT of `fft.ts` (radix-4 decimation in frequency, natural order in,
 * bit-reversed out; its exact inverse stage by stage) with the butterflies in a
 * WebAssembly SIMD kernel (`wasm-module.ts`): real and imaginary parts in two
 * arrays, two butterflies per f64x2 instruction. The radix-4 stages of size
 * ≥ 8 run in the kernel; the size-4 and radix-2 stages (one tenth of the work)
 * run in JavaScript on views of the same memory. Stages of span ≤ BLOCK run
 * block by block to stay in cache. Used by Toeplitz hashing for long inputs.
 */
import { ValidationError } from '../../common/index.js';
import { FunctionBody, I32, V128, encodeModule } from './wasm-module.js';

const BLOCK = 1 << 12;

/** The slice of the WebAssembly JS API used here (Node's global; the project's lib has no DOM). */
declare const WebAssembly: {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
};

let compiled: object | null | undefined;

/** The kernel module, or null without WebAssembly SIMD. */
function kernel(): object | null {
  if (compiled !== undefined) return compiled;
  const bytes = encodeModule([
    { name: 'dif4', body: stageBody(false) },
    { name: 'dif4inv', body: stageBody(true) },
  ]);
  compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  return compiled;
}

/** Whether the SIMD FFT can run here. */
export function simdFftAvailable(): boolean {
  return kernel() !== null;
}

/**
 * (pRe, pIm, pTw, base, L, count): one radix-4 stage of size L (≥ 8) on `count` consecutive
 * blocks starting at element `base`; twiddles at pTw as six arrays of L/4 doubles
 * (w1r, w1i, w2r, w2i, w3r, w3i). `inverse` emits the exact inverse stage (× 4).
 */
function stageBody(inverse: boolean): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32], []);
  const [pRe, pIm, pTw, base, L, count] = [0, 1, 2, 3, 4, 5];
  const qb = f.local(I32), blk = f.local(I32), off = f.local(I32), jb = f.local(I32), a = f.local(I32), w = f.local(I32);
  const [a0r, a0i, a1r, a1i, a2r, a2i, a3r, a3i] = Array.from({ length: 8 }, () => f.local(V128));
  const [t0r, t0i, t1r, t1i, t2r, t2i, t3r, t3i] = Array.from({ length: 8 }, () => f.local(V128));
  const [ur, ui, wr, wi] = Array.from({ length: 4 }, () => f.local(V128));
  // qb = (L / 4) · 8 bytes = L · 2
  f.get(L).i32Const(1).i32Shl().set(qb);
  f.i32Const(0).set(blk);
  f.block().loop();
  f.get(blk).get(count).i32LtU().i32Eqz().brIf(1);
  // off = (base + blk·L)·8
  f.get(base).get(blk).get(L).i32Mul().i32Add().i32Const(3).i32Shl().set(off);
  f.i32Const(0).set(jb);
  f.block().loop();
  f.get(jb).get(qb).i32LtU().i32Eqz().brIf(1);
  f.get(off).get(jb).i32Add().set(a);
  f.get(pTw).get(jb).i32Add().set(w);
  const load = (p: number, k: number, dst: number): void => {
    f.get(p).get(a).i32Add().get(qb).i32Const(k).i32Mul().i32Add().v128Load().set(dst);
  };
  load(pRe, 0, a0r); load(pIm, 0, a0i); load(pRe, 1, a1r); load(pIm, 1, a1i);
  load(pRe, 2, a2r); load(pIm, 2, a2i); load(pRe, 3, a3r); load(pIm, 3, a3i);
  const tw = (k: number, dst: number): void => {
    f.get(w).get(qb).i32Const(k).i32Mul().i32Add().v128Load().set(dst);
  };
  const store = (p: number, k: number, emitValue: () => void): void => {
    f.get(p).get(a).i32Add().get(qb).i32Const(k).i32Mul().i32Add();
    emitValue();
    f.v128Store();
  };
  const add = (x: number, y: number): void => void f.get(x).get(y).f64x2Add();
  const sub = (x: number, y: number): void => void f.get(x).get(y).f64x2Sub();
  if (!inverse) {
    f.get(a0r).get(a2r).f64x2Add().set(t0r); f.get(a0i).get(a2i).f64x2Add().set(t0i);
    f.get(a0r).get(a2r).f64x2Sub().set(t1r); f.get(a0i).get(a2i).f64x2Sub().set(t1i);
    f.get(a1r).get(a3r).f64x2Add().set(t2r); f.get(a1i).get(a3i).f64x2Add().set(t2i);
    // t3 = −i (a1 − a3)
    f.get(a1i).get(a3i).f64x2Sub().set(t3r); f.get(a3r).get(a1r).f64x2Sub().set(t3i);
    store(pRe, 0, () => add(t0r, t2r));
    store(pIm, 0, () => add(t0i, t2i));
    // (u = x, w = twiddle k): out = u·w
    const rotated = (slot: number, k: number, mkU: () => void): void => {
      mkU();
      tw(2 * k, wr);
      tw(2 * k + 1, wi);
      store(pRe, slot, () => void f.get(ur).get(wr).f64x2Mul().get(ui).get(wi).f64x2Mul().f64x2Sub());
      store(pIm, slot, () => void f.get(ur).get(wi).f64x2Mul().get(ui).get(wr).f64x2Mul().f64x2Add());
    };
    rotated(1, 1, () => { f.get(t0r).get(t2r).f64x2Sub().set(ur); f.get(t0i).get(t2i).f64x2Sub().set(ui); });
    rotated(2, 0, () => { f.get(t1r).get(t3r).f64x2Add().set(ur); f.get(t1i).get(t3i).f64x2Add().set(ui); });
    rotated(3, 2, () => { f.get(t1r).get(t3r).f64x2Sub().set(ur); f.get(t1i).get(t3i).f64x2Sub().set(ui); });
  } else {
    // y1 = a1·conj(w2), y2 = a2·conj(w1), y3 = a3·conj(w3) (overwrite a1..a3).
    const unrotate = (xr: number, xi: number, k: number): void => {
      tw(2 * k, wr);
      tw(2 * k + 1, wi);
      f.get(xr).get(wr).f64x2Mul().get(xi).get(wi).f64x2Mul().f64x2Add().set(ur);
      f.get(xi).get(wr).f64x2Mul().get(xr).get(wi).f64x2Mul().f64x2Sub().set(xi);
      f.get(ur).set(xr);
    };
    unrotate(a1r, a1i, 1);
    unrotate(a2r, a2i, 0);
    unrotate(a3r, a3i, 2);
    f.get(a0r).get(a1r).f64x2Add().set(t0r); f.get(a0i).get(a1i).f64x2Add().set(t0i);
    f.get(a0r).get(a1r).f64x2Sub().set(t2r); f.get(a0i).get(a1i).f64x2Sub().set(t2i);
    f.get(a2r).get(a3r).f64x2Add().set(t1r); f.get(a2i).get(a3i).f64x2Add().set(t1i);
    f.get(a2r).get(a3r).f64x2Sub().set(t3r); f.get(a2i).get(a3i).f64x2Sub().set(t3i);
    store(pRe, 0, () => add(t0r, t1r));
    store(pIm, 0, () => add(t0i, t1i));
    store(pRe, 2, () => sub(t0r, t1r));
    store(pIm, 2, () => sub(t0i, t1i));
    store(pRe, 1, () => sub(t2r, t3i));
    store(pIm, 1, () => add(t2i, t3r));
    store(pRe, 3, () => add(t2r, t3i));
    store(pIm, 3, () => sub(t2i, t3r));
  }
  f.get(jb).i32Const(16).i32Add().set(jb);
  f.br(0);
  f.end().end();
  f.get(blk).i32Const(1).i32Add().set(blk);
  f.br(0);
  f.end().end();
  return f;
}

type StageFn = (pRe: number, pIm: number, pTw: number, base: number, L: number, count: number) => void;

/** A size-N transform with its own memory: fill `re`/`im`, run, read them back. */
export class SimdFftPlan {
  readonly size: number;
  /** Real and imaginary parts (views of the kernel's memory). */
  readonly re: Float64Array;
  readonly im: Float64Array;
  private readonly stages: { L: number; tw: number }[] = [];
  private readonly radix2: boolean;
  private readonly dif4: StageFn;
  private readonly dif4inv: StageFn;
  private readonly pRe: number;
  private readonly pIm: number;

  constructor(size: number) {
    const mod = kernel();
    if (!mod) throw new ValidationError('this runtime has no WebAssembly SIMD');
    if (!Number.isInteger(size) || size < 8 || (size & (size - 1)) !== 0 || size > 1 << 24) {
      throw new ValidationError(`FFT size must be a power of two in 8..2^24, got ${size}`);
    }
    this.size = size;
    const sizes: number[] = [];
    let L = size;
    while (L >= 4) {
      sizes.push(L);
      L >>= 2;
    }
    this.radix2 = L === 2;
    let bytes = 16 * size;
    const twOffsets = sizes.map((s) => {
      const at = bytes;
      bytes += s >= 8 ? 12 * s : 0; // six arrays of s/4 doubles
      return at;
    });
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
    const instance = new WebAssembly.Instance(mod, { env: { memory } });
    this.dif4 = instance.exports.dif4 as StageFn;
    this.dif4inv = instance.exports.dif4inv as StageFn;
    this.pRe = 0;
    this.pIm = 8 * size;
    this.re = new Float64Array(memory.buffer, this.pRe, size);
    this.im = new Float64Array(memory.buffer, this.pIm, size);
    sizes.forEach((s, i) => {
      this.stages.push({ L: s, tw: twOffsets[i] });
      if (s < 8) return;
      const q = s >> 2;
      const t = new Float64Array(memory.buffer, twOffsets[i], 6 * q);
      for (let j = 0; j < q; j++) {
        for (let m = 1; m <= 3; m++) {
          const ang = (-2 * Math.PI * m * j) / s;
          t[(2 * (m - 1)) * q + j] = Math.cos(ang);
          t[(2 * (m - 1) + 1) * q + j] = Math.sin(ang);
        }
      }
    });
  }

  /** In-place forward DFT of (re, im): natural order in, bit-reversed order out. */
  forward(): void {
    const N = this.size;
    let s = 0;
    for (; s < this.stages.length && this.stages[s].L > BLOCK; s++) {
      const { L, tw } = this.stages[s];
      this.dif4(this.pRe, this.pIm, tw, 0, L, N / L);
    }
    const B = Math.min(BLOCK, N);
    for (let b = 0; b < N; b += B) {
      for (let t = s; t < this.stages.length; t++) {
        const { L, tw } = this.stages[t];
        if (L >= 8) this.dif4(this.pRe, this.pIm, tw, b, L, B / L);
        else this.size4(b, B, false);
      }
      if (this.radix2) this.size2(b, B);
    }
  }

  /** In-place inverse of `forward`, times N: bit-reversed in, natural order out. */
  inverse(): void {
    const N = this.size;
    const B = Math.min(BLOCK, N);
    let first = this.stages.length;
    while (first > 0 && this.stages[first - 1].L <= BLOCK) first--;
    for (let b = 0; b < N; b += B) {
      if (this.radix2) this.size2(b, B);
      for (let t = this.stages.length - 1; t >= first; t--) {
        const { L, tw } = this.stages[t];
        if (L >= 8) this.dif4inv(this.pRe, this.pIm, tw, b, L, B / L);
        else this.size4(b, B, true);
      }
    }
    for (let t = first - 1; t >= 0; t--) {
      const { L, tw } = this.stages[t];
      this.dif4inv(this.pRe, this.pIm, tw, 0, L, N / L);
    }
  }

  /** The size-4 stage (no twiddles) on [base, base + len); `inverse` uses the transposed butterfly. */
  private size4(base: number, len: number, inverse: boolean): void {
    const re = this.re;
    const im = this.im;
    for (let i = base; i < base + len; i += 4) {
      const a0r = re[i], a0i = im[i], a1r = re[i + 1], a1i = im[i + 1], a2r = re[i + 2], a2i = im[i + 2], a3r = re[i + 3], a3i = im[i + 3];
      if (!inverse) {
        const t0r = a0r + a2r, t0i = a0i + a2i, t1r = a0r - a2r, t1i = a0i - a2i, t2r = a1r + a3r, t2i = a1i + a3i, t3r = a1i - a3i, t3i = a3r - a1r;
        re[i] = t0r + t2r; im[i] = t0i + t2i;
        re[i + 1] = t0r - t2r; im[i + 1] = t0i - t2i;
        re[i + 2] = t1r + t3r; im[i + 2] = t1i + t3i;
        re[i + 3] = t1r - t3r; im[i + 3] = t1i - t3i;
      } else {
        const t0r = a0r + a1r, t0i = a0i + a1i, t2r = a0r - a1r, t2i = a0i - a1i, t1r = a2r + a3r, t1i = a2i + a3i, t3r = a2r - a3r, t3i = a2i - a3i;
        re[i] = t0r + t1r; im[i] = t0i + t1i;
        re[i + 2] = t0r - t1r; im[i + 2] = t0i - t1i;
        re[i + 1] = t2r - t3i; im[i + 1] = t2i + t3r;
        re[i + 3] = t2r + t3i; im[i + 3] = t2i - t3r;
      }
    }
  }

  /** The radix-2 stage (odd log2 N), its own inverse up to a factor 2. */
  private size2(base: number, len: number): void {
    const re = this.re;
    const im = this.im;
    for (let i = base; i < base + len; i += 2) {
      const ar = re[i], ai = im[i], br = re[i + 1], bi = im[i + 1];
      re[i] = ar + br; im[i] = ai + bi;
      re[i + 1] = ar - br; im[i + 1] = ai - bi;
    }
  }
}
