/**
 * Privacy amplification: both ends hash the reconciled key with the same
 * modified Toeplitz matrix (Hayashi–Tsurumaru 2016, see `toeplitz-hash.ts`),
 * seeded with fresh public randomness, to the length the block's own
 * measurements allow (CONTRACTS.md "QKD simulation honesty"): the leftover
 * hash lemma with the GLLP phase-error term (Gottesman–Lo–Lütkenhaus–Preskill,
 * QIC 4, 325, 2004; Lo–Ma–Chen 2005), as in PROTOCOL-NOTES.md §3:
 *   ℓ = ⌊ s_1 (1 − h(e_1^U)) − leak_EC − leak_verify − 2 log2(1/ε_PA) ⌋,
 *   s_1 = n_key · Q_1^L / Q_μ  (key bits expected from single-photon pulses),
 * where Q_1^L and e_1^U come from this block's decoy statistics, leak_EC is the
 * syndrome bits actually disclosed, leak_verify the verification hash bits.
 * Multi-photon and vacuum contributions are credited nothing.
 */
import { binaryEntropy } from './binary-entropy.js';
import type { DecoyBounds } from './decoy-state.js';
import type { SeededRandom } from './seeded-random.js';
import { modifiedToeplitzHash, randomToeplitzSeed } from './toeplitz-hash.js';

/** What the PA length is computed from. */
export interface PaInputs {
  /** Reconciled, verified key bits of the block. */
  keyBits: number;
  /** Measured signal gain Q_μ. */
  signalGain: number;
  bounds: DecoyBounds;
  /** Syndrome bits disclosed for the frames that made it into the key. */
  leakEc: number;
  /** Verification hash bits disclosed for those frames. */
  leakVerify: number;
  /** ε_PA. */
  epsilon: number;
}

/** The PA output length and its terms, for logs and stats. */
export interface PaLength {
  length: number;
  singlePhotonBits: number;
  phaseErrorEntropy: number;
  securityBits: number;
}

/** Output length allowed by this block's measurements (0 when nothing is left). */
export function privacyAmplificationLength(p: PaInputs): PaLength {
  const fraction = p.signalGain > 0 ? Math.min(1, p.bounds.q1Lower / p.signalGain) : 0;
  const singlePhotonBits = p.keyBits * fraction;
  const phaseErrorEntropy = binaryEntropy(p.bounds.e1Upper);
  const securityBits = 2 * Math.log2(1 / p.epsilon);
  const raw = singlePhotonBits * (1 - phaseErrorEntropy) - p.leakEc - p.leakVerify - securityBits;
  return { length: Math.max(0, Math.min(p.keyBits, Math.floor(raw))), singlePhotonBits, phaseErrorEntropy, securityBits };
}

/** Draw the public seed for `keyBits` input bits (n − 1 bits for the modified Toeplitz matrix). */
export function privacyAmplificationSeed(keyBits: number, publicRng: SeededRandom): Uint32Array {
  return randomToeplitzSeed(Math.max(0, keyBits - 1), publicRng);
}

/** Hash one end's reconciled key to `length` bits. */
export function privacyAmplify(key: Uint8Array, seed: Uint32Array, length: number): Uint8Array {
  return modifiedToeplitzHash(key, seed, length);
}
