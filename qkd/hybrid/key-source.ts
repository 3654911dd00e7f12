/**
 * The seam between the Hybridization Module and where secrets come from
 * (HOUSE-STYLE.md: every external system behind an interface). A source works
 * in three steps that follow the key-id synchronisation of ARCHITECTURE.md §3
 * step 5:
 *   side A  begin()   → fresh material + public fields for the peer offer
 *           finish()  ← the peer's reply (e.g. the KEM ciphertext)
 *   side B  answer()  ← the offer, at the HM-to-HM endpoint (e.g. encapsulate)
 *           recover() ← the offer again, at side B's GET_KEY: the same secret
 * Each source sees only its own fields: the offer carries `sources.<name>`
 * objects and the reply likewise. A source that cannot deliver right now (KME
 * out of keys or unreachable) throws `SourceUnavailableError`: the
 * `single_source_policy` then decides between failing and degraded mode.
 * Implementations: `QkdEtsi014Source` (QKD key from the node's ETSI 014 KME),
 * `MlKemPeerSource` (ML-KEM-512/768/1024 agreed with the peer HM),
 * `X25519PeerSource` (classical ECDH with the peer HM). Sources batch their own
 * I/O (group commit): concurrent calls may share one KME request.
 */
import { QnfvError } from '../../common/index.js';
import type { CombinerName } from './hybrid-uri.js';

/** Which hybrid key is being made. */
export interface KeyRequestContext {
  ksid: string;
  index: number;
  /** Source and destination URIs as side A sent them. */
  source: string;
  destination: string;
  combiner: CombinerName;
  /** Output length (bytes). */
  keyChunkSize: number;
}

/** Public fields of one source in the HM-to-HM offer/reply (a flat JSON object). */
export type PeerFields = Record<string, unknown>;

/** One source's secret with its public binding. The consumer zeroes `secret`. */
export interface KeyMaterial {
  source: string;
  secret: Uint8Array;
  /** Key ids used (QKD key_IDs); empty when the source has none. */
  keyIds: string[];
  /** SHA-256 of the public transcript (KEM public key and ciphertext); empty when none. */
  transcriptHash: Uint8Array;
}

/** Side A's material in the making. */
export interface PendingKey {
  /** Fields this source adds to the offer. */
  readonly offer: PeerFields;
  /** Complete with this source's fields of the peer's reply. */
  finish(reply: PeerFields): Promise<KeyMaterial> | KeyMaterial;
  /** Abandon: zero whatever is held. Safe to call after `finish`. */
  discard(): void;
}

/** A source of secret key material. */
export interface KeySource {
  /** Name as in `key_sources` (`QKD`, `ML-KEM-512`, `X25519`, …). */
  readonly name: string;
  /** Side A: start obtaining fresh material for `ctx`. */
  begin(ctx: KeyRequestContext): Promise<PendingKey>;
  /** Side B, when the peer's offer arrives: fields to put in the reply (may keep state under ctx). */
  answer(ctx: KeyRequestContext, offer: PeerFields): Promise<PeerFields> | PeerFields;
  /** Side B, at its GET_KEY: the secret side A got, from the offer (and state kept by `answer`). */
  recover(ctx: KeyRequestContext, offer: PeerFields): Promise<KeyMaterial>;
  /** Side B: drop state kept by `answer` for a stream (or one index of it), zeroing secrets. */
  forget(ksid: string, index?: number): void;
  /** Release everything (on stop). */
  close(): void;
}

/** A source cannot deliver now (no key left, KME unreachable); `etsi004Status` is what a 004 client gets. */
export class SourceUnavailableError extends QnfvError {
  readonly source: string;
  readonly etsi004Status: number;
  constructor(source: string, etsi004Status: number, message: string, options?: { cause?: unknown }) {
    super('SOURCE_UNAVAILABLE', `${source} unavailable: ${message}`, options);
    this.source = source;
    this.etsi004Status = etsi004Status;
  }
}
