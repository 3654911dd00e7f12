/**
 * Constants of the BB84 link simulator (ARCHITECTURE.md §5, PROTOCOL-NOTES.md §3).
 * Spec and physics constants first, each with its source; tunables of the
 * simulator and of its post-processing after.
 */

// ---- Physics and protocol constants -----------------------------------------

/** Error probability of a click that carries no signal (dark count, background): e_0 = 1/2. */
export const E0 = 0.5;
/** Fraction of detections kept by sifting in symmetric BB84 (random bases): q = 1/2. */
export const SIFTING_FACTOR = 0.5;
/**
 * Typical fibre-link parameters of Gobby, Yuan and Shields, APL 84, 3762 (2004), as used by
 * Ma, Qi, Zhao and Lo, PRA 72, 012326 (2005): loss α (dB/km), misalignment e_d, vacuum yield Y_0
 * (dark + stray counts per gate, both detectors), Bob's detection efficiency η_Bob (optics and
 * detector), the reconciliation efficiency f of their paper, and the decoy intensities μ, ν.
 */
export const GYS = Object.freeze({
  attenuationDbPerKm: 0.21,
  misalignment: 0.033,
  vacuumYield: 1.7e-6,
  bobEfficiency: 0.045,
  reconciliationEfficiency: 1.22,
  signalIntensity: 0.48,
  decoyIntensity: 0.1,
});
/** Loss of standard single-mode fibre (SMF-28) at 1550 nm, dB/km. */
export const SMF28_ATTENUATION_DB_PER_KM = 0.2;
/**
 * Shor–Preskill bound: BB84 with one-way post-processing gives no key above ≈ 11 % QBER
 * (1 − 2h(Q) = 0 at Q ≈ 0.110); the default abort threshold.
 */
export const SHOR_PRESKILL_QBER = 0.11;

// ---- Tunables: simulated hardware ---------------------------------------------

/** Pulse (clock) rate of the simulated source, Hz. */
export const DEFAULT_CLOCK_RATE_HZ = 1e9;
/** Probability that a pulse is a signal / weak decoy (the rest are vacuum decoys). */
export const DEFAULT_SIGNAL_PROBABILITY = 0.65;
export const DEFAULT_DECOY_PROBABILITY = 0.25;
/** Default fibre length of the simulated link, km. */
export const DEFAULT_FIBRE_LENGTH_KM = 25;

// ---- Tunables: post-processing -------------------------------------------------

/** Fraction of the signal-class sifted bits disclosed to estimate the QBER. */
export const DEFAULT_SAMPLE_FRACTION = 0.05;
/** Security parameter of privacy amplification (leftover hash lemma): PA removes 2·log2(1/ε) bits. */
export const DEFAULT_EPSILON_PA = 1e-10;
/** Output bits of the per-frame verification hash (a Toeplitz hash, counted as leakage). */
export const VERIFICATION_HASH_BITS = 64;
/** Standard deviations of the statistical-fluctuation bounds on the decoy estimates (0 = point estimates). */
export const DEFAULT_FLUCTUATION_SIGMAS = 0;
/** Input length from which Toeplitz hashing uses the FFT product instead of word XORs. */
export const TOEPLITZ_FFT_THRESHOLD_BITS = 1 << 14;
/** Default sifted signal bits per block (sets the pulses per block from the expected gain). */
export const DEFAULT_SIFTED_BITS_PER_BLOCK = 1 << 20;
/** Default iteration cap of the LDPC decoders. */
export const DEFAULT_MAX_ITERATIONS = 60;
/** A decoder gives up when its count of unsatisfied checks has not improved for this many iterations. */
export const DECODER_STALL_ITERATIONS = 12;
/** Default margin, in standard deviations of the estimate, added to the QBER when choosing a code. */
export const DEFAULT_QBER_MARGIN_SIGMAS = 1;
/** Factor on f per frame of the block that failed so far (a failure says the QBER estimate is low), and its cap. */
export const FAILURE_EFFICIENCY_BOOST = 1.08;
export const MAX_FAILURE_EFFICIENCY_BOOST = 1.5;
/** Share of a frame a code keeps as once-recoverable puncturing positions, and the most the choice punctures. */
export const PUNCTURABLE_FRACTION = 0.08;
export const MAX_PUNCTURED_FRACTION = 0.06;
/**
 * Blind reconciliation: a frame the fast decoder missed is decoded again after Alice reveals its
 * punctured bits and key bits, up to this share of the frame per extra round (cumulative), for
 * at most BLIND_ROUNDS rounds in all; exact BP takes what is left.
 */
export const BLIND_REVEAL_FRACTION = 0.01;
export const BLIND_ROUNDS = 3;
/** The first round's share of the decoder's iteration cap (the second round has the whole cap). */
export const FIRST_ROUND_ITERATION_SHARE = 0.6;
/** Normalisation α of the SIMD min-sum decoder's check messages (13/16). */
export const DEFAULT_MIN_SUM_ALPHA = 0.8125;
