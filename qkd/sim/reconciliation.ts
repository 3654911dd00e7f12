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
 *     bits — with the SIMD min-sum decoder (`ldpc-simd-decoder.ts`), sixteen
 *     frames side by side, each lane taking the next frame as soon as its own
 *     finishes — and corrects x_B ⊕ e. A frame the decoder misses gets more
 *     rounds, as in blind reconciliation (Martinez-Mateo, Elkouss, Martin, QIC
 *     12(9–10), 2012): Bob says which frames failed, Alice reveals their
 *     punctured bits, then key bits (BLIND_REVEAL_FRACTION of the frame per
 *     round; all charged as leakage), and the decoder runs again with those bits
 *     certain, BLIND_ROUNDS rounds at most; exact belief propagation
 *     (`ldpc-decoder.ts`) takes what is still unsolved;
 *  4. verification: a 64-bit universal hash (`verification.ts`, also leakage);
 *     frames that fail to converge or to verify are discarded by both.
 * As a two-party protocol this is interactive, as blind reconciliation is
 * anyway: Bob announces each frame as it finishes (which one, decoded or not,
 * the errors he corrected), and Alice lays out the next frame on that — its
 * code from the QBER known at that moment, its public shortening bits and the
 * verification seed drawn from the shared public randomness in the order of
 * those announcements, and the kept frames' bits appended in that order at
 * both ends.
 * The last, partial frame of a block is shortened further if its bits are
 * worth more after privacy amplification than the syndrome it costs
 * (`secretFractionPerBit` × bits > m − p + 64); otherwise its bits are left
 * over and the caller carries them into the next block.
 */
import { binaryEntropy } from './binary-entropy.js';
import { BLIND_REVEAL_FRACTION, BLIND_ROUNDS, FAILURE_EFFICIENCY_BOOST, FIRST_ROUND_ITERATION_SHARE, MAX_FAILURE_EFFICIENCY_BOOST, VERIFICATION_HASH_BITS } from './constants.js';
import type { QcLdpcCode } from './ldpc-code.js';
import { KNOWN_BIT_LLR, priorLlr } from './ldpc-decoder.js';
import type { LdpcCodeFamily } from './ldpc-codes.js';
import { simdDecoderAvailable } from './ldpc-simd-decoder.js';
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
  /** 'simd' (default where WebAssembly SIMD runs): min-sum batches, blind second round, exact-BP fallback; 'bp': exact BP only. */
  decoder?: 'simd' | 'bp';
  /** Share of maxIterations the SIMD decoder's first round may take (default FIRST_ROUND_ITERATION_SHARE). */
  firstRoundShare?: number;
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
  /** Frames the SIMD min-sum decoder did not solve in the first round (then given a blind second round). */
  fastDecoderFailures: number;
  /** Bits Alice revealed for blind rounds (punctured and key bits; part of the leakage). */
  revealedBits: number;
  /** Frames handed to exact BP (all of them with the 'bp' decoder; else those every SIMD round missed). */
  exactDecodes: number;
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
  /** Iterations of the SIMD kernel (each serves every lane): the decoding cost, machine-independent. */
  batchIterations: number;
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
  const run = new Reconciliation(raw, sample, family, rng, opts);
  try {
    if (opts.decoder !== 'bp' && simdDecoderAvailable()) run.streamSimd();
    else run.exactOnly();
    return run.finish();
  } finally {
    run.wipe();
  }
}

/** One frame being reconciled: both ends' frames, Bob's priors and target syndrome. */
interface FrameSlot {
  code: QcLdpcCode;
  frameA: Uint8Array;
  frameB: Uint8Array;
  prior: Int32Array;
  /** Per position: 0 key bit, 1 shortened, 2 punctured. */
  role: Uint8Array;
  target: Uint8Array;
  take: number;
  punctured: number;
  /** Decoding rounds started (1 + the blind rounds), and the bits revealed for them. */
  rounds: number;
  revealed: number;
}

/** The state of one block's reconciliation: frames laid out in order, decoded, verified, kept. */
class Reconciliation {
  private readonly result: ReconciliationResult;
  private readonly n: number;
  private readonly free: FrameSlot[] = [];
  private readonly all: FrameSlot[] = [];
  private pos = 0;
  private out = 0;
  /** No more frames: the block is used up or its rest is left over. */
  private exhausted = false;

  constructor(
    private readonly raw: SiftedBits,
    private readonly sample: QberSample,
    private readonly family: LdpcCodeFamily,
    private readonly rng: { public: SeededRandom; alice: SeededRandom },
    private readonly opts: ReconciliationOptions,
  ) {
    this.n = family.frameLength;
    const total = raw.alice.length;
    this.result = {
      alice: new Uint8Array(total),
      bob: new Uint8Array(total),
      codes: {},
      frames: 0,
      fastDecoderFailures: 0,
      revealedBits: 0,
      exactDecodes: 0,
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
      batchIterations: 0,
      decodeMs: 0,
      fastDecodeMs: 0,
    };
  }

  /** Exact BP only, one frame at a time. */
  exactOnly(): void {
    for (let slot = this.next(); slot; slot = this.next()) this.settle(slot, this.exact(slot));
  }

  /**
   * The SIMD decoder as a stream: every lane gets the next frame as soon as its frame finishes,
   * so the cost is each frame's own iterations, not its batch's slowest. A frame a round misses
   * is partly revealed (`reveal`) and queued for a lane again with the whole iteration cap; one
   * the last round misses goes to exact BP. When the code for the next frame changes, the lanes
   * drain first (all frames in the decoder share its code).
   */
  streamSimd(): void {
    const { opts, result } = this;
    const firstRound = Math.max(1, Math.ceil(opts.maxIterations * (opts.firstRoundShare ?? FIRST_ROUND_ITERATION_SHARE)));
    let slot = this.next();
    while (slot) {
      const dec = this.family.simdDecoder(slot.code);
      const lanes: (FrameSlot | undefined)[] = new Array<FrameSlot | undefined>(dec.lanes).fill(undefined);
      const second: FrameSlot[] = [];
      // Decoding time: loading lanes and iterating (exact BP times itself).
      let t0 = performance.now();
      const lap = (): void => {
        const t = performance.now();
        result.fastDecodeMs += t - t0;
        result.decodeMs += t - t0;
        t0 = t;
      };
      try {
        for (;;) {
          // Fill the free lanes: blind rounds first, then new frames while their code is this one.
          for (let lane = 0; lane < lanes.length; lane++) {
            if (lanes[lane]) continue;
            const s2 = second.shift();
            if (s2) {
              // Round k ≥ 2 may take (k − 1) × the cap: a frame still improving there is worth it,
              // and the stall rule stops the hopeless ones.
              dec.load(lane, s2, (s2.rounds - 1) * opts.maxIterations);
              lanes[lane] = s2;
            } else if (slot && slot.code === dec.code) {
              dec.load(lane, slot, firstRound);
              lanes[lane] = slot;
              lap();
              slot = this.next();
              t0 = performance.now();
            }
          }
          if (!lanes.some((x) => x)) break;
          const { converged, failed } = dec.step();
          lap();
          result.batchIterations++;
          for (const lane of converged) {
            const s = lanes[lane]!;
            lanes[lane] = undefined;
            result.iterations += dec.iterationsOf(lane);
            this.settle(s, dec.hardDecision(lane));
          }
          for (const lane of failed) {
            const s = lanes[lane]!;
            lanes[lane] = undefined;
            result.iterations += dec.iterationsOf(lane);
            if (s.rounds < BLIND_ROUNDS) {
              // Another round: Bob says the frame failed, Alice reveals more of it.
              if (s.rounds === 1) result.fastDecoderFailures++;
              const bits = reveal(s, s.code);
              result.revealedBits += bits;
              result.leakEcAll += bits;
              second.push(s);
            } else {
              this.settle(s, this.exact(s));
            }
          }
          t0 = performance.now();
        }
      } finally {
        // Also when something threw: the decoder is shared, and its lanes hold Bob's estimates.
        dec.wipe();
      }
    }
  }

  /** The next frame laid out with the code for the QBER known so far, or undefined at the end. */
  private next(): FrameSlot | undefined {
    if (this.exhausted) return undefined;
    const { raw, sample, family, opts, result, n } = this;
    const total = raw.alice.length;
    if (this.pos >= total) {
      this.exhausted = true;
      return undefined;
    }
    // 1. Code for the QBER known so far (sample pooled with the errors corrected so far).
    const size = sample.size + result.keptBits;
    const q = Math.max(1 / size, (sample.errors + result.correctedErrors) / size);
    const boost = Math.min(MAX_FAILURE_EFFICIENCY_BOOST, Math.pow(FAILURE_EFFICIENCY_BOOST, result.decodingFailures));
    const choice = family.choose(q + opts.qberMarginSigmas * Math.sqrt((q * (1 - q)) / size), boost);
    const { code } = choice;
    const p = choice.punctured;
    const payload = n - choice.shortened - p;
    const take = Math.min(payload, total - this.pos);
    if (take < payload && take * opts.secretFractionPerBit <= code.m - p + VERIFICATION_HASH_BITS) {
      result.leftoverAlice = raw.alice.slice(this.pos);
      result.leftoverBob = raw.bob.slice(this.pos);
      this.exhausted = true;
      return undefined;
    }
    const slot = this.slot(code);
    layOut(slot, code, p, take, raw, this.pos, priorLlr(q), this.rng.public, this.rng.alice);
    result.frames++;
    result.codes[code.spec.name] = (result.codes[code.spec.name] ?? 0) + 1;
    result.leakEcAll += code.m - p;
    result.attemptedBits += take;
    this.pos += take;
    return slot;
  }

  /** A free frame slot for a frame of `code` (allocated when none is). */
  private slot(code: QcLdpcCode): FrameSlot {
    const reused = this.free.pop();
    if (reused) {
      reused.code = code;
      return reused;
    }
    const n = this.n;
    const s: FrameSlot = { code, frameA: new Uint8Array(n), frameB: new Uint8Array(n), prior: new Int32Array(n), role: new Uint8Array(n), target: new Uint8Array(0), take: 0, punctured: 0, rounds: 0, revealed: 0 };
    this.all.push(s);
    return s;
  }

  /** Exact BP on a frame: its error pattern, or null. */
  private exact(slot: FrameSlot): Uint8Array | null {
    const t0 = performance.now();
    const exact = this.family.decoder(slot.code);
    this.result.exactDecodes++;
    const r = exact.decode(slot.prior, slot.target, this.opts.maxIterations);
    this.result.iterations += r.iterations;
    const decision = r.converged ? exact.hardDecision() : null;
    exact.wipe();
    this.result.decodeMs += performance.now() - t0;
    return decision;
  }

  /** 3.–4. Correct Bob's frame with the decoded error pattern, verify, keep or discard; free the slot. */
  private settle(slot: FrameSlot, decision: Uint8Array | null): void {
    const { result, n } = this;
    try {
      if (!decision) {
        result.decodingFailures++;
        return;
      }
      let corrected = 0;
      for (let i = 0; i < n; i++) {
        if (slot.role[i] === 0) corrected += decision[i];
        slot.frameB[i] ^= decision[i];
      }
      decision.fill(0);
      // 4. Verification hash.
      const tag = verificationTag(slot.frameA, this.rng.public);
      if (!verifyFrame(slot.frameB, tag)) {
        result.verificationFailures++;
        return;
      }
      for (let i = 0; i < n; i++) {
        if (slot.role[i] !== 0) continue;
        result.alice[this.out] = slot.frameA[i];
        result.bob[this.out] = slot.frameB[i];
        this.out++;
      }
      result.leakEc += slot.code.m - slot.punctured + slot.revealed;
      result.leakVerify += VERIFICATION_HASH_BITS;
      result.keptBits += slot.take;
      result.correctedErrors += corrected;
    } finally {
      slot.frameA.fill(0);
      slot.frameB.fill(0);
      slot.prior.fill(0);
      slot.target.fill(0);
      this.free.push(slot);
    }
  }

  finish(): ReconciliationResult {
    this.result.alice = this.result.alice.subarray(0, this.out);
    this.result.bob = this.result.bob.subarray(0, this.out);
    return this.result;
  }

  /** Zero every frame buffer (also after an exception). */
  wipe(): void {
    for (const s of this.all) {
      s.frameA.fill(0);
      s.frameB.fill(0);
      s.prior.fill(0);
      s.target.fill(0);
    }
  }
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
  slot.rounds = 1;
  slot.revealed = 0;
}

/**
 * A blind round for a missed frame: Alice reveals its punctured bits (first extra round), then
 * key bits in the code's shortening order, BLIND_REVEAL_FRACTION of the frame more each round;
 * Bob's priors there become certain (the error bit is Alice's bit ⊕ his). Returns the bits
 * revealed now.
 */
function reveal(slot: FrameSlot, code: QcLdpcCode): number {
  const { frameA, frameB, prior, role } = slot;
  slot.rounds++;
  // Cumulative: the punctured bits first, and BLIND_REVEAL_FRACTION of the frame more per extra round.
  const step = Math.ceil(BLIND_REVEAL_FRACTION * code.n);
  const target = Math.max(slot.punctured + (slot.rounds - 2) * step, (slot.rounds - 1) * step) - slot.revealed;
  let revealed = 0;
  const known = (i: number): void => {
    prior[i] = frameA[i] === frameB[i] ? KNOWN_BIT_LLR : -KNOWN_BIT_LLR;
    revealed++;
  };
  if (slot.rounds === 2) for (let i = 0; i < slot.punctured; i++) known(code.punctureOrder[i]);
  for (let i = 0; i < code.n && revealed < target; i++) {
    const v = code.shorteningOrder[i];
    if (role[v] === 0 && prior[v] !== KNOWN_BIT_LLR && prior[v] !== -KNOWN_BIT_LLR) known(v);
  }
  slot.revealed += revealed;
  return revealed;
}

/** Reconciliation efficiency f = leakage / (bits · h(QBER)) of frames kept (NaN when undefined). */
export function reconciliationEfficiency(r: Pick<ReconciliationResult, 'leakEc' | 'keptBits' | 'correctedErrors'>): number {
  if (r.keptBits === 0 || r.correctedErrors === 0) return Number.NaN;
  return r.leakEc / (r.keptBits * binaryEntropy(r.correctedErrors / r.keptBits));
}
