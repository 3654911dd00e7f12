/**
 * Binary Shannon entropy h(p) = −p·log2(p) − (1−p)·log2(1−p), the information
 * measure of every BB84 key-rate expression (Shor–Preskill 2000; GLLP 2004):
 * the leakage of ideal error correction at QBER p and the phase-error term of
 * privacy amplification.
 */

/** h(p) in bits; 0 at p ≤ 0 or p ≥ 1 (by continuity). */
export function binaryEntropy(p: number): number {
  if (!(p > 0 && p < 1)) return 0;
  return -p * Math.log2(p) - (1 - p) * Math.log2(1 - p);
}

/** The p in [0, 1/2] with h(p) = y (bisection), for y in [0, 1]. */
export function inverseBinaryEntropy(y: number): number {
  if (y <= 0) return 0;
  if (y >= 1) return 0.5;
  let lo = 0;
  let hi = 0.5;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (binaryEntropy(mid) < y) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
