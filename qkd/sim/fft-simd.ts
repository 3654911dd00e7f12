/**
 * The FFT of `fft.ts` (radix-4 decimation in frequency, natural order in,
 * bit-reversed out; its exact inverse stage by stage) as WebAssembly SIMD
 * kernels emitted per transform size by our encoder (`wasm-module.ts`): real
 * and imaginary parts in two arrays, two butterflies per f64x2 instruction.
 * Every stage is its own function with its sizes as constants, so each access
 * is one loop pointer plus an immediate offset (WebAssembly Core Spec 2.0
 * §5.4.6 memarg) and the twiddles of a butterfly pair are six consecutive
 * vectors. The last radix-4 stage (size 16 or 8) carries the size-4 or
 * radix-2 stage in the same pass, pairing lanes by shuffles. Stages of span
 * ≤ BLOCK run block by block to stay in cache. The floating-point operations
 * are those of `fft.ts`, in the same order: the results are bit-identical.
 *
 * `SimdFftPlan` is the plain transform. `SimdParityConvolution` is the whole
 * FFT product of Toeplitz hashing (`toeplitz-hash.ts`, `productFft`) in one
 * memory: the first stage reads the input bits directly, then the forward
 * transform, the pointwise product fused with the fold into the half-size
 * transform, the inverse, and rounding to parities; each kernel zeroes the
 * key-dependent data it consumes.
 */
import { ValidationError } from '../../common/index.js';
import { FunctionBody, I32, V128, encodeModule, uleb } from './wasm-module.js';

const BLOCK = 1 << 12;

/** The f64 value type (§5.3.1), for the rounding kernel's result. */
const F64 = 0x7c;

/** The slice of the WebAssembly JS API used here (Node's global; the project's lib has no DOM). */
declare const WebAssembly: {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
};

/** FunctionBody plus the instructions only these kernels use (§5.4.4–5.4.8), appended to its bytes. */
class KernelBody extends FunctionBody {
  private emit(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }
  private vector(code: number, ...immediates: number[]): this {
    return this.emit(0xfd, ...uleb(code), ...immediates);
  }
  // Memory: alignment as log2 bytes, then offset.
  i32Load8U(offset = 0): this { return this.emit(0x2d, 0, ...uleb(offset)); }
  i32Load16U(offset = 0): this { return this.emit(0x2f, 1, ...uleb(offset)); }
  i32And(): this { return this.emit(0x71); }
  i32Or(): this { return this.emit(0x72); }
  f64Max(): this { return this.emit(0xa5); }
  v128Const(bytes: readonly number[]): this {
    if (bytes.length !== 16) throw new ValidationError('v128.const takes 16 bytes');
    return this.vector(0x0c, ...bytes);
  }
  /** Bytes [lanes] of the concatenation a‖b (indices 0..31). */
  i8x16Shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16) throw new ValidationError('i8x16.shuffle takes 16 lane indices');
    return this.vector(0x0d, ...lanes);
  }
  f64x2ExtractLane(lane: number): this { return this.vector(0x21, lane); }
  f64x2Ne(): this { return this.vector(0x48); }
  v128AnyTrue(): this { return this.vector(0x53); }
  i64x2Shl(): this { return this.vector(0xcb); }
  f64x2Abs(): this { return this.vector(0xec); }
  f64x2Neg(): this { return this.vector(0xed); }
  /** pmax(a, b) = a < b ? b : a (one maxpd; f64x2.max's NaN rules cost several instructions). */
  f64x2Pmax(): this { return this.vector(0xf7); }
  f64Const(v: number): this { return this.emit(0x44, ...new Uint8Array(new Float64Array([v]).buffer)); }
  /** select(a, b, c) = c ≠ 0 ? a : b. */
  select(): this { return this.emit(0x1b); }
}

/** The 16 bytes of the f64x2 (a, b). */
function f64x2Bytes(a: number, b = a): number[] {
  return [...new Uint8Array(new Float64Array([a, b]).buffer)];
}

/** Shuffle lanes taking 64-bit lane `lo` then lane `hi` of a‖b (0, 1: a; 2, 3: b). */
function lanes64(lo: number, hi: number): number[] {
  return [...Array.from({ length: 8 }, (_, i) => 8 * lo + i), ...Array.from({ length: 8 }, (_, i) => 8 * hi + i)];
}

/** Where a transform's data lives: byte offsets of its real and imaginary arrays. */
interface Arrays {
  re: number;
  im: number;
}

/** Where the convolution's first stage finds its input bits (byte offsets). */
interface BitInputs {
  /** x, one bit per byte (only the low bit counts, like x mod 2 in the product). */
  x: number;
  /** The seed bits, packed little-endian. */
  seed: number;
  /** Four f64x2 (b0, b1) for the index b0 + 2·b1. */
  pairs: number;
}

type Part = 're' | 'im';

/** A complex f64x2 (two lanes) held in two locals. */
interface Complex {
  re: number;
  im: number;
}

function complexLocal(f: KernelBody): Complex {
  return { re: f.local(V128), im: f.local(V128) };
}

/** Receives output k of a butterfly: `value` pushes the v128 of its `part`. */
type Sink = (k: number, part: Part, value: () => void) => void;

/** Scratch locals of `radix4`. */
interface Radix4Scratch {
  t: Complex[];
  u: Complex;
  w: Complex;
}

function radix4Scratch(f: KernelBody): Radix4Scratch {
  return { t: Array.from({ length: 4 }, () => complexLocal(f)), u: complexLocal(f), w: complexLocal(f) };
}

/**
 * Two radix-4 butterflies of `fft.ts` (one per lane) on the rows a[0..3]. Forward:
 *   t0 = a0 + a2, t1 = a0 − a2, t2 = a1 + a3, t3 = −i·(a1 − a3),
 *   out0 = t0 + t2, out1 = (t0 − t2)·w2, out2 = (t1 + t3)·w1, out3 = (t1 − t3)·w3;
 * inverse (its exact inverse × 4; overwrites a1..a3): a1·conj(w2), a2·conj(w1), a3·conj(w3), then
 *   t0 = a0 + a1, t2 = a0 − a1, t1 = a2 + a3, t3 = a2 − a3,
 *   out0 = t0 + t1, out1 = t2 + i·t3, out2 = t0 − t1, out3 = t2 − i·t3.
 * All inputs are read before the first output, so `out` may write back into `a`.
 * `twiddle(v, dst)` loads vector v of the pair's six (w1r, w1i, w2r, w2i, w3r, w3i).
 */
function radix4(f: KernelBody, a: Complex[], twiddle: (v: number, dst: number) => void, inverse: boolean, out: Sink, s: Radix4Scratch): void {
  const [a0, a1, a2, a3] = a;
  const [t0, t1, t2, t3] = s.t;
  const { u, w } = s;
  const add = (x: number, y: number): void => void f.get(x).get(y).f64x2Add();
  const sub = (x: number, y: number): void => void f.get(x).get(y).f64x2Sub();
  if (!inverse) {
    add(a0.re, a2.re); f.set(t0.re); add(a0.im, a2.im); f.set(t0.im);
    sub(a0.re, a2.re); f.set(t1.re); sub(a0.im, a2.im); f.set(t1.im);
    add(a1.re, a3.re); f.set(t2.re); add(a1.im, a3.im); f.set(t2.im);
    sub(a1.im, a3.im); f.set(t3.re); sub(a3.re, a1.re); f.set(t3.im);
    out(0, 're', () => add(t0.re, t2.re));
    out(0, 'im', () => add(t0.im, t2.im));
    // out = u·w, w = twiddle m (1..3)
    const rotated = (k: number, m: number, mkU: () => void): void => {
      mkU();
      twiddle(2 * (m - 1), w.re);
      twiddle(2 * (m - 1) + 1, w.im);
      out(k, 're', () => void f.get(u.re).get(w.re).f64x2Mul().get(u.im).get(w.im).f64x2Mul().f64x2Sub());
      out(k, 'im', () => void f.get(u.re).get(w.im).f64x2Mul().get(u.im).get(w.re).f64x2Mul().f64x2Add());
    };
    rotated(1, 2, () => { sub(t0.re, t2.re); f.set(u.re); sub(t0.im, t2.im); f.set(u.im); });
    rotated(2, 1, () => { add(t1.re, t3.re); f.set(u.re); add(t1.im, t3.im); f.set(u.im); });
    rotated(3, 3, () => { sub(t1.re, t3.re); f.set(u.re); sub(t1.im, t3.im); f.set(u.im); });
  } else {
    const unrotate = (x: Complex, m: number): void => {
      twiddle(2 * (m - 1), w.re);
      twiddle(2 * (m - 1) + 1, w.im);
      f.get(x.re).get(w.re).f64x2Mul().get(x.im).get(w.im).f64x2Mul().f64x2Add().set(u.re);
      f.get(x.im).get(w.re).f64x2Mul().get(x.re).get(w.im).f64x2Mul().f64x2Sub().set(x.im);
      f.get(u.re).set(x.re);
    };
    unrotate(a1, 2);
    unrotate(a2, 1);
    unrotate(a3, 3);
    add(a0.re, a1.re); f.set(t0.re); add(a0.im, a1.im); f.set(t0.im);
    sub(a0.re, a1.re); f.set(t2.re); sub(a0.im, a1.im); f.set(t2.im);
    add(a2.re, a3.re); f.set(t1.re); add(a2.im, a3.im); f.set(t1.im);
    sub(a2.re, a3.re); f.set(t3.re); sub(a2.im, a3.im); f.set(t3.im);
    out(0, 're', () => add(t0.re, t1.re));
    out(0, 'im', () => add(t0.im, t1.im));
    out(2, 're', () => sub(t0.re, t1.re));
    out(2, 'im', () => sub(t0.im, t1.im));
    out(1, 're', () => sub(t2.re, t3.im));
    out(1, 'im', () => add(t2.im, t3.re));
    out(3, 're', () => add(t2.re, t3.im));
    out(3, 'im', () => sub(t2.im, t3.re));
  }
}

/** Scratch locals of `size4` and `size2` (`sign` is set where this is called: before the loop). */
interface ShuffleScratch {
  s: Complex;
  d: Complex;
  p: number;
  q: number;
  sum: number;
  diff: number;
  sign: number;
}

function shuffleScratch(f: KernelBody): ShuffleScratch {
  const s: ShuffleScratch = { s: complexLocal(f), d: complexLocal(f), p: f.local(V128), q: f.local(V128), sum: f.local(V128), diff: f.local(V128), sign: f.local(V128) };
  f.v128Const(f64x2Bytes(0, -0)).set(s.sign); // xor: negates lane 1
  return s;
}

/**
 * The size-4 butterfly of `fft.ts` (no twiddles) on one block A = (a0, a1), B = (a2, a3), by lane
 * shuffles; `out` gets (out0, out1) as k = 0 and (out2, out3) as k = 1. Forward, with
 * s = A + B = (t0, t2) and d = A − B = (t1, a1 − a3), t3 = −i·(a1 − a3) = (d_i[1], −d_r[1]):
 * (out0, out2) = P + Q and (out1, out3) = P − Q for P = (t0, t1), Q = (t2, t3). Inverse, with
 * s = (t0, t1) = (a0 + a1, a2 + a3) and d = (t2, t3) = (a0 − a1, a2 − a3):
 * (out0, out1) = P + Q and (out2, out3) = P − Q for P = (t0, t2), Q = (t1, i·t3).
 */
function size4(f: KernelBody, A: Complex, B: Complex, inverse: boolean, out: Sink, x: ShuffleScratch): void {
  const { s, d, p, q, sum, diff, sign } = x;
  const shuffle = (u: number, v: number, lo: number, hi: number): void => void f.get(u).get(v).i8x16Shuffle(lanes64(lo, hi));
  if (!inverse) {
    for (const part of ['re', 'im'] as const) {
      f.get(A[part]).get(B[part]).f64x2Add().set(s[part]);
      f.get(A[part]).get(B[part]).f64x2Sub().set(d[part]);
    }
    // P = (s[0], d[0]); Q = (s[1], d_i[1]) for re and (s[1], −d_r[1]) for im; outputs back in lane order.
    for (const [part, other] of [['re', 'im'], ['im', 're']] as const) {
      shuffle(s[part], d[part], 0, 2); f.set(p);
      shuffle(s[part], d[other], 1, 3);
      if (part === 'im') f.get(sign).v128Xor();
      f.set(q);
      f.get(p).get(q).f64x2Add().set(sum);
      f.get(p).get(q).f64x2Sub().set(diff);
      out(0, part, () => shuffle(sum, diff, 0, 2));
      out(1, part, () => shuffle(sum, diff, 1, 3));
    }
  } else {
    for (const part of ['re', 'im'] as const) {
      shuffle(A[part], B[part], 0, 2); f.set(p);
      shuffle(A[part], B[part], 1, 3); f.set(q);
      f.get(p).get(q).f64x2Add().set(s[part]);
      f.get(p).get(q).f64x2Sub().set(d[part]);
    }
    // P = (s[0], d[0]); Q = (s[1], −d_i[1]) for re and (s[1], d_r[1]) for im (i·t3 = (−t3i, t3r)).
    for (const [part, other] of [['re', 'im'], ['im', 're']] as const) {
      shuffle(s[part], d[part], 0, 2); f.set(p);
      shuffle(s[part], d[other], 1, 3);
      if (part === 're') f.get(sign).v128Xor();
      f.set(q);
      out(0, part, () => void f.get(p).get(q).f64x2Add());
      out(1, part, () => void f.get(p).get(q).f64x2Sub());
    }
  }
}

/**
 * The radix-2 butterfly of `fft.ts` (its own inverse up to a factor 2) on two blocks X = (a, b),
 * Y = (c, d): `out` gets (a + b, a − b) as k = 0 and (c + d, c − d) as k = 1.
 */
function size2(f: KernelBody, X: Complex, Y: Complex, out: Sink, x: ShuffleScratch): void {
  const { p, q, sum, diff } = x;
  for (const part of ['re', 'im'] as const) {
    f.get(X[part]).get(Y[part]).i8x16Shuffle(lanes64(0, 2)).set(p);
    f.get(X[part]).get(Y[part]).i8x16Shuffle(lanes64(1, 3)).set(q);
    f.get(p).get(q).f64x2Add().set(sum);
    f.get(p).get(q).f64x2Sub().set(diff);
    out(0, part, () => void f.get(sum).get(diff).i8x16Shuffle(lanes64(0, 2)));
    out(1, part, () => void f.get(sum).get(diff).i8x16Shuffle(lanes64(1, 3)));
  }
}

/**
 * The loop of a stage kernel (base, count) over `count` blocks of `L` elements from element `base`:
 * `a` = byte offset of the block; `body` emits one block's work.
 */
function blockLoop(f: KernelBody, L: number, body: (a: number) => void): void {
  const [base, count] = [0, 1];
  const a = f.local(I32), end = f.local(I32);
  f.get(base).i32Const(3).i32Shl().set(a);
  f.get(count).i32Const(L).i32Mul().get(base).i32Add().i32Const(3).i32Shl().set(end);
  f.block().loop();
  f.get(a).get(end).i32LtU().i32Eqz().brIf(1);
  body(a);
  f.get(a).i32Const(8 * L).i32Add().set(a);
  f.br(0);
  f.end().end();
}

/**
 * (base, count): one radix-4 stage of size L (≥ 32) on `count` consecutive blocks from element `base`
 * of `at`. Twiddles at `tw`, per butterfly pair (j, j+1) six f64x2 (w1r, w1i, w2r, w2i, w3r, w3i),
 * 96 bytes. `inverse` emits the exact inverse stage (× 4). With `bits` (forward, base 0, count 1),
 * the rows are read from the input bits instead of `at` (x + i·t of `productFft` step 1).
 */
function radix4Stage(L: number, at: Arrays, tw: number, inverse: boolean, bits?: BitInputs): KernelBody {
  const f = new KernelBody([I32, I32], []);
  const q = 2 * L; // bytes per row: L/4 doubles
  const p = f.local(I32), rowEnd = f.local(I32), t = f.local(I32);
  const rows = Array.from({ length: 4 }, () => complexLocal(f));
  const s = radix4Scratch(f);
  blockLoop(f, L, (a) => {
    // p runs over the butterfly pairs of the block's row 0, t over their twiddles.
    f.get(a).set(p);
    f.get(a).i32Const(q).i32Add().set(rowEnd);
    f.i32Const(0).set(t);
    f.loop();
    if (!bits) {
      rows.forEach((row, k) => {
        f.get(p).v128Load(at.re + k * q).set(row.re);
        f.get(p).v128Load(at.im + k * q).set(row.im);
      });
    } else {
      // Element e = j + k·L/4 of row k (j = p/8, even): x_e, x_{e+1} are the bytes at x + e and the
      // seed bits e, e+1 are bits j & 7 of the byte at seed + e/8 (L/4 is a multiple of 8).
      const j = f.local(I32), jb = f.local(I32), sh = f.local(I32), v = f.local(I32);
      f.get(p).i32Const(3).i32ShrU().tee(j).i32Const(3).i32ShrU().set(jb);
      f.get(j).i32Const(7).i32And().set(sh);
      rows.forEach((row, k) => {
        // pair index (x_e & 1) + 2·(x_{e+1} & 1) from the little-endian 16 bits x_e | x_{e+1} << 8
        f.get(j).i32Load16U(bits.x + (k * L) / 4).tee(v).i32Const(1).i32And();
        f.get(v).i32Const(7).i32ShrU().i32Const(2).i32And().i32Or();
        f.i32Const(4).i32Shl().v128Load(bits.pairs).set(row.re);
        f.get(jb).i32Load8U(bits.seed + (k * L) / 32).get(sh).i32ShrU().i32Const(3).i32And();
        f.i32Const(4).i32Shl().v128Load(bits.pairs).set(row.im);
      });
    }
    const twiddle = (vec: number, dst: number): void => void f.get(t).v128Load(tw + 16 * vec).set(dst);
    radix4(f, rows, twiddle, inverse, (k, part, value) => {
      f.get(p);
      value();
      f.v128Store(at[part] + k * q);
    }, s);
    f.get(t).i32Const(96).i32Add().set(t);
    f.get(p).i32Const(16).i32Add().tee(p).get(rowEnd).i32LtU().brIf(0);
    f.end();
  });
  return f;
}

/**
 * (base, count): the last two stages on `count` blocks of L from `base`, kept in locals between them:
 * L = 16, the radix-4 stage of size 16 (two butterfly pairs) then the size-4 stage; L = 8, the radix-4
 * stage of size 8 (one pair) then the radix-2 stage. `inverse` runs their inverses in reverse order.
 */
function leafStage(L: 8 | 16, at: Arrays, tw: number, inverse: boolean): KernelBody {
  const f = new KernelBody([I32, I32], []);
  const q = 2 * L; // bytes per row
  const pairs = L / 8;
  // rows[c][k]: row k of butterfly pair c, elements L/4·k + 2c, +1 at byte 16c + q·k of the block
  const rows = Array.from({ length: pairs }, () => Array.from({ length: 4 }, () => complexLocal(f)));
  const [A, B] = [complexLocal(f), complexLocal(f)];
  const s = radix4Scratch(f);
  const x = shuffleScratch(f);
  const twiddle = (c: number) => (vec: number, dst: number): void => void f.i32Const(0).v128Load(tw + 96 * c + 16 * vec).set(dst);
  const toLocal = (c: number): Sink => (k, part, value) => {
    value();
    f.set(rows[c][k][part]);
  };
  blockLoop(f, L, (a) => {
    const load = (dst: Complex, offset: number): void => {
      f.get(a).v128Load(at.re + offset).set(dst.re);
      f.get(a).v128Load(at.im + offset).set(dst.im);
    };
    const store = (offset: number): Sink => (_k, part, value) => {
      f.get(a);
      value();
      f.v128Store(at[part] + offset);
    };
    if (L === 16) {
      // Row k of the block is (rows[0][k], rows[1][k]) = (A, B) of the size-4 stage.
      if (!inverse) {
        for (let c = 0; c < 2; c++) {
          rows[c].forEach((row, k) => load(row, 16 * c + q * k));
          radix4(f, rows[c], twiddle(c), false, toLocal(c), s);
        }
        for (let k = 0; k < 4; k++) {
          size4(f, rows[0][k], rows[1][k], false, (h, part, value) => store(q * k + 16 * h)(h, part, value), x);
        }
      } else {
        for (let k = 0; k < 4; k++) {
          load(A, q * k);
          load(B, q * k + 16);
          size4(f, A, B, true, (h, part, value) => toLocal(h)(k, part, value), x);
        }
        for (let c = 0; c < 2; c++) radix4(f, rows[c], twiddle(c), true, (k, part, value) => store(16 * c + q * k)(k, part, value), s);
      }
    } else {
      // rows[0][k] = (a_{2k}, a_{2k+1}): the radix-2 stage pairs its lanes, two rows per call.
      const row = rows[0];
      const pairLanes = (sink: (k: number) => Sink): void => {
        for (const k of [0, 2]) size2(f, row[k], row[k + 1], (h, part, value) => sink(k + h)(k + h, part, value), x);
      };
      row.forEach((r, k) => load(r, q * k));
      if (!inverse) {
        radix4(f, row, twiddle(0), false, toLocal(0), s);
        pairLanes((k) => store(q * k));
      } else {
        pairLanes(() => toLocal(0));
        radix4(f, row, twiddle(0), true, (k, part, value) => store(q * k)(k, part, value), s);
      }
    }
  });
  return f;
}

/**
 * (): steps 2 and 3 of `productFft` for positions ≥ 8 of the size-N transform in `z` (bit-reversed),
 * writing the half-size input to `y` and zeroing `z` as it goes. In the octave [2h, 4h) of positions
 * (h = 4 … N/4), position p pairs with 6h − 1 − p; one iteration takes the fold indices i, i + 1
 * (positions 2i … 2i + 3, lanes as written) and their mirrors i′ = 3h − 1 − i, i′ − 1 (positions
 * 6h − 4 − 2i … 6h − 1 − 2i): P is computed at 2i … 2i + 3, the mirrors hold its conjugates.
 * Fold twiddles at `tw`, per index pair (i, i + 1): f64x2 (wr_i, wr_{i+1}) then (wi_i, wi_{i+1}).
 */
function foldKernel(N: number, z: Arrays, y: Arrays, tw: number): KernelBody {
  const f = new KernelBody([], []);
  const h16 = f.local(I32), d = f.local(I32), e = f.local(I32);
  const vec = (count: number): number[] => Array.from({ length: count }, () => f.local(V128));
  const [r0, r1, i0, i1, m0r, m1r, m0i, m1i] = vec(8);
  const [er, ei, or, oi, per, pei, por, poi] = vec(8);
  const [pEr, pEi, pOr, pOi, nEi, nOi] = vec(6);
  const [wr, wi, dr, di, zero, half, minusQuarter] = vec(7);
  f.v128Const(f64x2Bytes(0)).set(zero);
  f.v128Const(f64x2Bytes(0.5)).set(half);
  f.v128Const(f64x2Bytes(-0.25)).set(minusQuarter);
  const shuffle = (x: number, yy: number, lo: number, hi: number, dst: number): void => void f.get(x).get(yy).i8x16Shuffle(lanes64(lo, hi)).set(dst);
  // d = 16·i: the byte offset of position 2i in z and of pair i in tw, twice that of index i in y;
  // e the same for i′ − 1. h16 = 16·h.
  f.i32Const(64).set(h16);
  f.block().loop();
  f.i32Const(4 * N).get(h16).i32LtU().brIf(1);
  f.get(h16).set(d);
  f.get(h16).i32Const(1).i32Shl().i32Const(32).i32Sub().set(e);
  f.loop();
  const loads: [number, Part, number, number][] = [
    [d, 're', 0, r0], [d, 're', 16, r1], [d, 'im', 0, i0], [d, 'im', 16, i1],
    [e, 're', 0, m0r], [e, 're', 16, m1r], [e, 'im', 0, m0i], [e, 'im', 16, m1i],
  ];
  for (const [ptr, part, off, dst] of loads) f.get(ptr).v128Load(z[part] + off).set(dst);
  for (const [ptr, part, off] of loads) f.get(ptr).get(zero).v128Store(z[part] + off);
  // E = positions (2i, 2i + 2), O = (2i + 1, 2i + 3); partners (6h − 1 − 2i, 6h − 3 − 2i) and (6h − 2 − 2i, 6h − 4 − 2i).
  shuffle(r0, r1, 0, 2, er); shuffle(i0, i1, 0, 2, ei);
  shuffle(r0, r1, 1, 3, or); shuffle(i0, i1, 1, 3, oi);
  shuffle(m1r, m0r, 1, 3, per); shuffle(m1i, m0i, 1, 3, pei);
  shuffle(m1r, m0r, 0, 2, por); shuffle(m1i, m0i, 0, 2, poi);
  // P = X·T from (x1, y1) = Z_p and (x2, y2) = Z_q: pr = (x1·y1 + x2·y2)/2, pi = −(x1² − y1² − x2² + y2²)/4.
  const product = (x1: number, y1: number, x2: number, y2: number, pr: number, pi: number): void => {
    f.get(x1).get(y1).f64x2Mul().get(x2).get(y2).f64x2Mul().f64x2Add().get(half).f64x2Mul().set(pr);
    f.get(x1).get(x1).f64x2Mul().get(y1).get(y1).f64x2Mul().f64x2Sub();
    f.get(x2).get(x2).f64x2Mul().f64x2Sub().get(y2).get(y2).f64x2Mul().f64x2Add();
    f.get(minusQuarter).f64x2Mul().set(pi);
  };
  product(er, ei, per, pei, pEr, pEi);
  product(or, oi, por, poi, pOr, pOi);
  // Q = (a + b) + i·w·(a − b) = (a + b − (wr·di + wi·dr)) + i·(ai + bi + (wr·dr − wi·di)), d = a − b, with
  // a, b = P at positions 2i, 2i + 1 of index i. `ptr` addresses the index pair, `swap`: lanes reversed.
  const fold = (ar: number, ai: number, br: number, bi: number, ptr: number, swap: boolean): void => {
    const reversed = (): void => {
      if (swap) f.get(zero).i8x16Shuffle(lanes64(1, 0));
    };
    f.get(ptr).v128Load(tw); reversed(); f.set(wr);
    f.get(ptr).v128Load(tw + 16); reversed(); f.set(wi);
    f.get(ar).get(br).f64x2Sub().set(dr);
    f.get(ai).get(bi).f64x2Sub().set(di);
    f.get(ptr).i32Const(1).i32ShrU();
    f.get(ar).get(br).f64x2Add().get(wr).get(di).f64x2Mul().get(wi).get(dr).f64x2Mul().f64x2Add().f64x2Sub();
    reversed();
    f.v128Store(y.re);
    f.get(ptr).i32Const(1).i32ShrU();
    f.get(ai).get(bi).f64x2Add().get(wr).get(dr).f64x2Mul().get(wi).get(di).f64x2Mul().f64x2Sub().f64x2Add();
    reversed();
    f.v128Store(y.im);
  };
  // Indices (i, i + 1): a = P_E, b = P_O. Mirrors (i′, i′ − 1): position 2i′ holds conj P(2i + 1) and
  // 2i′ + 1 holds conj P(2i), so a = conj P_O, b = conj P_E, lanes reversed in memory.
  fold(pEr, pEi, pOr, pOi, d, false);
  f.get(pEi).f64x2Neg().set(nEi);
  f.get(pOi).f64x2Neg().set(nOi);
  fold(pOr, nOi, pEr, nEi, e, true);
  f.get(d).i32Const(32).i32Add().set(d);
  f.get(e).i32Const(32).i32Sub().set(e);
  f.get(d).get(e).i32LtU().brIf(0);
  f.end();
  f.get(h16).i32Const(1).i32Shl().set(h16);
  f.br(0);
  f.end().end();
  return f;
}

/**
 * (j0, j1) → worst: rounds c_k = y_j / N (c_{2j} = Re y_j, c_{2j+1} = Im y_j of the half-size inverse
 * in `y`) for j in [j0, j1) (multiples of 8) and writes the parity of each c_k as byte k at `out`,
 * zeroing `y` as it goes; returns the largest |c − round(c)|, or NaN if a c was not finite. Rounding
 * adds and subtracts 1.5·2^52 (exact to the nearest integer for |c| < 2^51; ties only where the error
 * is 0.5, which the caller rejects); the parity is the low bit of the sum.
 */
function roundKernel(N: number, y: Arrays, out: number): KernelBody {
  const f = new KernelBody([I32, I32], [F64]);
  const [j0, j1] = [0, 1];
  const u = f.local(I32), end = f.local(I32), o = f.local(I32);
  const [v, t, e, acc, zero, scale, magic, one, nan] = Array.from({ length: 9 }, () => f.local(V128));
  // The running maxima of the errors of the real and the imaginary parts (two chains of pmax).
  const worst = { re: f.local(V128), im: f.local(V128) };
  f.v128Const(f64x2Bytes(0)).set(zero);
  f.v128Const(f64x2Bytes(1 / N)).set(scale);
  f.v128Const(f64x2Bytes(1.5 * 2 ** 52)).set(magic);
  f.v128Const([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]).set(one);
  f.get(zero).set(worst.re);
  f.get(zero).set(worst.im);
  f.get(zero).set(nan);
  f.get(j0).i32Const(3).i32Shl().set(u);
  f.get(j1).i32Const(3).i32Shl().set(end);
  f.get(j0).i32Const(1).i32Shl().set(o);
  f.block().loop();
  f.get(u).get(end).i32LtU().i32Eqz().brIf(1);
  // Vector s of each part holds j + 2s, j + 2s + 1, i.e. c_k for k = 2j + 4s + (0, 2) (re) or + (1, 3) (im).
  // Byte b of each 64-bit lane of acc gets the parity of vector s = b >> 1, part b & 1.
  for (let s = 0; s < 4; s++) {
    for (const part of ['re', 'im'] as const) {
      f.get(u).v128Load(y[part] + 16 * s).get(scale).f64x2Mul().set(v);
      f.get(u).get(zero).v128Store(y[part] + 16 * s);
      f.get(v).get(magic).f64x2Add().set(t);
      f.get(v).get(t).get(magic).f64x2Sub().f64x2Sub().f64x2Abs().set(e);
      f.get(worst[part]).get(e).f64x2Pmax().set(worst[part]);
      f.get(e).get(e).f64x2Ne().get(nan).v128Or().set(nan); // lanes where e is NaN
      const byte = 2 * s + (part === 're' ? 0 : 1);
      f.get(t).get(one).v128And();
      if (byte > 0) f.i32Const(8 * byte).i64x2Shl().get(acc).v128Or();
      f.set(acc);
    }
  }
  // Lane 0 holds k − 2j = 0, 1, 4, 5, 8, 9, 12, 13 and lane 1 holds 2, 3, 6, 7, 10, 11, 14, 15: put them in order.
  f.get(o).get(acc).get(acc).i8x16Shuffle([0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15]).v128Store(out);
  f.get(u).i32Const(64).i32Add().set(u);
  f.get(o).i32Const(16).i32Add().set(o);
  f.br(0);
  f.end().end();
  f.f64Const(NaN);
  f.get(worst.re).get(worst.im).f64x2Pmax().set(e);
  f.get(e).f64x2ExtractLane(0).get(e).f64x2ExtractLane(1).f64Max();
  f.get(nan).v128AnyTrue().select();
  return f;
}

type StageFn = (base: number, count: number) => void;

/** The stage sizes of a size-n transform, in forward order: radix 4 from n down to 16 or 8 (the leaf). */
function stageSizes(n: number): number[] {
  const sizes: number[] = [];
  for (let L = n; L >= 8; L >>= 2) sizes.push(L);
  return sizes;
}

/** Bytes of the twiddle tables of a size-n transform (12·L per stage of size L). */
function twiddleBytes(n: number): number {
  return stageSizes(n).reduce((sum, L) => sum + 12 * L, 0);
}

/** The kernels of a size-n transform on `at` (exports `${name}f${L}`, `${name}i${L}`), its twiddles from `tw` on. */
function transformKernels(name: string, n: number, at: Arrays, tw: number): { name: string; body: FunctionBody }[] {
  const out: { name: string; body: FunctionBody }[] = [];
  for (const L of stageSizes(n)) {
    for (const inverse of [false, true]) {
      const body = L === 8 || L === 16 ? leafStage(L, at, tw, inverse) : radix4Stage(L, at, tw, inverse);
      out.push({ name: `${name}${inverse ? 'i' : 'f'}${L}`, body });
    }
    tw += 12 * L;
  }
  return out;
}

/** Writes the twiddle tables of a size-n transform at byte `tw` of `buffer`: w_m(j) = e^(−2πi·m·j/L). */
function writeTwiddles(buffer: ArrayBuffer, n: number, tw: number): void {
  for (const L of stageSizes(n)) {
    const t = new Float64Array(buffer, tw, (12 * L) / 8);
    for (let j = 0; j < L / 4; j++) {
      // pair j >> 1, vector 2(m − 1) (cos) and 2(m − 1) + 1 (sin), lane j & 1
      const at = 12 * (j >> 1) + (j & 1);
      for (let m = 1; m <= 3; m++) {
        const ang = (-2 * Math.PI * m * j) / L;
        t[at + 4 * (m - 1)] = Math.cos(ang);
        t[at + 4 * (m - 1) + 2] = Math.sin(ang);
      }
    }
    tw += 12 * L;
  }
}

/** A size-n transform whose stage kernels are in `exports`, run in the order of `fft.ts` (large stages whole, then block by block). */
class Transform {
  private readonly stages: { L: number; forward: StageFn; inverse: StageFn }[];

  constructor(readonly size: number, name: string, exports: Record<string, unknown>) {
    this.stages = stageSizes(size).map((L) => ({ L, forward: exports[`${name}f${L}`] as StageFn, inverse: exports[`${name}i${L}`] as StageFn }));
  }

  /** Forward DFT in place, natural order in, bit-reversed out; `from` skips stages already done. */
  forward(from = 0): void {
    const n = this.size;
    const st = this.stages;
    let s = from;
    for (; s < st.length && st[s].L > BLOCK; s++) st[s].forward(0, n / st[s].L);
    const B = Math.min(BLOCK, n);
    for (let b = 0; b < n; b += B) for (let t = s; t < st.length; t++) st[t].forward(b, B / st[t].L);
  }

  /** Inverse of `forward`, times n: bit-reversed in, natural order out. */
  inverse(): void {
    const n = this.size;
    const st = this.stages;
    let first = st.length;
    while (first > 0 && st[first - 1].L <= BLOCK) first--;
    const B = Math.min(BLOCK, n);
    for (let b = 0; b < n; b += B) for (let t = st.length - 1; t >= first; t--) st[t].inverse(b, B / st[t].L);
    for (let t = first - 1; t >= 0; t--) st[t].inverse(0, n / st[t].L);
  }
}

/** Byte offsets handed out in order, 16-aligned. */
class Layout {
  bytes = 0;
  take(n: number): number {
    const at = this.bytes;
    this.bytes += Math.ceil(n / 16) * 16;
    return at;
  }
}

/** An instance of `functions` on a fresh memory of `bytes` bytes. */
function instantiate(functions: { name: string; body: FunctionBody }[], bytes: number): { exports: Record<string, unknown>; buffer: ArrayBuffer } {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(encodeModule(functions)), { env: { memory } });
  return { exports: instance.exports, buffer: memory.buffer };
}

function checkSize(size: number, min: number): void {
  if (!Number.isInteger(size) || size < min || (size & (size - 1)) !== 0 || size > 1 << 24) {
    throw new ValidationError(`FFT size must be a power of two in ${min}..2^24, got ${size}`);
  }
}

/** A size-N transform with its own memory: fill `re`/`im`, run, read them back. */
export class SimdFftPlan {
  readonly size: number;
  /** Real and imaginary parts (views of the kernel's memory). */
  readonly re: Float64Array;
  readonly im: Float64Array;
  private readonly transform: Transform;

  constructor(size: number) {
    if (!simdFftAvailable()) throw new ValidationError('this runtime has no WebAssembly SIMD');
    checkSize(size, 8);
    this.size = size;
    const layout = new Layout();
    const at = { re: layout.take(8 * size), im: layout.take(8 * size) };
    const tw = layout.take(twiddleBytes(size));
    const { exports, buffer } = instantiate(transformKernels('t', size, at, tw), layout.bytes);
    writeTwiddles(buffer, size, tw);
    this.re = new Float64Array(buffer, at.re, size);
    this.im = new Float64Array(buffer, at.im, size);
    this.transform = new Transform(size, 't', exports);
  }

  /** In-place forward DFT of (re, im): natural order in, bit-reversed order out. */
  forward(): void {
    this.transform.forward();
  }

  /** In-place inverse of `forward`, times N: bit-reversed in, natural order out. */
  inverse(): void {
    this.transform.inverse();
  }
}

/** Where `SimdParityConvolution` keeps what (byte offsets in its memory). */
interface ConvolutionLayout {
  /** The size-N transform (x + i·t, then its spectrum). */
  z: Arrays;
  /** The half-size transform (the folded product, then the convolution). */
  y: Arrays;
  /** N bytes: x on the way in, the parities on the way out. */
  bytes: number;
  /** The packed seed bits, N/8 bytes. */
  seed: number;
  /** Four f64x2 pairs of 0/1 for the first stage. */
  pairs: number;
  /** Fold twiddles w^rev(i), N/4 pairs of f64x2. */
  fold: number;
  forwardTw: number;
  inverseTw: number;
  end: number;
}

/** The layout and the module's functions for transform size N. */
function convolutionModule(N: number): { layout: ConvolutionLayout; functions: { name: string; body: FunctionBody }[] } {
  const l = new Layout();
  const z = { re: l.take(8 * N), im: l.take(8 * N) };
  const y = { re: l.take(4 * N), im: l.take(4 * N) };
  const layout: ConvolutionLayout = {
    z,
    y,
    bytes: l.take(N),
    seed: l.take(N / 8),
    pairs: l.take(64),
    fold: l.take(8 * N),
    forwardTw: l.take(twiddleBytes(N)),
    inverseTw: l.take(twiddleBytes(N / 2)),
    end: 0,
  };
  layout.end = l.bytes;
  const functions = [
    { name: 'bits', body: radix4Stage(N, z, layout.forwardTw, false, { x: layout.bytes, seed: layout.seed, pairs: layout.pairs }) },
    ...transformKernels('z', N, z, layout.forwardTw),
    ...transformKernels('y', N / 2, y, layout.inverseTw),
    { name: 'fold', body: foldKernel(N, z, y, layout.fold) },
    { name: 'round', body: roundKernel(N, y, layout.bytes) },
  ];
  return { layout, functions };
}

let available: boolean | undefined;

/** Whether the SIMD FFT can run here (WebAssembly with the SIMD instructions the kernels use). */
export function simdFftAvailable(): boolean {
  if (available === undefined) {
    available = typeof WebAssembly === 'object' && WebAssembly.validate(encodeModule(convolutionModule(32).functions));
  }
  return available;
}

/**
 * The FFT product of `productFft` (toeplitz-hash.ts) for transform size N in one WebAssembly
 * memory: the cyclic convolution c = x ⊛ t over N of a bit string x and packed seed bits t, rounded
 * to parities. Steps: the first forward stage straight from the bits, the other stages, the pointwise
 * product and fold for positions < 8 here and the rest in the `fold` kernel, the half-size inverse,
 * the `round` kernel. Key-dependent data is zeroed once used (the memory is all zero between calls,
 * except the tables).
 */
export class SimdParityConvolution {
  readonly size: number;
  private readonly at: ConvolutionLayout;
  private readonly forwardT: Transform;
  private readonly inverseT: Transform;
  private readonly bits: StageFn;
  private readonly fold: () => void;
  private readonly round: (j0: number, j1: number) => number;
  private readonly mem8: Uint8Array;
  private readonly mem32: Uint32Array;
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;
  private readonly yr: Float64Array;
  private readonly yi: Float64Array;
  private readonly foldTw: Float64Array;

  constructor(size: number) {
    if (!simdFftAvailable()) throw new ValidationError('this runtime has no WebAssembly SIMD');
    checkSize(size, 32);
    const N = size;
    this.size = N;
    const { layout, functions } = convolutionModule(N);
    this.at = layout;
    const { exports, buffer } = instantiate(functions, layout.end);
    this.forwardT = new Transform(N, 'z', exports);
    this.inverseT = new Transform(N / 2, 'y', exports);
    this.bits = exports.bits as StageFn;
    this.fold = exports.fold as () => void;
    this.round = exports.round as (j0: number, j1: number) => number;
    this.mem8 = new Uint8Array(buffer);
    this.mem32 = new Uint32Array(buffer);
    this.zr = new Float64Array(buffer, layout.z.re, N);
    this.zi = new Float64Array(buffer, layout.z.im, N);
    this.yr = new Float64Array(buffer, layout.y.re, N / 2);
    this.yi = new Float64Array(buffer, layout.y.im, N / 2);
    writeTwiddles(buffer, N, layout.forwardTw);
    writeTwiddles(buffer, N / 2, layout.inverseTw);
    new Float64Array(buffer, layout.pairs, 8).set([0, 0, 1, 0, 0, 1, 1, 1]);
    // Fold twiddles w^k = e^(2πik/N), k = rev_{N/2}(i), as in productFft; pair i >> 1 holds (wr_i, wr_{i+1}), (wi_i, wi_{i+1}).
    this.foldTw = new Float64Array(buffer, layout.fold, N);
    const bits = Math.log2(N / 2);
    for (let i = 0; i < N / 2; i++) {
      let k = 0;
      for (let b = 0, v = i; b < bits; b++, v >>= 1) k = (k << 1) | (v & 1);
      this.foldTw[4 * (i >> 1) + (i & 1)] = Math.cos((2 * Math.PI * k) / N);
      this.foldTw[4 * (i >> 1) + 2 + (i & 1)] = Math.sin((2 * Math.PI * k) / N);
    }
  }

  /**
   * out[i] = c_{k0+i} mod 2 for i < out.length, where c = x[off, off + n) ⊛ t and t = the first
   * `len` bits of `seed` (n, len ≤ N, k0 + out.length ≤ N). Returns the largest rounding error over
   * the coefficients rounded (a superset of those asked for; NaN if a value was NaN).
   */
  parities(x: Uint8Array, off: number, n: number, seed: Uint32Array, len: number, k0: number, out: Uint8Array): number {
    const N = this.size;
    const m = out.length;
    if (n > N || len > N || k0 < 0 || k0 + m > N || off + n > x.length || seed.length * 32 < len) {
      throw new ValidationError(`convolution of ${n} by ${len} bits does not fit transform size ${N}`);
    }
    const { mem8, mem32, at } = this;
    // 1. The inputs (their regions are zero beyond them), the first stage from them, then zero them.
    mem8.set(x.subarray(off, off + n), at.bytes);
    const words = (len + 31) >>> 5;
    const s32 = at.seed >> 2;
    mem32.set(seed.subarray(0, words), s32);
    if (len & 31) mem32[s32 + words - 1] &= (1 << (len & 31)) - 1;
    this.bits(0, 1);
    mem8.fill(0, at.bytes, at.bytes + n);
    mem32.fill(0, s32, s32 + words);
    this.forwardT.forward(1);
    // 2–3. Product and fold of positions 0..7 (octaves below the kernel's), then the rest, then invert.
    this.foldHead();
    this.fold();
    this.inverseT.inverse();
    // 4. Round c_k, k in [2·j0, 2·j1) ⊇ [k0, k0 + m), to parities; zero what the kernel did not read.
    const j0 = m === 0 ? 0 : (k0 >> 1) & ~7;
    const j1 = m === 0 ? 0 : (((k0 + m - 1) >> 1) + 8) & ~7;
    const worst = this.round(j0, j1);
    out.set(mem8.subarray(at.bytes + k0, at.bytes + k0 + m));
    mem8.fill(0, at.bytes + 2 * j0, at.bytes + 2 * j1);
    for (const a of [this.yr, this.yi]) {
      a.fill(0, 0, j0);
      a.fill(0, j1);
    }
    return worst;
  }

  /** `productFft` steps 2 and 3 for positions 0..7 (fold indices 0..3), zeroing them. */
  private foldHead(): void {
    const { zr: re, zi: im, yr, yi, foldTw: w } = this;
    // Positions 0 (k = 0) and 1 (k = N/2) are their own partners: P = Re·Im.
    for (const p of [0, 1]) {
      re[p] = re[p] * im[p];
      im[p] = 0;
    }
    // Octaves [2, 4) and [4, 8): pairs (p, 3·top − 1 − p).
    for (let top = 2; top <= 4; top <<= 1) {
      for (let p = top, q = 2 * top - 1; p < q; p++, q--) {
        const x1 = re[p], y1 = im[p], x2 = re[q], y2 = im[q];
        const pr = (x1 * y1 + x2 * y2) / 2;
        const pi = -(x1 * x1 - y1 * y1 - x2 * x2 + y2 * y2) / 4;
        re[p] = pr;
        im[p] = pi;
        re[q] = pr;
        im[q] = -pi;
      }
    }
    for (let i = 0; i < 4; i++) {
      const ar = re[2 * i], ai = im[2 * i], br = re[2 * i + 1], bi = im[2 * i + 1];
      const dr = ar - br, di = ai - bi;
      const wr = w[4 * (i >> 1) + (i & 1)], wi = w[4 * (i >> 1) + 2 + (i & 1)];
      yr[i] = ar + br - (wr * di + wi * dr);
      yi[i] = ai + bi + (wr * dr - wi * di);
    }
    re.fill(0, 0, 8);
    im.fill(0, 0, 8);
  }
}
