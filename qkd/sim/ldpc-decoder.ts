/**
 * Belief-propagation decoding of a QC-LDPC syndrome (sum-product algorithm,
 * Gallager 1962; MacKay–Neal 1996) with the layered schedule (Hocevar, SiPS
 * 2004): block rows are processed in turn and each updates the posteriors at
 * once, which halves the iterations of the flooding schedule. Check-node
 * update in the log domain with φ(x) = −ln tanh(x/2) (φ = φ⁻¹):
 *   |R_ce| = φ( Σ_{e'≠e} φ(|t_ce'|) ),  sign(R_ce) = (−1)^{s_c} Π_{e'≠e} sign(t_ce'),
 * with t = L_v − R_ce (variable-to-check message) and L_v ← t + R_ce.
 * Integer arithmetic: LLRs in units of 1/LLR_SCALE, φ through two lookup
 * tables (LLR → φ-domain in units of 1/PHI_SCALE, and back), which keeps the
 * sum of small φ terms of high-degree checks exact enough (Chen–Fossorier
 * style quantised BP). The Z checks of one block row touch distinct variables,
 * so each block row is processed as Z-long vector loops.
 *
 * Stops when the hard decision satisfies the target syndrome (checked exactly)
 * or after `maxIterations`, or earlier when the count of unsatisfied checks
 * has not improved for STALL_ITERATIONS iterations.
 */
import { ValidationError } from '../../common/index.js';
import { DECODER_STALL_ITERATIONS } from './constants.js';
import type { QcLdpcCode } from './ldpc-code.js';

/** LLR units per natural-log unit. */
export const LLR_SCALE = 16;
/** Largest message magnitude (in natural-log units) the check update distinguishes. */
const MAX_LLR = 24;
const MAX_MAG = MAX_LLR * LLR_SCALE;
/** φ-domain units per natural-log unit. */
const PHI_SCALE = 1024;
/** Clamp of the posteriors (keeps Int32 sums safe). */
const POSTERIOR_CLAMP = 1 << 22;

/** φ of an LLR magnitude (units 1/LLR_SCALE) in units of 1/PHI_SCALE; index 0 stands for 1/(2·LLR_SCALE). */
const PHI = new Int32Array(MAX_MAG + 1);
for (let i = 0; i <= MAX_MAG; i++) {
  const x = (i === 0 ? 0.5 : i) / LLR_SCALE;
  PHI[i] = Math.round(-Math.log(Math.tanh(x / 2)) * PHI_SCALE);
}
const PHI_MAX = PHI[0];
/** φ⁻¹ (= φ) from the φ domain back to LLR units. */
const PHI_INV = new Int32Array(PHI_MAX + 1);
for (let i = 0; i <= PHI_MAX; i++) {
  const y = (i === 0 ? 0.5 : i) / PHI_SCALE;
  PHI_INV[i] = Math.min(MAX_MAG, Math.round(-Math.log(Math.tanh(y / 2)) * LLR_SCALE));
}

/** Scaled prior LLR of a bit that is 1 with probability `p` (positive favours 0). */
export function priorLlr(p: number): number {
  const q = Math.min(0.499, Math.max(1e-6, p));
  return Math.round(Math.log((1 - q) / q) * LLR_SCALE);
}

/** Prior of a bit both sides know (shortened): certain. */
export const KNOWN_BIT_LLR = POSTERIOR_CLAMP;

/** Outcome of one decoding. */
export interface DecodeResult {
  converged: boolean;
  iterations: number;
}

/** A reusable decoder for one code (not thread-safe; one frame at a time). */
export class LdpcDecoder {
  readonly code: QcLdpcCode;
  private readonly L: Int32Array;
  private readonly R: Int32Array;
  private readonly T: Int32Array;
  private readonly P: Int32Array;
  private readonly S: Int32Array;
  private readonly sign: Int32Array;
  private readonly parity: Int32Array;
  private readonly hard: Uint8Array;
  private readonly check: Uint8Array;

  constructor(code: QcLdpcCode) {
    this.code = code;
    const Z = code.z;
    this.L = new Int32Array(code.n);
    this.R = new Int32Array(code.edges);
    this.T = new Int32Array(code.maxRowEntries * Z);
    this.P = new Int32Array(code.maxRowEntries * Z);
    this.S = new Int32Array(Z);
    this.sign = new Int32Array(Z);
    this.parity = new Int32Array(Z);
    this.hard = new Uint8Array(code.n);
    this.check = new Uint8Array(code.m);
  }

  /**
   * Find the word whose syndrome is `target`, starting from per-bit priors (scaled LLRs, positive
   * = 0 more likely). The hard decision is then in `hardDecision()`.
   */
  decode(prior: Int32Array, target: Uint8Array, maxIterations: number): DecodeResult {
    const code = this.code;
    if (prior.length !== code.n || target.length !== code.m) throw new ValidationError('prior/target lengths do not match the code');
    const { L, R, T, P, S, sign, parity } = this;
    const Z = code.z;
    const rowStart = code.rowStart;
    const entryColumn = code.entryColumn;
    const entryShift = code.entryShift;
    L.set(prior);
    R.fill(0);
    let best = Infinity;
    let sinceBest = 0;
    for (let it = 1; it <= maxIterations; it++) {
      let unsatisfied = 0;
      for (let r = 0; r < code.baseRows; r++) {
        const e0 = rowStart[r];
        const e1 = rowStart[r + 1];
        const so = r * Z;
        for (let z = 0; z < Z; z++) {
          const s = -target[so + z] | 0;
          S[z] = 0;
          sign[z] = s;
          parity[z] = s;
        }
        // Pass 1: variable-to-check messages, their φ, and the check sums.
        for (let e = e0; e < e1; e++) {
          const base = entryColumn[e] * Z;
          const sh = entryShift[e];
          const ro = e * Z;
          const to = (e - e0) * Z;
          const split = Z - sh;
          for (let z = 0; z < split; z++) {
            const Lv = L[base + sh + z];
            parity[z] ^= Lv;
            const t = Lv - R[ro + z];
            T[to + z] = t;
            sign[z] ^= t;
            const a = t < 0 ? (t < -MAX_MAG ? MAX_MAG : -t) : t > MAX_MAG ? MAX_MAG : t;
            const p = PHI[a];
            P[to + z] = p;
            S[z] += p;
          }
          for (let z = split; z < Z; z++) {
            const Lv = L[base + z - split];
            parity[z] ^= Lv;
            const t = Lv - R[ro + z];
            T[to + z] = t;
            sign[z] ^= t;
            const a = t < 0 ? (t < -MAX_MAG ? MAX_MAG : -t) : t > MAX_MAG ? MAX_MAG : t;
            const p = PHI[a];
            P[to + z] = p;
            S[z] += p;
          }
        }
        for (let z = 0; z < Z; z++) if (parity[z] < 0) unsatisfied++;
        // Pass 2: check-to-variable messages and posterior updates.
        for (let e = e0; e < e1; e++) {
          const base = entryColumn[e] * Z;
          const sh = entryShift[e];
          const ro = e * Z;
          const to = (e - e0) * Z;
          const split = Z - sh;
          for (let z = 0; z < Z; z++) {
            const t = T[to + z];
            let d = S[z] - P[to + z];
            if (d > PHI_MAX) d = PHI_MAX;
            const mag = PHI_INV[d];
            const msg = (sign[z] ^ t) < 0 ? -mag : mag;
            R[ro + z] = msg;
            let post = t + msg;
            if (post > POSTERIOR_CLAMP) post = POSTERIOR_CLAMP;
            else if (post < -POSTERIOR_CLAMP) post = -POSTERIOR_CLAMP;
            L[z < split ? base + sh + z : base + z - split] = post;
          }
        }
      }
      if (unsatisfied === 0 && this.satisfies(target)) return { converged: true, iterations: it };
      if (unsatisfied < best) {
        best = unsatisfied;
        sinceBest = 0;
      } else if (++sinceBest >= DECODER_STALL_ITERATIONS) {
        return { converged: false, iterations: it };
      }
    }
    return { converged: this.satisfies(target), iterations: maxIterations };
  }

  /** The hard decision (bit = 1 where the posterior is negative) of the last decode. */
  hardDecision(out: Uint8Array = new Uint8Array(this.code.n)): Uint8Array {
    const L = this.L;
    for (let i = 0; i < L.length; i++) out[i] = L[i] >>> 31;
    return out;
  }

  /** Zero the decoder state (it held information about the key). */
  wipe(): void {
    this.L.fill(0);
    this.R.fill(0);
    this.T.fill(0);
    this.P.fill(0);
    this.hard.fill(0);
  }

  private satisfies(target: Uint8Array): boolean {
    const s = this.code.syndrome(this.hardDecision(this.hard), this.check);
    for (let i = 0; i < s.length; i++) if (s[i] !== target[i]) return false;
    return true;
  }
}
