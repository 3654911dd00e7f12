/**
 * A fast LDPC syndrome decoder: layered normalised min-sum (Chen–Fossorier,
 * IEEE Trans. Commun. 50(3), 2002; layered schedule: Hocevar, SiPS 2004) in a
 * WebAssembly SIMD kernel (`wasm-module.ts`) that decodes eight frames at once,
 * one per 16-bit lane (inter-frame SIMD, as software decoders such as AFF3CT
 * do): every frame uses the same code, so each instruction serves eight checks
 * of eight frames with no shuffling. Per check row, with t = L_v − R_cv:
 *   |R_cv| = α · min_{v'≠v} |t_v'|,  sign(R_cv) = (−1)^{s_c} Π_{v'≠v} sign(t_v'),
 *   L_v ← t + R_cv   (saturating 16-bit arithmetic, LLRs in units of 1/LLR_SCALE).
 * Min-sum needs a few percent more syndrome than belief propagation with the exact
 * check update (`ldpc-decoder.ts`); reconciliation therefore re-decodes the frames
 * this decoder fails on with that one.
 */
import { ValidationError } from '../../common/index.js';
import { DECODER_STALL_ITERATIONS, DEFAULT_MIN_SUM_ALPHA } from './constants.js';
import type { QcLdpcCode } from './ldpc-code.js';
import { FunctionBody, I32, V128, encodeModule } from './wasm-module.js';

/** Frames per batch (16-bit lanes of a 128-bit vector). */
export const SIMD_LANES = 8;
const LANE_MAX = 32767;

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

/** The kernel module, or null when this runtime has no WebAssembly SIMD. */
function kernel(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  const bytes = encodeModule([{ name: 'iterate', body: iterateBody() }]);
  compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  return compiled;
}

/** Whether the SIMD decoder can run here. */
export function simdDecoderAvailable(): boolean {
  return kernel() !== null;
}

/**
 * iterate(pRowStart, pEdgeVar, pR, pTarget, pScratch, pOut, m, alphaQ15): one layered min-sum
 * iteration over all m check rows of eight frames; stores per lane the number of checks
 * whose parity was unsatisfied when visited, at pOut.
 */
function iterateBody(): FunctionBody {
  const f = new FunctionBody([I32, I32, I32, I32, I32, I32, I32, I32], []);
  const [pRS, pEV, pR, pTgt, pT, pOut, m, alpha] = [0, 1, 2, 3, 4, 5, 6, 7];
  const r = f.local(I32), e = f.local(I32), e1 = f.local(I32), eStart = f.local(I32), k = f.local(I32), voff = f.local(I32), rowAddr = f.local(I32);
  const min1 = f.local(V128), min2 = f.local(V128), idx = f.local(V128), sgn = f.local(V128), par = f.local(V128), t = f.local(V128);
  const a = f.local(V128), lt = f.local(V128), unsat = f.local(V128), kvec = f.local(V128), m1 = f.local(V128), m2 = f.local(V128);
  const alphaV = f.local(V128), big = f.local(V128), negLim = f.local(V128), one = f.local(V128), zero = f.local(V128), s = f.local(V128);
  const mag = f.local(V128), lv = f.local(V128);
  f.get(alpha).i16x8Splat().set(alphaV);
  f.i32Const(LANE_MAX).i16x8Splat().set(big);
  f.i32Const(-LANE_MAX).i16x8Splat().set(negLim);
  f.i32Const(1).i16x8Splat().set(one);
  f.i32Const(0).i16x8Splat().set(zero);
  f.get(zero).set(unsat);
  f.i32Const(0).set(r);
  f.block().loop();
  {
    f.get(r).get(m).i32LtS().i32Eqz().brIf(1);
    f.get(pRS).get(r).i32Const(2).i32Shl().i32Add().tee(rowAddr).i32Load(0).tee(e).set(eStart);
    f.get(rowAddr).i32Load(4).set(e1);
    f.get(big).set(min1);
    f.get(big).set(min2);
    f.get(zero).set(kvec);
    f.i32Const(-1).i16x8Splat().set(idx);
    f.get(pTgt).get(r).i32Const(4).i32Shl().i32Add().v128Load().tee(sgn).set(par);
    f.get(pT).set(k);
    // Pass 1: t = L − R, parity, signs, two smallest magnitudes and where the smallest is.
    f.block().loop();
    {
      f.get(e).get(e1).i32LtS().i32Eqz().brIf(1);
      f.get(pEV).get(e).i32Const(2).i32Shl().i32Add().i32Load().set(voff);
      f.get(voff).v128Load().set(lv);
      f.get(par).get(lv).v128Xor().set(par);
      f.get(lv).get(pR).get(e).i32Const(4).i32Shl().i32Add().v128Load().i16x8SubSatS().get(negLim).i16x8MaxS().set(t);
      f.get(k).get(t).v128Store();
      f.get(sgn).get(t).v128Xor().set(sgn);
      f.get(t).i16x8Abs().set(a);
      f.get(a).get(min1).i16x8LtS().set(lt);
      f.get(min1).get(min2).get(a).i16x8MinS().get(lt).v128Bitselect().set(min2);
      f.get(min1).get(a).i16x8MinS().set(min1);
      f.get(kvec).get(idx).get(lt).v128Bitselect().set(idx);
      f.get(kvec).get(one).i16x8Add().set(kvec);
      f.get(e).i32Const(1).i32Add().set(e);
      f.get(k).i32Const(16).i32Add().set(k);
      f.br(0);
    }
    f.end().end();
    // Unsatisfied checks per lane: subtracting the all-ones mask adds one.
    f.get(unsat).get(par).get(zero).i16x8LtS().i16x8Sub().set(unsat);
    f.get(min1).get(alphaV).i16x8Q15MulrSatS().set(m1);
    f.get(min2).get(alphaV).i16x8Q15MulrSatS().set(m2);
    f.get(eStart).set(e);
    f.get(pT).set(k);
    f.get(zero).set(kvec);
    // Pass 2: messages and posteriors.
    f.block().loop();
    {
      f.get(e).get(e1).i32LtS().i32Eqz().brIf(1);
      f.get(k).v128Load().set(t);
      f.get(m2).get(m1).get(idx).get(kvec).i16x8Eq().v128Bitselect().set(mag);
      f.get(sgn).get(t).v128Xor().i32Const(15).i16x8ShrS().set(s);
      f.get(pR).get(e).i32Const(4).i32Shl().i32Add();
      f.get(mag).get(s).v128Xor().get(s).i16x8Sub().tee(mag);
      f.v128Store();
      f.get(pEV).get(e).i32Const(2).i32Shl().i32Add().i32Load();
      f.get(t).get(mag).i16x8AddSatS();
      f.v128Store();
      f.get(kvec).get(one).i16x8Add().set(kvec);
      f.get(e).i32Const(1).i32Add().set(e);
      f.get(k).i32Const(16).i32Add().set(k);
      f.br(0);
    }
    f.end().end();
    f.get(r).i32Const(1).i32Add().set(r);
    f.br(0);
  }
  f.end().end();
  f.get(pOut).get(unsat).v128Store();
  return f;
}

/** The batch decoder of one code. */
export class SimdLdpcDecoder {
  readonly code: QcLdpcCode;
  readonly alpha: number;
  private readonly memory: WasmMemory;
  private readonly iterate: (...args: number[]) => void;
  private readonly layout: { L: number; R: number; target: number; scratch: number; out: number; rowStart: number; edgeVar: number; end: number };
  private readonly lanes: Int16Array;
  private readonly decisions: Uint8Array[] = [];

  constructor(code: QcLdpcCode, alpha = DEFAULT_MIN_SUM_ALPHA) {
    const mod = kernel();
    if (!mod) throw new ValidationError('this runtime has no WebAssembly SIMD');
    this.code = code;
    this.alpha = alpha;
    const V = 16;
    const L = 0;
    const R = L + code.n * V;
    const target = R + code.edges * V;
    const scratch = target + code.m * V;
    const out = scratch + code.maxRowEntries * V;
    const rowStart = out + V;
    const edgeVar = rowStart + (code.m + 1) * 4;
    const end = edgeVar + code.edges * 4;
    this.layout = { L, R, target, scratch, out, rowStart, edgeVar, end };
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(end / 65536) + 1 });
    const instance = new WebAssembly.Instance(mod, { env: { memory: this.memory } });
    this.iterate = instance.exports.iterate as (...args: number[]) => void;
    this.lanes = new Int16Array(this.memory.buffer);
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
    for (let i = 0; i < SIMD_LANES; i++) this.decisions.push(new Uint8Array(code.n));
  }

  /** Decode up to eight frames together; per frame, whether its hard decision meets its target. */
  decodeBatch(frames: readonly SimdFrame[], maxIterations: number): SimdFrameResult[] {
    const code = this.code;
    if (frames.length === 0 || frames.length > SIMD_LANES) throw new ValidationError(`a batch holds 1..${SIMD_LANES} frames, got ${frames.length}`);
    const { L, R, target, out } = this.layout;
    const lanes = this.lanes;
    const n = code.n;
    const m = code.m;
    // Unused lanes: certain all-zero priors and an all-zero target (they converge at once).
    for (let lane = 0; lane < SIMD_LANES; lane++) {
      const f = frames[lane];
      if (f && (f.prior.length !== n || f.target.length !== m)) throw new ValidationError('prior/target lengths do not match the code');
      for (let v = 0; v < n; v++) {
        const p = f ? f.prior[v] : LANE_MAX;
        lanes[L / 2 + v * SIMD_LANES + lane] = p > LANE_MAX ? LANE_MAX : p < -LANE_MAX ? -LANE_MAX : p;
      }
      for (let c = 0; c < m; c++) lanes[target / 2 + c * SIMD_LANES + lane] = f && f.target[c] ? -1 : 0;
    }
    lanes.fill(0, R / 2, R / 2 + code.edges * SIMD_LANES);
    const results: SimdFrameResult[] = frames.map(() => ({ converged: false, iterations: 0 }));
    const active = frames.map(() => true);
    const best = frames.map(() => Infinity);
    const since = frames.map(() => 0);
    const alphaQ15 = Math.round(this.alpha * 32768);
    const l = this.layout;
    for (let it = 1; it <= maxIterations && active.some((x) => x); it++) {
      this.iterate(l.rowStart, l.edgeVar, l.R, l.target, l.scratch, l.out, m, alphaQ15);
      for (let lane = 0; lane < frames.length; lane++) {
        if (!active[lane]) continue;
        results[lane].iterations = it;
        const unsat = lanes[out / 2 + lane];
        if (unsat === 0 && this.laneSatisfies(lane, frames[lane].target)) {
          results[lane].converged = true;
          active[lane] = false;
        } else if (unsat < best[lane]) {
          best[lane] = unsat;
          since[lane] = 0;
        } else if (++since[lane] >= DECODER_STALL_ITERATIONS) {
          active[lane] = false;
        }
      }
    }
    return results;
  }

  /** The hard decision of a lane that converged (from the iteration it converged in). */
  hardDecision(lane: number, out: Uint8Array = new Uint8Array(this.code.n)): Uint8Array {
    out.set(this.decisions[lane]);
    return out;
  }

  /** Zero everything derived from the frames. */
  wipe(): void {
    this.lanes.fill(0, this.layout.L / 2, this.layout.scratch / 2 + this.code.maxRowEntries * SIMD_LANES);
    for (const d of this.decisions) d.fill(0);
  }

  private laneSatisfies(lane: number, target: Uint8Array): boolean {
    const d = this.decisions[lane];
    const base = this.layout.L / 2;
    for (let v = 0; v < d.length; v++) d[v] = this.lanes[base + v * SIMD_LANES + lane] < 0 ? 1 : 0;
    const s = this.code.syndrome(d);
    for (let i = 0; i < s.length; i++) if (s[i] !== target[i]) return false;
    return true;
  }
}
