/**
 * The context the `kdf` combiner binds (PROTOCOL-NOTES.md §4: label plus
 * transcript binding, as in ETSI TS 103 744 CatKDF and X-Wing): the
 * Key_stream_ID, the GET_KEY index, the source and destination URIs as side A
 * sent them (they carry the SPI/SA name, both node UUIDs, the combiner, the
 * sources and the single-source policy), and per input, in the fixed source
 * order, its name, whether it is a real source (`ok`) or the auxiliary key of
 * degraded mode (`aux`), its key ids (QKD key_IDs) and the SHA-256 of its
 * public transcript (ML-KEM: algorithm ‖ encapsulation key ‖ ciphertext;
 * X25519: both public keys). Byte layout, every field length-prefixed u32be:
 *   ksid ‖ u32be(index) ‖ source ‖ destination ‖ n × (name ‖ status ‖ [key ids…] ‖ transcript hash)
 * Both sides build it from the same public values, so it holds no secrets.
 */
import { SOURCE_ORDER } from './constants.js';
import { encodeParts, u32be } from './bytes.js';

/** What one input contributes to the context (public values only). */
export interface SourceBinding {
  source: string;
  /** `aux`: the deterministic auxiliary key of degraded mode (default `ok`). */
  status?: 'ok' | 'aux';
  /** Key ids this source used (QKD key_IDs); empty for the others. */
  keyIds: readonly string[];
  /** SHA-256 of the public transcript (KEM public key and ciphertext); empty for QKD. */
  transcriptHash: Uint8Array;
}

/** The fields bound into one hybrid key. */
export interface HybridContextFields {
  ksid: string;
  index: number;
  source: string;
  destination: string;
  bindings: readonly SourceBinding[];
}

/** Encode the context bytes for the `kdf` combiner. */
export function encodeHybridContext(f: HybridContextFields): Uint8Array {
  const ordered = [...f.bindings].sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source));
  // Strings are their UTF-8; each binding, and its list of key ids, is one length-prefixed part.
  return encodeParts([f.ksid, u32be(f.index), f.source, f.destination, ...ordered.map((b) => [b.source, b.status ?? 'ok', b.keyIds, b.transcriptHash])]);
}
