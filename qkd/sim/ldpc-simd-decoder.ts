/**
 * A fast LDPC syndrome decoder: layered normalised min-sum (Chen–Fossorier,
 * IEEE Trans. Commun. 50(3), 2002; layered schedule: Hocevar, SiPS 2004) in a
 * WebAssembly SIMD kernel (`wasm-module.ts`) that decodes a batch of frames at
 * once, one frame per lane (inter-frame SIMD, as software decoders such as
 * AFF3CT do): every frame uses the same code, so each instruction serves one
 * check of every frame with no shuffling. Per check row, with t = L_v − R_cv:
 *   |R_cv| = α · min_{v'≠v} |t_v'|,  sign(R_cv) = (−1)^{s_c} Π_{v'≠v} sign(t_v'),
 *   L_v ← t + R_cv   (saturating arithmetic).
 * Two precisions: 8-bit lanes (sixteen frames per instruction, LLRs in steps of
 * 0.375, as hardware min-sum decoders quantise messages to 6–8 bits; the
 * default) and 16-bit lanes (eight frames, LLRs in units of 1/LLR_SCALE). The
 * 8-bit kernel widens only the two minima of a row to 16 bits for the α product,
 * and counts unsatisfied checks in 16-bit lanes.
 * Min-sum needs a few percent more syndrome than belief propagation with the exact
 * check update (`ldpc-decoder.ts`); reconciliation gives the frames this decoder
 * misses a second round with more bits known, then that decoder.
 */
import { ValidationError } from '../../common/index.js';
import { DECODER_STALL_ITERATIONS, DEFAULT_MIN_SUM_ALPHA } from './constants.js';
import type { QcLdpcCode } from './ldpc-code.js';
import { FunctionBody, I32, V128, encodeModule } from './wasm-module.js';

/** Lane width in bits: 8 (sixteen frames per batch) or 16 (eight frames). */
export type SimdPrecision = 8 | 16;

/** Frames per batch at a precision. */
export function simdLanes(precision: SimdPrecision): number {
  return 128 / precision;
}

/** Largest lane magnitude (kept symmetric so that |x| never overflows). */
const laneMax = (precision: SimdPrecision): number => (precision === 8 ? 127 : 32767);

/**
 * 8-bit lanes hold LLRs in steps of I8_LLR_STEP / LLR_SCALE = 0.375 (saturating at ±47.6). Finer
 * steps saturate the posteriors too early: at 1/8 no frame converges, at 1/4 frames at 2–4 % QBER
 * missed three times as often as at 0.375 or 1/2 (simulated frames, the shipped codes).
 */
const I8_LLR_STEP = 6;

/** One frame of a batch: per-bit priors (scaled LLRs, positive = 0 likely) and the target syndrome. */
export interface SimdFrame {
  prior: Int32Array;
  target: Uint8Array;
}

/** Outcome per frame. */
export interface SimdFrameResult {
  converged: boolean;
  iterations: number;
}

/**
 * The slice of the WebAssembly JS API used here: Node provides the global, but the project's
 * TypeScript `lib` (ES2022, no DOM) does not declare it.
 */
declare const WebAssembly: {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
};
/** A compiled module (opaque). */
type WasmModule = object;
/** A linear memory. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

let compiled: WasmModule | null | undefined;

/** The kernel module (`iterate8`, `iterate16`, `check8`, `check16`), or null when this runtime has no WebAssembly SIMD. */
function kernel(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  const bytes = encodeModule([
    { name: 'iterate8', body: iterateBody(8) },
    { name: 'iterate16', body: iterateBody(16) },
    { name: 'check8', body: checkBody(8) },
    { name: 'check16', body: checkBody(16) },
  ]);
  compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  return compiled;
}

/** Whether the SIMD decoder can run here. */
export function simdDecoderAvailable(): boolean {
  return kernel() !== null;
}

/**
 * The lane-wise instructions of one precision. Magnitudes |t| are compared unsigned in 8-bit
 * lanes (|−128| = 128 fits a u8, so t needs no clamp), signed after a clamp to ±32767 in 16-bit.
 */
interface LaneOps {
  splat(f: FunctionBody): FunctionBody;
  eq(f: FunctionBody): FunctionBody;
  ltS(f: FunctionBody): FunctionBody;
  abs(f: FunctionBody): FunctionBody;
  magLt(f: FunctionBody): FunctionBody;
  magMin(f: FunctionBody): FunctionBody;
  addSat(f: FunctionBody): FunctionBody;
  sub(f: FunctionBody): FunctionBody;
  subSat(f: FunctionBody): FunctionBody;
  max(f: FunctionBody): FunctionBody;
  shrS(f: FunctionBody): FunctionBody;
}

const OPS: Record<SimdPrecision, LaneOps> = {
  8: {
    splat: (f) => f.i8x16Splat(),
    eq: (f) => f.i8x16Eq(),
    ltS: (f) => f.i8x16LtS(),
    abs: (f) => f.i8x16Abs(),
    magLt: (f) => f.i8x16LtU(),
    magMin: (f) => f.i8x16MinU(),
    addSat: (f) => f.i8x16AddSatS(),
    sub: (f) => f.i8x16Sub(),
    subSat: (f) => f.i8x16SubSatS(),
    max: (f) => f.i8x16MaxS(),
    shrS: (f) => f.i8x16ShrS(),
  },
  16: {
    splat: (f) => f.i16x8Splat(),
    eq: (f) => f.i16x8Eq(),
    ltS: (f) => f.i16x8LtS(),
    abs: (f) => f.i16x8Abs(),
    magLt: (f) => f.i16x8LtS(),
    magMin: (f) => f.i16x8MinS(),
    addSat: (f) => f.i16x8AddSatS(),
    sub: (f) => f.i16x8Sub(),
    subSat: (f) => f.i16x8SubSatS(),
    max: (f) => f.i16x8MaxS(),
    shrS: (f) => f.i16x8ShrS(),
  },
};

/**
 * evEnd := where row r's entries of edgeVar end: pEV + 4 · rowStart[r + 1] (the row's edges are
 * rowStart[r] .. rowStart[r+1] − 1, in edgeVar and in R; rows follow each other in both).
 */
function rowEnd(f: FunctionBody, pRS: number, pEV: number, r: number, evEnd: number): void {
  f.get(pRS).get(r).i32Const(2).i32Shl().i32Add().i32Load(4).i32Const(2).i32Shl().get(pEV).i32Add().set(evEnd);
}

/**
 * iterate<P>(pRowStart, pEdgeVar, pR, pTarget, pScratch, pOut, m, alphaQ15): one layered min-sum
 * iteration over all m check rows of a batch; stores per lane, as 16-bit counts at pOut, the
 * number of checks whose parity was unsatisfied when visited. The message to an edge whose |t|
 * is the row's smallest is the second smallest (if two edges tie, both minima are equal).
 */
function iterateBody(precision: SimdPrecision): FunctionBody {
  const op = OPS[precision];
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32, I32, I32], []);
  const [pRS, pEV, pR, pTgt, pT, pOut, m, alpha] = [0, 1, 2, 3, 4, 5, 6, 7];
  const r = f.local(I32), ev = f.local(I32), evEnd = f.local(I32), evStart = f.local(I32), k = f.local(I32), rp = f.local(I32), rpStart = f.local(I32), voff = f.local(I32);
  const min1 = f.local(V128), min2 = f.local(V128), sgn = f.local(V128), par = f.local(V128), t = f.local(V128);
  const a = f.local(V128), lt = f.local(V128), m1 = f.local(V128), m2 = f.local(V128);
  const alphaV = f.local(V128), big = f.local(V128), negLim = f.local(V128), zero = f.local(V128), s = f.local(V128);
  const mag = f.local(V128), lv = f.local(V128), unsat = f.local(V128), unsatHi = f.local(V128), miss = f.local(V128);
  // alpha and the unsatisfied counts are 16-bit whatever the lane width.
  f.get(alpha).i16x8Splat().set(alphaV);
  // "Larger than any magnitude": all ones (255 unsigned) in 8-bit lanes, 32767 in 16-bit.
  op.splat(f.i32Const(precision === 8 ? -1 : laneMax(16))).set(big);
  op.splat(f.i32Const(-laneMax(precision))).set(negLim);
  op.splat(f.i32Const(0)).set(zero);
  f.get(zero).set(unsat);
  f.get(zero).set(unsatHi);
  f.get(pEV).set(ev);
  f.get(pR).set(rp);
  f.i32Const(0).set(r);
  f.block().loop();
  {
    f.get(r).get(m).i32LtS().i32Eqz().brIf(1);
    rowEnd(f, pRS, pEV, r, evEnd);
    f.get(ev).set(evStart);
    f.get(rp).set(rpStart);
    f.get(big).set(min1);
    f.get(big).set(min2);
    f.get(pTgt).get(r).i32Const(4).i32Shl().i32Add().v128Load().tee(sgn).set(par);
    f.get(pT).set(k);
    // Pass 1: t = L − R, parity, signs, and the two smallest magnitudes.
    f.block().loop();
    {
      f.get(ev).get(evEnd).i32LtU().i32Eqz().brIf(1);
      f.get(ev).i32Load().set(voff);
      f.get(voff).v128Load().set(lv);
      f.get(par).get(lv).v128Xor().set(par);
      op.subSat(f.get(lv).get(rp).v128Load());
      if (precision === 16) op.max(f.get(negLim));
      f.set(t);
      f.get(k).get(t).v128Store();
      f.get(sgn).get(t).v128Xor().set(sgn);
      op.abs(f.get(t)).set(a);
      op.magLt(f.get(a).get(min1)).set(lt);
      op.magMin(f.get(min1).get(min2).get(a)).get(lt).v128Bitselect().set(min2);
      op.magMin(f.get(min1).get(a)).set(min1);
      f.get(ev).i32Const(4).i32Add().set(ev);
      f.get(rp).i32Const(16).i32Add().set(rp);
      f.get(k).i32Const(16).i32Add().set(k);
      f.br(0);
    }
    f.end().end();
    // Unsatisfied checks per lane: subtracting the all-ones mask adds one.
    op.ltS(f.get(par).get(zero)).set(miss);
    if (precision === 16) {
      f.get(unsat).get(miss).i16x8Sub().set(unsat);
      f.get(min1).get(alphaV).i16x8Q15MulrSatS().set(m1);
      f.get(min2).get(alphaV).i16x8Q15MulrSatS().set(m2);
    } else {
      f.get(unsat).get(miss).i16x8ExtendLowI8x16S().i16x8Sub().set(unsat);
      f.get(unsatHi).get(miss).i16x8ExtendHighI8x16S().i16x8Sub().set(unsatHi);
      // α · min in 16 bits, narrowed back (minima ≤ 128 unsigned, so α · min ≤ 127 fits).
      f.get(min1).i16x8ExtendLowI8x16U().get(alphaV).i16x8Q15MulrSatS();
      f.get(min1).i16x8ExtendHighI8x16U().get(alphaV).i16x8Q15MulrSatS();
      f.i8x16NarrowI16x8S().set(m1);
      f.get(min2).i16x8ExtendLowI8x16U().get(alphaV).i16x8Q15MulrSatS();
      f.get(min2).i16x8ExtendHighI8x16U().get(alphaV).i16x8Q15MulrSatS();
      f.i8x16NarrowI16x8S().set(m2);
    }
    f.get(evStart).set(ev);
    f.get(rpStart).set(rp);
    f.get(pT).set(k);
    // Pass 2: messages and posteriors.
    f.block().loop();
    {
      f.get(ev).get(evEnd).i32LtU().i32Eqz().brIf(1);
      f.get(k).v128Load().set(t);
      f.get(m2).get(m1);
      op.eq(op.abs(f.get(t)).get(min1)).v128Bitselect().set(mag);
      op.shrS(f.get(sgn).get(t).v128Xor().i32Const(precision - 1)).set(s);
      f.get(rp);
      op.sub(f.get(mag).get(s).v128Xor().get(s)).tee(mag);
      f.v128Store();
      f.get(ev).i32Load();
      op.addSat(f.get(t).get(mag));
      f.v128Store();
      f.get(ev).i32Const(4).i32Add().set(ev);
      f.get(rp).i32Const(16).i32Add().set(rp);
      f.get(k).i32Const(16).i32Add().set(k);
      f.br(0);
    }
    f.end().end();
    f.get(r).i32Const(1).i32Add().set(r);
    f.br(0);
  }
  f.end().end();
  f.get(pOut).get(unsat).v128Store();
  f.get(pOut).get(unsatHi).v128Store(16);
  return f;
}

/**
 * check<P>(pRowStart, pEdgeVar, pTarget, pOut, m): the syndrome of every lane's hard decision
 * (the signs of L) against its target; stores per lane, as 16-bit counts at pOut, the number of
 * unsatisfied checks. The counts `iterate` gives are taken while L still changes, so a lane is
 * declared converged only on this one.
 */
function checkBody(precision: SimdPrecision): FunctionBody {
  const op = OPS[precision];
  const f = new FunctionBody([I32, I32, I32, I32, I32], []);
  const [pRS, pEV, pTgt, pOut, m] = [0, 1, 2, 3, 4];
  const r = f.local(I32), ev = f.local(I32), evEnd = f.local(I32);
  const par = f.local(V128), zero = f.local(V128), miss = f.local(V128), unsat = f.local(V128), unsatHi = f.local(V128);
  op.splat(f.i32Const(0)).set(zero);
  f.get(zero).set(unsat);
  f.get(zero).set(unsatHi);
  f.get(pEV).set(ev);
  f.i32Const(0).set(r);
  f.block().loop();
  {
    f.get(r).get(m).i32LtS().i32Eqz().brIf(1);
    rowEnd(f, pRS, pEV, r, evEnd);
    f.get(pTgt).get(r).i32Const(4).i32Shl().i32Add().v128Load().set(par);
    f.block().loop();
    {
      f.get(ev).get(evEnd).i32LtU().i32Eqz().brIf(1);
      f.get(par).get(ev).i32Load().v128Load().v128Xor().set(par);
      f.get(ev).i32Const(4).i32Add().set(ev);
      f.br(0);
    }
    f.end().end();
    op.ltS(f.get(par).get(zero)).set(miss);
    if (precision === 16) {
      f.get(unsat).get(miss).i16x8Sub().set(unsat);
    } else {
      f.get(unsat).get(miss).i16x8ExtendLowI8x16S().i16x8Sub().set(unsat);
      f.get(unsatHi).get(miss).i16x8ExtendHighI8x16S().i16x8Sub().set(unsatHi);
    }
    f.get(r).i32Const(1).i32Add().set(r);
    f.br(0);
  }
  f.end().end();
  f.get(pOut).get(unsat).v128Store();
  f.get(pOut).get(unsatHi).v128Store(16);
  return f;
}

/** Decoding state of one lane's frame. */
interface LaneRun {
  active: boolean;
  iterations: number;
  cap: number;
  /** Fewest unsatisfied checks seen, and iterations since. */
  best: number;
  since: number;
}

/** The batch decoder of one code at one precision. */
export class SimdLdpcDecoder {
  readonly code: QcLdpcCode;
  readonly alpha: number;
  readonly precision: SimdPrecision;
  /** Frames per batch. */
  readonly lanes: number;
  private readonly memory: WasmMemory;
  private readonly iterate: (...args: number[]) => void;
  private readonly check: (...args: number[]) => void;
  private readonly layout: { L: number; R: number; target: number; scratch: number; out: number; rowStart: number; edgeVar: number; end: number };
  /** The memory as lanes (Int8Array or Int16Array; indices are byte offsets / lane bytes). */
  private readonly view: Int8Array | Int16Array;
  /** Unsatisfied checks per lane: as `iterate` saw them, and as `check` finds them. */
  private readonly counts: Int16Array;
  private readonly checked: Int16Array;
  private readonly decisions: Uint8Array[] = [];
  /** Per lane: the frame's decoding state (undefined: never loaded since the last batch). */
  private readonly runs: (LaneRun | undefined)[];

  constructor(code: QcLdpcCode, opts: { precision?: SimdPrecision; alpha?: number } = {}) {
    const mod = kernel();
    if (!mod) throw new ValidationError('this runtime has no WebAssembly SIMD');
    const precision = opts.precision ?? 8;
    if (precision !== 8 && precision !== 16) throw new ValidationError(`SIMD precision must be 8 or 16 bits, got ${String(precision)}`);
    this.code = code;
    this.alpha = opts.alpha ?? DEFAULT_MIN_SUM_ALPHA;
    this.precision = precision;
    this.lanes = simdLanes(precision);
    const V = 16;
    const L = 0;
    const R = L + code.n * V;
    const target = R + code.edges * V;
    const scratch = target + code.m * V;
    const out = scratch + code.maxRowEntries * V;
    // out: iterate's counts (16 × i16), then check's.
    const rowStart = out + 4 * V;
    const edgeVar = rowStart + (code.m + 1) * 4;
    const end = edgeVar + code.edges * 4;
    this.layout = { L, R, target, scratch, out, rowStart, edgeVar, end };
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536) + 1 });
    const instance = new WebAssembly.Instance(mod, { env: { memory: this.memory } });
    this.iterate = instance.exports[`iterate${precision}`] as (...args: number[]) => void;
    this.check = instance.exports[`check${precision}`] as (...args: number[]) => void;
    this.view = precision === 8 ? new Int8Array(this.memory.buffer) : new Int16Array(this.memory.buffer);
    this.counts = new Int16Array(this.memory.buffer, out, 16);
    this.checked = new Int16Array(this.memory.buffer, out + 2 * V, 16);
    // Lifted edges row by row: check (r, z) connects to c·Z + (z + shift) mod Z for each base entry.
    const rs = new Int32Array(this.memory.buffer, rowStart, code.m + 1);
    const ev = new Int32Array(this.memory.buffer, edgeVar, code.edges);
    const Z = code.z;
    let edge = 0;
    for (let br = 0; br < code.baseRows; br++) {
      for (let z = 0; z < Z; z++) {
        rs[br * Z + z] = edge;
        for (let en = code.rowStart[br]; en < code.rowStart[br + 1]; en++) {
          ev[edge++] = L + (code.entryColumn[en] * Z + ((z + code.entryShift[en]) % Z)) * V;
        }
      }
    }
    rs[code.m] = edge;
    for (let i = 0; i < this.lanes; i++) this.decisions.push(new Uint8Array(code.n));
    this.runs = new Array<LaneRun | undefined>(this.lanes).fill(undefined);
  }

  /**
   * Put a frame in `lane` (free or not) with an iteration cap of its own; the other lanes go on
   * where they are. This is how a streaming caller keeps every lane busy: a batch costs as much
   * as its slowest frame, a stream only as much as its frames' own iterations.
   */
  load(lane: number, frame: SimdFrame, maxIterations: number): void {
    const code = this.code;
    const K = this.lanes;
    if (!(Number.isInteger(lane) && lane >= 0 && lane < K)) throw new ValidationError(`lane ${lane} is not in 0..${K - 1}`);
    if (frame.prior.length !== code.n || frame.target.length !== code.m) throw new ValidationError('prior/target lengths do not match the code');
    const { L, R, target } = this.layout;
    const view = this.view;
    const bytes = this.precision / 8;
    const max = laneMax(this.precision);
    // Priors are in units of 1/LLR_SCALE; 8-bit lanes hold them in steps of I8_LLR_STEP.
    const step = this.precision === 8 ? I8_LLR_STEP : 1;
    const prior = frame.prior;
    for (let v = 0, i = L / bytes + lane; v < code.n; v++, i += K) {
      const p = Math.round(prior[v] / step);
      view[i] = p > max ? max : p < -max ? -max : p;
    }
    const t = frame.target;
    for (let c = 0, i = target / bytes + lane; c < code.m; c++, i += K) view[i] = t[c] ? -1 : 0;
    for (let i = R / bytes + lane, end = (R + code.edges * 16) / bytes; i < end; i += K) view[i] = 0;
    this.runs[lane] = { active: true, iterations: 0, cap: maxIterations, best: Infinity, since: 0 };
  }

  /** Whether `lane` holds a frame still being decoded. */
  busy(lane: number): boolean {
    return this.runs[lane]?.active === true;
  }

  /** Iterations the frame in `lane` has had. */
  iterationsOf(lane: number): number {
    return this.runs[lane]?.iterations ?? 0;
  }

  /**
   * One iteration for every lane. Returns the lanes whose frame finished in it: converged (its
   * hard decision meets its target: `hardDecision`) or given up (its iteration cap, or no fewer
   * unsatisfied checks for DECODER_STALL_ITERATIONS iterations).
   */
  step(): { converged: number[]; failed: number[] } {
    const l = this.layout;
    const runs = this.runs;
    this.iterate(l.rowStart, l.edgeVar, l.R, l.target, l.scratch, l.out, this.code.m, Math.round(this.alpha * 32768));
    // A lane whose checks all held while the iteration visited them is checked again on its
    // final hard decision (one pass over the edges for all lanes).
    let candidates = false;
    for (let lane = 0; lane < this.lanes; lane++) if (runs[lane]?.active && this.counts[lane] === 0) candidates = true;
    if (candidates) this.check(l.rowStart, l.edgeVar, l.target, l.out + 32, this.code.m);
    const converged: number[] = [];
    const failed: number[] = [];
    for (let lane = 0; lane < this.lanes; lane++) {
      const run = runs[lane];
      if (!run?.active) continue;
      run.iterations++;
      const unsat = this.counts[lane];
      if (unsat === 0 && this.checked[lane] === 0) {
        this.keepDecision(lane);
        run.active = false;
        converged.push(lane);
        continue;
      }
      if (unsat < run.best) {
        run.best = unsat;
        run.since = 0;
      } else run.since++;
      if (run.since >= DECODER_STALL_ITERATIONS || run.iterations >= run.cap) {
        run.active = false;
        failed.push(lane);
      }
    }
    return { converged, failed };
  }

  /** Decode up to `lanes` frames together; per frame, whether its hard decision meets its target. */
  decodeBatch(frames: readonly SimdFrame[], maxIterations: number): SimdFrameResult[] {
    const K = this.lanes;
    if (frames.length === 0 || frames.length > K) throw new ValidationError(`a batch holds 1..${K} frames, got ${frames.length}`);
    this.runs.fill(undefined);
    frames.forEach((f, lane) => this.load(lane, f, maxIterations));
    const results: SimdFrameResult[] = frames.map(() => ({ converged: false, iterations: 0 }));
    while (this.runs.some((r) => r?.active)) {
      for (const lane of this.step().converged) results[lane].converged = true;
    }
    results.forEach((r, lane) => (r.iterations = this.iterationsOf(lane)));
    return results;
  }

  /** The hard decision of a lane that converged (from the iteration it converged in). */
  hardDecision(lane: number, out: Uint8Array = new Uint8Array(this.code.n)): Uint8Array {
    out.set(this.decisions[lane]);
    return out;
  }

  /** Zero everything derived from the frames. */
  wipe(): void {
    const bytes = this.precision / 8;
    this.view.fill(0, this.layout.L / bytes, (this.layout.scratch + this.code.maxRowEntries * 16) / bytes);
    for (const d of this.decisions) d.fill(0);
    this.runs.fill(undefined);
  }

  /** Copy a converged lane's hard decision (the signs of its posteriors). */
  private keepDecision(lane: number): void {
    const d = this.decisions[lane];
    const K = this.lanes;
    const view = this.view;
    for (let v = 0, i = this.layout.L / (this.precision / 8) + lane; v < d.length; v++, i += K) d[v] = view[i] < 0 ? 1 : 0;
  }
}
