/**
 * Sifting (BB84, Bennett–Brassard 1984): over the authenticated classical
 * channel Bob announces which pulses he detected and in which basis, Alice
 * answers which bases matched and, for decoy states, each detected pulse's
 * class. Both keep the matching-basis positions, split by class. The signal
 * class becomes the raw key; decoy and vacuum sifted bits are disclosed later
 * for parameter estimation.
 */
import type { DetectionRecord } from './quantum-transmission.js';

/** Sifted bits of one pulse class at both ends (one bit per byte). */
export interface SiftedBits {
  alice: Uint8Array;
  bob: Uint8Array;
}

/** Result of sifting one block. */
export interface SiftingResult {
  /** Per class: the sifted strings. */
  perClass: [SiftedBits, SiftedBits, SiftedBits];
}

/** Keep the positions where Alice's and Bob's bases match, split by pulse class. */
export function sift(record: DetectionRecord): SiftingResult {
  const counts = [0, 0, 0];
  for (let i = 0; i < record.count; i++) {
    if (record.aliceBasis[i] === record.bobBasis[i]) counts[record.pulseClass[i]]++;
  }
  const perClass = counts.map((n) => ({ alice: new Uint8Array(n), bob: new Uint8Array(n) })) as [SiftedBits, SiftedBits, SiftedBits];
  const fill = [0, 0, 0];
  for (let i = 0; i < record.count; i++) {
    if (record.aliceBasis[i] !== record.bobBasis[i]) continue;
    const k = record.pulseClass[i];
    const j = fill[k]++;
    perClass[k].alice[j] = record.aliceBit[i];
    perClass[k].bob[j] = record.bobBit[i];
  }
  return { perClass };
}
