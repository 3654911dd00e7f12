/**
 * The family of QC-LDPC codes the reconciliation chooses from, and the choice
 * rule. Frame length n = 256 × 128 = 32768 bits for every member; code rates
 * 0.5 … 0.9. Variable-degree distributions were optimised for the binary
 * symmetric channel with the Gaussian approximation of density evolution
 * (Chung, Richardson, Urbanke, IEEE Trans. IT 47(2), 2001), matching the
 * Gaussian to the BSC by capacity, for check-concentrated codes whose
 * degree-2 columns form a staircase. `designEfficiency` is the f at which a
 * member, shortened or punctured, decoded simulated frames with a frame error
 * rate of a few percent at most (SIMD min-sum with BP fallback, 16 frames per
 * point); the high-rate members are the weak ones (f ≈ 1.45–1.5 at QBER 1 %).
 *
 * Choice (rate adaptation by shortening and puncturing, Elkouss et al., ITW
 * 2010): for the estimated QBER Q each member can reach the leak ratio
 * λ = f_design · h(Q) either by shortening s bits, m/(n − s) = λ, when its own
 * m/n is below λ, or by puncturing p bits, (m − p)/(n − p) = λ, when above (at
 * most MAX_PUNCTURED_FRACTION of the frame). The member needing the smallest
 * adaptation wins.
 */
import { NotFoundError, ValidationError } from '../../common/index.js';
import { binaryEntropy } from './binary-entropy.js';
import { MAX_PUNCTURED_FRACTION } from './constants.js';
import { LdpcDecoder } from './ldpc-decoder.js';
import { QcLdpcCode, type LdpcCodeSpec } from './ldpc-code.js';
import { SimdLdpcDecoder, type SimdPrecision } from './ldpc-simd-decoder.js';

/** One member: its spec and the efficiency it is run at. */
export interface LdpcFamilyMember {
  spec: LdpcCodeSpec;
  designEfficiency: number;
}

const NB = 256;
const Z = 128;

/** Member with rate ≈ `rate` and the given node-perspective degree distribution. */
function member(rate: number, degrees: [number, number][], designEfficiency: number): LdpcFamilyMember {
  const baseRows = Math.round((1 - rate) * NB);
  return { spec: { name: `qc-${rate.toFixed(3)}`, baseColumns: NB, baseRows, lifting: Z, degrees, seed: 1 }, designEfficiency };
}

/** The shipped family (tunables: degree distributions from the GA optimisation, design efficiencies). */
export const DEFAULT_LDPC_FAMILY: readonly LdpcFamilyMember[] = Object.freeze([
  member(0.9, [[2, 0.1], [3, 0.6846], [8, 0.1541], [10, 0.0307], [15, 0.0096], [20, 0.0193]], 1.5),
  member(0.85, [[2, 0.15], [3, 0.6671], [8, 0.113], [10, 0.0373], [12, 0.0101], [15, 0.0114], [20, 0.011]], 1.45),
  member(0.8, [[2, 0.2], [3, 0.6072], [8, 0.1215], [10, 0.0101], [12, 0.0178], [15, 0.0133], [20, 0.03]], 1.3),
  member(0.75, [[2, 0.219], [3, 0.5789], [8, 0.1526], [10, 0.0208], [15, 0.0128], [20, 0.015]], 1.25),
  member(0.7, [[2, 0.2301], [3, 0.5773], [7, 0.0127], [8, 0.1613], [20, 0.0112]], 1.24),
  member(0.65, [[2, 0.2341], [3, 0.6032], [8, 0.0971], [10, 0.0113], [12, 0.0203], [15, 0.0145], [20, 0.0195]], 1.24),
  member(0.6, [[2, 0.2456], [3, 0.5812], [8, 0.134], [10, 0.0087], [12, 0.0147], [15, 0.0047], [20, 0.011]], 1.2),
  member(0.5, [[2, 0.2605], [3, 0.6011], [6, 0.0058], [8, 0.0802], [12, 0.0075], [15, 0.0342], [20, 0.0105]], 1.2),
]);

/** A chosen code and its rate adaptation. */
export interface CodeChoice {
  code: QcLdpcCode;
  /** Positions filled with public bits. */
  shortened: number;
  /** Positions filled with Alice's private random bits, unknown to Bob. */
  punctured: number;
  designEfficiency: number;
}

/** A process-wide default family: codes are built once and shared. */
let sharedFamily: LdpcCodeFamily | undefined;

/** The default family, shared by every simulator of this process (or worker). */
export function defaultLdpcFamily(): LdpcCodeFamily {
  sharedFamily ??= new LdpcCodeFamily();
  return sharedFamily;
}

/** The codes, built lazily, with one decoder each. */
export class LdpcCodeFamily {
  readonly members: readonly LdpcFamilyMember[];
  private readonly codes = new Map<string, QcLdpcCode>();
  private readonly decoders = new Map<QcLdpcCode, LdpcDecoder>();
  private readonly simdDecoders = new Map<string, SimdLdpcDecoder>();

  /** Frame length n shared by every member. */
  readonly frameLength: number;

  /** Lane width of the SIMD decoders (8 bits: sixteen frames per batch; 16 bits: eight). */
  readonly simdPrecision: SimdPrecision;

  constructor(members: readonly LdpcFamilyMember[] = DEFAULT_LDPC_FAMILY, opts: { simdPrecision?: SimdPrecision } = {}) {
    this.simdPrecision = opts.simdPrecision ?? 8;
    if (members.length === 0) throw new ValidationError('an LDPC family needs at least one code');
    const lengths = new Set(members.map((m) => m.spec.baseColumns * m.spec.lifting));
    if (lengths.size !== 1) throw new ValidationError('all codes of a family must have the same frame length');
    this.frameLength = [...lengths][0];
    // Ascending leak ratio (descending rate).
    this.members = [...members].sort((a, b) => a.spec.baseRows / a.spec.baseColumns - b.spec.baseRows / b.spec.baseColumns);
  }

  /** The member named `name`, built on first use. */
  code(name: string): QcLdpcCode {
    let c = this.codes.get(name);
    if (!c) {
      const m = this.members.find((x) => x.spec.name === name);
      if (!m) throw new NotFoundError('LDPC code', name);
      c = new QcLdpcCode(m.spec);
      this.codes.set(name, c);
    }
    return c;
  }

  /** The decoder of `code`. */
  decoder(code: QcLdpcCode): LdpcDecoder {
    let d = this.decoders.get(code);
    if (!d) {
      d = new LdpcDecoder(code);
      this.decoders.set(code, d);
    }
    return d;
  }

  /** The SIMD batch decoder of `code` at `precision` (WebAssembly SIMD required: see `simdDecoderAvailable`). */
  simdDecoder(code: QcLdpcCode, precision: SimdPrecision = this.simdPrecision): SimdLdpcDecoder {
    const key = `${code.spec.name}/${precision}`;
    let d = this.simdDecoders.get(key);
    if (!d) {
      d = new SimdLdpcDecoder(code, { precision });
      this.simdDecoders.set(key, d);
    }
    return d;
  }

  /** Code, shortening and puncturing for an estimated QBER; `boost` scales every member's design efficiency. */
  choose(qber: number, boost = 1): CodeChoice {
    const h = binaryEntropy(qber);
    let best: { m: LdpcFamilyMember; shortened: number; punctured: number; cost: number } | undefined;
    for (const m of this.members) {
      const n = m.spec.baseColumns * m.spec.lifting;
      const rows = m.spec.baseRows * m.spec.lifting;
      const target = m.designEfficiency * boost * h;
      let shortened = 0;
      let punctured = 0;
      if (rows / n <= target) {
        shortened = n - Math.max(1, Math.round(rows / target));
      } else {
        punctured = Math.ceil((rows - target * n) / (1 - target));
        if (punctured > MAX_PUNCTURED_FRACTION * n) continue;
      }
      const cost = shortened + punctured;
      if (!best || cost < best.cost) best = { m, shortened, punctured, cost };
    }
    if (!best) {
      // Below every member's reach (a very low QBER): the highest-rate member as it is.
      const top = this.members[0];
      return { code: this.code(top.spec.name), shortened: 0, punctured: 0, designEfficiency: top.designEfficiency };
    }
    const code = this.code(best.m.spec.name);
    return { code, shortened: best.shortened, punctured: Math.min(best.punctured, code.punctureOrder.length), designEfficiency: best.m.designEfficiency };
  }
}
