/**
 * Error verification after reconciliation: Alice sends a 64-bit Toeplitz hash
 * (universal₂, Carter–Wegman 1979) of her frame under a fresh public seed; Bob
 * hashes his corrected frame with the same seed. Different strings collide with
 * probability 2^−64, so a belief-propagation decoder that converged to a wrong
 * word is caught. The hash bits are disclosed and counted as leakage.
 */
import { VERIFICATION_HASH_BITS } from './constants.js';
import type { SeededRandom } from './seeded-random.js';
import { randomToeplitzSeed, toeplitzHash } from './toeplitz-hash.js';

/** A verification tag and the seed that made it. */
export interface VerificationTag {
  seed: Uint32Array;
  tag: Uint8Array;
}

/** Alice's side: draw a public seed and hash her frame. */
export function verificationTag(frame: Uint8Array, publicRng: SeededRandom): VerificationTag {
  const seed = randomToeplitzSeed(frame.length + VERIFICATION_HASH_BITS - 1, publicRng);
  return { seed, tag: toeplitzHash(frame, seed, VERIFICATION_HASH_BITS, 'words') };
}

/** Bob's side: does his frame hash to Alice's tag? */
export function verifyFrame(frame: Uint8Array, tag: VerificationTag): boolean {
  const mine = toeplitzHash(frame, tag.seed, VERIFICATION_HASH_BITS, 'words');
  let diff = 0;
  for (let i = 0; i < mine.length; i++) diff |= mine[i] ^ tag.tag[i];
  return diff === 0;
}
