/**
 * The auxiliary key of degraded mode (ARCHITECTURE.md §4, after the QUBIP
 * pilot: "if only one key source is available, the module derives an auxiliary
 * key deterministically using hashing functions"). Both Hybridization Modules
 * derive it from public values only:
 *   AUX = SHA-256( u32be(len) ‖ "qnfv hybrid aux v1" ‖ u32be(len) ‖ KSID ‖ u32be(index)
 *                  ‖ u32be(len) ‖ source URI ‖ u32be(len) ‖ destination URI )
 * Caveat, on purpose: AUX is NOT secret. It only gives the combiners their second
 * input, so that a degraded key is still stream-bound and never equals a plain
 * source key; its secrecy is that of the one source that was available. That is
 * why such a key is always reported with `degraded: true`.
 */
import { AUX_LABEL } from './constants.js';
import { encodeParts, u32be } from './bytes.js';
import { sha256 } from './sha256.js';

/** The public fields the auxiliary key is derived from. */
export interface AuxiliaryKeyFields {
  ksid: string;
  index: number;
  source: string;
  destination: string;
}

/** Derive the 32-byte auxiliary key (the caller zeroes it like any key). */
export function auxiliaryKey(f: AuxiliaryKeyFields): Uint8Array {
  return sha256(encodeParts([AUX_LABEL, f.ksid, u32be(f.index), f.source, f.destination]));
}
