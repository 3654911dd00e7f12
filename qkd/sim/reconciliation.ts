/**
 * Information reconciliation by LDPC syndrome coding (Slepian–Wolf source
 * coding with side information; for QKD: Elkouss, Leverrier, Alléaume,
 * Boutros, ISIT 2009; rate adaptation by shortening: Elkouss, Martinez-Mateo,
 * Lancho, Martin, ITW 2010). Per frame of n bits:
 *  1. the code and the shortening s come from the QBER estimated so far
 *     (`ldpc-codes.ts`): the disclosed sample pooled with the errors corrected
 *     in the frames already reconciled (Bob announces their count), plus a
 *     margin of `qberMarginSigmas` standard deviations, and 8 % more syndrome
 *     per frame that failed so far (a failure says the estimate is low); s shortened positions
 *     carry public random bits both sides know, p punctured positions carry
 *     Alice's private random bits Bob knows nothing about, the other n − s − p
 *     key bits (positions fixed per code, see `ldpc-code.ts`);
 *  2. Alice discloses her syndrome H·x_A: m bits, of which m − p are charged
 *     as leakage (the punctured columns are independent, so p syndrome bits
 *     are one-time padded by Alice's private bits);
 *  3. Bob decodes the error pattern e with H·e = H·x_A ⊕ H·x_B from priors
 *     ln((1−Q)/Q) on key bits, certainty on shortened bits and none on punctured
 *     bits — eight frames at a time with the SIMD min-sum decoder
 *     (`ldpc-simd-decoder.ts`), then the frames it did not solve with exact
 *     belief propagation (`ldpc-decoder.ts`) — and corrects x_B ⊕ e;
 *  4. verification: a 64-bit universal hash (`verification.ts`, also leakage);
 *     frames that fail to converge or to verify are discarded by both.
 * The last, partial frame of a block is shortened further if its bits are
 * worth more after privacy amplification than the syndrome it costs
 * (`secretFractionPerBit` × bits > m − p + 64); otherwise its bits are left
 * over and the caller carries them into the next block.
 */
import { binaryEntropy } from './binary-entropy.js';
import { FAILURE_EFFICIENCY_BOOST, MAX_FAILURE_EFFICIENCY_BOOST, VERIFICATION_HASH_BITS } from './constants.js';
import type { QcLdpcCode } from './ldpc-code.js';
import { KNOWN_BIT_LLR, priorLlr } from './ldpc-decoder.js';
import type { LdpcCodeFamily } from './ldpc-codes.js';
import { SIMD_LANES, simdDecoderAvailable } from './ldpc-simd-decoder.js';
import type { SeededRandom } from './seeded-random.js';
import type { SiftedBits } from './sifting.js';
import { verificationTag, verifyFrame } from './verification.js';

/** Reconciliation tunables. */
export interface ReconciliationOptions {
  /** Iteration cap of the decoder. */
  maxIterations: number;
  /** Standard deviations added to the QBER estimate when choosing the code. */
  qberMarginSigmas: number;
  /** Secret bits privacy amplification is expected to keep per reconciled bit (Q_1/Q_μ · (1 − h(e_1))). */
  secretFractionPerBit: number;
  /** 'simd' (default where WebAssembly SIMD runs): min-sum batches with exact-BP fallback; 'bp': exact BP only. */
  decoder?: 'simd' | 'bp';
}

/** What is known about the QBER before the first frame: the disclosed sample (and the previous block's count). */
export interface QberSample {
  size: number;
  errors: number;
}

/** What one block's reconciliation produced and disclosed. */
export interface ReconciliationResult {
  /** Reconciled key bits at each end (equal unless the verification hash collided). */
  alice: Uint8Array;
  bob: Uint8Array;
  /** Frames per code used (name → count). */
  codes: Record<string, number>;
  frames: number;
  /** Frames the SIMD min-sum decoder did not solve (then tried with exact BP). */
  fastDecoderFailures: number;
  /** Frames whose decoding did not converge. */
  decodingFailures: number;
  /** Frames that converged to a wrong word (caught by the hash). */
  verificationFailures: number;
  /** Leakage of the frames kept: syndrome bits and hash bits. */
  leakEc: number;
  leakVerify: number;
  /** Leakage of all frames, kept or not (for the efficiency figure). */
  leakEcAll: number;
  /** Key bits in frames kept, and the errors Bob corrected in them. */
  keptBits: number;
  correctedErrors: number;
  /** Key bits in all decoded frames and the errors in them (for FER and f). */
  attemptedBits: number;
  /** Bits left over at the end of the block (not worth a frame of their own): Alice's and Bob's. */
  leftoverAlice: Uint8Array;
  leftoverBob: Uint8Array;
  /** Decoder iterations summed over frames. */
  iterations: number;
  /** Time spent decoding (ms), and the part of it spent in the SIMD min-sum batches. */
  decodeMs: number;
  fastDecodeMs: number;
}

/** Reconcile Bob's raw key with Alice's. */
export function reconcile(
  raw: SiftedBits,
  sample: QberSample,
  family: LdpcCodeFamily,
  rng: { public: SeededRandom; alice: SeededRandom },
  opts: ReconciliationOptions,
): ReconciliationResult {
  const publicRng = rng.public;
  const total = raw.alice.length;
  const n = family.frameLength;
  const useSimd = opts.decoder !== 'bp' && simdDecoderAvailable();
  // Batches of SIMD_LANES frames whatever the decoder, so both decoders see the same frames.
  const slots: FrameSlot[] = Array.from({ length: SIMD_LANES }, () => ({
    frameA: new Uint8Array(n),
    frameB: new Uint8Array(n),
    prior: new Int32Array(n),
    role: new Uint8Array(n),
    target: new Uint8Array(0),
    take: 0,
    punctured: 0,
  }));
  const aliceOut = new Uint8Array(total);
  const bobOut = new Uint8Array(total);
  const result: ReconciliationResult = {
    alice: aliceOut,
    bob: bobOut,
    codes: {},
    frames: 0,
    fastDecoderFailures: 0,
    decodingFailures: 0,
    verificationFailures: 0,
    leakEc: 0,
    leakVerify: 0,
    leakEcAll: 0,
    keptBits: 0,
    correctedErrors: 0,
    attemptedBits: 0,
    leftoverAlice: new Uint8Array(0),
    leftoverBob: new Uint8Array(0),
    iterations: 0,
    decodeMs: 0,
    fastDecodeMs: 0,
  };
  let pos = 0;
  let out = 0;
  try {
    while (pos < total) {
      // 1. Code for the QBER known so far (sample pooled with the errors corrected so far).
      const size = sample.size + result.keptBits;
      const q = Math.max(1 / size, (sample.errors + result.correctedErrors) / size);
      const boost = Math.min(MAX_FAILURE_EFFICIENCY_BOOST, Math.pow(FAILURE_EFFICIENCY_BOOST, result.decodingFailures));
      const choice = family.choose(q + opts.qberMarginSigmas * Math.sqrt((q * (1 - q)) / size), boost);
      const { code } = choice;
      const p = choice.punctured;
      const payload = n - choice.shortened - p;
      const l0 = priorLlr(q);
      // Lay out up to one batch of frames with this code.
      let used = 0;
      let stop = false;
      while (used < slots.length && pos < total) {
        const take = Math.min(payload, total - pos);
        if (take < payload && take * opts.secretFractionPerBit <= code.m - p + VERIFICATION_HASH_BITS) {
          result.leftoverAlice = raw.alice.slice(pos);
          result.leftoverBob = raw.bob.slice(pos);
          stop = true;
          break;
        }
        layOut(slots[used], code, p, take, raw, pos, l0, publicRng, rng.alice);
        result.frames++;
        result.codes[code.spec.name] = (result.codes[code.spec.name] ?? 0) + 1;
        result.leakEcAll += code.m - p;
        result.attemptedBits += take;
        pos += take;
        used++;
      }
      if (used === 0) break;
      // 3. Bob decodes: the SIMD min-sum decoder for the batch, exact BP for what it fails on.
      const batch = slots.slice(0, used);
      const t0 = performance.now();
      const converged = decodeBatch(batch, family, code, opts.maxIterations, useSimd, result);
      result.decodeMs += performance.now() - t0;
      for (let b = 0; b < used; b++) {
        const slot = batch[b];
        const decision = converged[b];
        if (!decision) {
          result.decodingFailures++;
          continue;
        }
        let corrected = 0;
        for (let i = 0; i < n; i++) {
          if (slot.role[i] === 0) corrected += decision[i];
          slot.frameB[i] ^= decision[i];
        }
        decision.fill(0);
        // 4. Verification hash.
        const tag = verificationTag(slot.frameA, publicRng);
        if (!verifyFrame(slot.frameB, tag)) {
          result.verificationFailures++;
          continue;
        }
        for (let i = 0; i < n; i++) {
          if (slot.role[i] !== 0) continue;
          aliceOut[out] = slot.frameA[i];
          bobOut[out] = slot.frameB[i];
          out++;
        }
        result.leakEc += code.m - slot.punctured;
        result.leakVerify += VERIFICATION_HASH_BITS;
        result.keptBits += slot.take;
        result.correctedErrors += corrected;
      }
      if (stop) break;
    }
  } finally {
    for (const s of slots) {
      s.frameA.fill(0);
      s.frameB.fill(0);
    }
  }
  result.alice = aliceOut.subarray(0, out);
  result.bob = bobOut.subarray(0, out);
  return result;
}

/** One frame being reconciled: both ends' frames, Bob's priors and target syndrome. */
interface FrameSlot {
  frameA: Uint8Array;
  frameB: Uint8Array;
  prior: Int32Array;
  /** Per position: 0 key bit, 1 shortened, 2 punctured. */
  role: Uint8Array;
  target: Uint8Array;
  take: number;
  punctured: number;
}

/** Fill a frame with `take` key bits from `pos`, p punctured and the rest shortened; compute Bob's target. */
function layOut(slot: FrameSlot, code: QcLdpcCode, p: number, take: number, raw: SiftedBits, pos: number, l0: number, publicRng: SeededRandom, aliceRng: SeededRandom): void {
  const n = code.n;
  const { frameA, frameB, prior, role } = slot;
  // A prefix of the puncture order, then (the last frame of a block may need more) a prefix
  // of the shortening order; the rest carries key bits.
  const s = n - p - take;
  role.fill(0);
  for (let i = 0; i < p; i++) role[code.punctureOrder[i]] = 2;
  for (let i = 0, placed = 0; placed < s; i++) {
    const v = code.shorteningOrder[i];
    if (role[v] === 0) {
      role[v] = 1;
      placed++;
    }
  }
  const pub = publicRng.bits(s);
  const secret = aliceRng.bits(p);
  let k = 0;
  let j = 0;
  let jp = 0;
  for (let i = 0; i < n; i++) {
    if (role[i] === 1) {
      frameA[i] = frameB[i] = pub[j++];
      prior[i] = KNOWN_BIT_LLR;
    } else if (role[i] === 2) {
      frameA[i] = secret[jp++];
      frameB[i] = 0;
      prior[i] = 0;
    } else {
      frameA[i] = raw.alice[pos + k];
      frameB[i] = raw.bob[pos + k];
      prior[i] = l0;
      k++;
    }
  }
  secret.fill(0);
  // 2. Alice's syndrome (disclosed); Bob's target syndrome for the error pattern e = x_A ⊕ x_B.
  const syndromeA = code.syndrome(frameA);
  const target = code.syndrome(frameB);
  for (let i = 0; i < target.length; i++) target[i] ^= syndromeA[i];
  slot.target = target;
  slot.take = take;
  slot.punctured = p;
}

/** Decode a batch; per frame, its error pattern or null. */
function decodeBatch(batch: FrameSlot[], family: LdpcCodeFamily, code: QcLdpcCode, maxIterations: number, useSimd: boolean, result: ReconciliationResult): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = batch.map(() => null);
  if (useSimd) {
    const fast = family.simdDecoder(code);
    const t0 = performance.now();
    const res = fast.decodeBatch(batch, maxIterations);
    result.fastDecodeMs += performance.now() - t0;
    res.forEach((r, b) => {
      result.iterations += r.iterations;
      if (r.converged) out[b] = fast.hardDecision(b);
      else result.fastDecoderFailures++;
    });
    fast.wipe();
  }
  const exact = family.decoder(code);
  for (let b = 0; b < batch.length; b++) {
    if (out[b]) continue;
    const r = exact.decode(batch[b].prior, batch[b].target, maxIterations);
    result.iterations += r.iterations;
    if (r.converged) out[b] = exact.hardDecision();
    exact.wipe();
  }
  return out;
}

/** Reconciliation efficiency f = leakage / (bits · h(QBER)) of frames kept (NaN when undefined). */
export function reconciliationEfficiency(r: Pick<ReconciliationResult, 'leakEc' | 'keptBits' | 'correctedErrors'>): number {
  if (r.keptBits === 0 || r.correctedErrors === 0) return Number.NaN;
  return r.leakEc / (r.keptBits * binaryEntropy(r.correctedErrors / r.keptBits));
}
