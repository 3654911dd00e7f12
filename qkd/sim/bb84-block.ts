/**
 * One block of the simulated BB84 link, from pulses to secret bits, every
 * classical step run on the actual bit strings (ARCHITECTURE.md §5,
 * CONTRACTS.md "QKD simulation honesty"). Pipeline:
 *   1. quantum transmission: detections sampled per block (`quantum-transmission.ts`);
 *   2. sifting by basis announcement (`sifting.ts`);
 *   3. parameter estimation: gains, decoy error rates, signal QBER on a disclosed
 *      random sample; abort above the threshold (`parameter-estimation.ts`);
 *   4. decoy-state bounds on Q_1 and e_1 from this block (`decoy-state.ts`);
 *   5. LDPC reconciliation with verification (`reconciliation.ts`);
 *   6. privacy-amplification length from what 3–5 measured and disclosed;
 *   7. modified Toeplitz hashing at both ends (`privacy-amplification.ts`).
 * Alice's and Bob's final strings are produced separately from their own data.
 * Raw key bits a block cannot fill a frame with are carried into the next
 * block and reconciled there (their privacy amplification then uses that
 * block's estimates: the channel is stationary); an aborted block drops them.
 */
import { binaryEntropy } from './binary-entropy.js';
import { decoyBounds, type DecoyBounds } from './decoy-state.js';
import type { LdpcCodeFamily } from './ldpc-codes.js';
import { estimateParameters, type BlockEstimates } from './parameter-estimation.js';
import { DECOY, SIGNAL } from './photon-source.js';
import { privacyAmplificationLength, privacyAmplificationSeed, privacyAmplify, type PaLength } from './privacy-amplification.js';
import { transmitPulses, type LinkHardware, type TransmissionStreams } from './quantum-transmission.js';
import { reconcile, reconciliationEfficiency, type ReconciliationResult } from './reconciliation.js';
import type { SeededRandom } from './seeded-random.js';
import { sift } from './sifting.js';

/** Post-processing settings of a block. */
export interface BlockSettings {
  sampleFraction: number;
  qberAbortThreshold: number;
  epsilonPa: number;
  fluctuationSigmas: number;
  maxIterations: number;
  /** Standard deviations added to the QBER estimate when choosing a code. */
  qberMarginSigmas: number;
  /** LDPC decoder: SIMD min-sum with exact-BP fallback (default) or exact BP only. */
  decoder: 'simd' | 'bp';
}

/** The random streams of a block: the quantum phase's, plus public randomness. */
export interface BlockStreams extends TransmissionStreams {
  /** Public choices: sample positions, shortened bits, hash seeds. */
  public: SeededRandom;
}

/** Summary of the reconciliation of a block (no key material). */
export interface ReconciliationSummary {
  /** Frames per code. */
  codes: Record<string, number>;
  frames: number;
  /** Frames the SIMD min-sum decoder missed in its first round (then given a blind second round). */
  fastDecoderFailures: number;
  /** Bits revealed in blind rounds, of all frames (those of kept frames are in leakEc). */
  revealedBits: number;
  /** Frames decoded by exact belief propagation. */
  exactDecodes: number;
  decodingFailures: number;
  verificationFailures: number;
  leakEc: number;
  leakVerify: number;
  keptBits: number;
  correctedErrors: number;
  /** Raw key bits carried into the block from the previous one, and out of it into the next. */
  carriedIn: number;
  carriedOut: number;
  /** Frame error rate: frames not kept / frames. */
  fer: number;
  /** f of the frames kept. */
  efficiency: number;
  /** QBER measured by error correction (errors corrected / bits kept). */
  qber: number;
  iterations: number;
  /** SIMD kernel iterations (one serves a whole batch of frames). */
  batchIterations: number;
  decodeMs: number;
  /** Part of decodeMs spent in the SIMD min-sum batches. */
  fastDecodeMs: number;
  decodedBits: number;
}

/** Raw key bits one block hands to the next (one bit per byte). */
export interface RawKeyCarry {
  alice: Uint8Array;
  bob: Uint8Array;
}

/** What one block produced. Key bits: one bit per byte, `alice` and `bob` computed independently. */
export interface BlockResult {
  pulses: number;
  detections: number;
  estimates: BlockEstimates;
  /** Why no key came out, if so. */
  aborted?: string;
  bounds?: DecoyBounds;
  reconciliation?: ReconciliationSummary;
  pa?: PaLength;
  alice: Uint8Array;
  bob: Uint8Array;
  /** Raw key bits left for the next block. */
  carry: RawKeyCarry;
  /** Milliseconds per stage. */
  timings: { transmission: number; sifting: number; reconciliation: number; privacyAmplification: number };
}

/** What the previous block hands over: raw key bits it left, and the errors its reconciliation counted. */
export interface BlockHistory {
  carry?: RawKeyCarry;
  /** Bits reconciled and errors corrected in the previous block (pooled with this block's sample). */
  corrected?: { size: number; errors: number };
}

/** Run one block of `pulses` pulses; the previous block's leftover raw key is reconciled first. */
export function runBlock(hw: LinkHardware, pulses: number, streams: BlockStreams, family: LdpcCodeFamily, s: BlockSettings, history: BlockHistory = {}): BlockResult {
  const carryIn = history.carry;
  const timings = { transmission: 0, sifting: 0, reconciliation: 0, privacyAmplification: 0 };
  let t = performance.now();
  // 1. Quantum transmission.
  const record = transmitPulses(hw, pulses, streams);
  timings.transmission = performance.now() - t;
  t = performance.now();
  // 2. Sifting. 3. Parameter estimation.
  const sifted = sift(record);
  const pe = estimateParameters(record, sifted, s.sampleFraction, streams.public);
  for (const c of sifted.perClass) {
    c.alice.fill(0);
    c.bob.fill(0);
  }
  record.aliceBit.fill(0);
  record.bobBit.fill(0);
  timings.sifting = performance.now() - t;
  const empty: Uint8Array = new Uint8Array(0);
  const carried = carryIn?.alice.length ?? 0;
  if (carryIn && carried > 0) {
    const own = pe.rawKey;
    pe.rawKey = { alice: concatBits(carryIn.alice, own.alice), bob: concatBits(carryIn.bob, own.bob) };
    own.alice.fill(0);
    own.bob.fill(0);
  }
  carryIn?.alice.fill(0);
  carryIn?.bob.fill(0);
  // An aborted block drops its raw key, carried bits included.
  const base = { pulses, detections: record.count, estimates: pe.estimates, alice: empty, bob: empty, carry: { alice: empty, bob: empty }, timings };
  const qberSample = pe.estimates.errorRates[SIGNAL];
  const wipeRaw = (): void => {
    pe.rawKey.alice.fill(0);
    pe.rawKey.bob.fill(0);
  };
  if (pe.estimates.sampleSize === 0 || pe.rawKey.alice.length === 0) {
    wipeRaw();
    return { ...base, aborted: 'no signal detections in this block' };
  }
  if (qberSample > s.qberAbortThreshold) {
    wipeRaw();
    return { ...base, aborted: `sampled QBER ${(qberSample * 100).toFixed(2)} % is above the threshold ${(s.qberAbortThreshold * 100).toFixed(2)} %` };
  }
  // 4. Decoy-state bounds from this block.
  const bounds = decoyBounds(pe.estimates, hw.source.intensities[SIGNAL], hw.source.intensities[DECOY], s.fluctuationSigmas);
  // 5. Reconciliation, codes chosen from the sample and the errors corrected so far.
  t = performance.now();
  let rec: ReconciliationResult;
  try {
    // The QBER prior of the codes: this block's sample, pooled with the previous block's corrected errors.
    const sample = { size: pe.estimates.sampleSize + (history.corrected?.size ?? 0), errors: pe.estimates.sampleErrors + (history.corrected?.errors ?? 0) };
    const secretFractionPerBit = pe.estimates.gains[SIGNAL] > 0 ? (bounds.q1Lower / pe.estimates.gains[SIGNAL]) * (1 - binaryEntropy(bounds.e1Upper)) : 0;
    rec = reconcile(pe.rawKey, sample, family, { public: streams.public, alice: streams.alice }, {
      maxIterations: s.maxIterations,
      qberMarginSigmas: s.qberMarginSigmas,
      secretFractionPerBit,
      decoder: s.decoder,
    });
  } finally {
    wipeRaw();
  }
  timings.reconciliation = performance.now() - t;
  const summary = summarize(rec, carried);
  // 6. PA length from the block's own measurements. 7. Hash both ends.
  t = performance.now();
  const pa = privacyAmplificationLength({
    keyBits: rec.alice.length,
    signalGain: pe.estimates.gains[SIGNAL],
    bounds,
    leakEc: rec.leakEc,
    leakVerify: rec.leakVerify,
    epsilon: s.epsilonPa,
  });
  let alice: Uint8Array = empty;
  let bob: Uint8Array = empty;
  try {
    if (pa.length > 0) {
      const seed = privacyAmplificationSeed(rec.alice.length, streams.public);
      alice = privacyAmplify(rec.alice, seed, pa.length);
      bob = privacyAmplify(rec.bob, seed, pa.length);
    }
  } finally {
    rec.alice.fill(0);
    rec.bob.fill(0);
  }
  timings.privacyAmplification = performance.now() - t;
  const aborted = pa.length === 0 ? 'privacy amplification leaves no secret bits (phase error or leakage too high for this block)' : undefined;
  return { ...base, bounds, reconciliation: summary, pa, alice, bob, aborted, carry: { alice: rec.leftoverAlice, bob: rec.leftoverBob } };
}

function concatBits(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function summarize(r: ReconciliationResult, carriedIn: number): ReconciliationSummary {
  const failed = r.decodingFailures + r.verificationFailures;
  return {
    codes: r.codes,
    frames: r.frames,
    fastDecoderFailures: r.fastDecoderFailures,
    revealedBits: r.revealedBits,
    exactDecodes: r.exactDecodes,
    decodingFailures: r.decodingFailures,
    verificationFailures: r.verificationFailures,
    leakEc: r.leakEc,
    leakVerify: r.leakVerify,
    keptBits: r.keptBits,
    correctedErrors: r.correctedErrors,
    carriedIn,
    carriedOut: r.leftoverAlice.length,
    fer: r.frames > 0 ? failed / r.frames : 0,
    efficiency: reconciliationEfficiency(r),
    qber: r.keptBits > 0 ? r.correctedErrors / r.keptBits : 0,
    iterations: r.iterations,
    batchIterations: r.batchIterations,
    decodeMs: r.decodeMs,
    fastDecodeMs: r.fastDecodeMs,
    decodedBits: r.attemptedBits,
  };
}
