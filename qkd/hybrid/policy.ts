/**
 * What an OPEN_CONNECT asks the Hybridization Module for, checked once: the
 * combiner, key sources and single-source policy both URIs agree on
 * (ARCHITECTURE.md §4), the QoS this module can meet (ETSI GS QKD 004 v2.1.1:
 * otherwise status 7 with a counter-proposal), and the GET_KEY metadata it
 * returns (ids, never keys).
 *
 * Sources: any set of QKD, ML-KEM-512/768/1024 and X25519. `require-all` needs
 * at least two and fails a key when one is unavailable; `allow-degraded` also
 * accepts one listed source (or fewer available than listed): a missing second
 * input is replaced by the public auxiliary key (`auxiliary-key.ts`) and the
 * key is reported `degraded: true`. `xor` and `hmac` take exactly two inputs.
 */
import { ValidationError } from '../../common/index.js';
import type { Qos } from '../etsi004/index.js';
import { HMAC_SHA256_LENGTH, MAX_KDF_CHUNK_SIZE, QKD_KEY_SIZE_BITS, SOURCE_ORDER, SOURCE_QKD } from './constants.js';
import { parseHybridUri, type CombinerName, type HybridUri, type KeySourceName, type SingleSourcePolicy } from './hybrid-uri.js';

/** The agreed recipe for a key stream. */
export interface HybridPolicy {
  combiner: CombinerName;
  /** Source names in the fixed combiner order (QKD first). */
  sources: KeySourceName[];
  singleSourcePolicy: SingleSourcePolicy;
  /** The metadata's `kem`: the non-QKD sources joined by `+` (e.g. `ML-KEM-512`), null when there are none. */
  kem: string | null;
  source: HybridUri;
  destination: HybridUri;
  /** The other end's node UUID (lowercase). */
  peerNodeUuid: string;
}

/** Parse and check source/destination for this node (`nodeUuid`) and its peer (if known). */
export function policyOf(source: string, destination: string, nodeUuid: string, peerNodeUuid?: string): HybridPolicy {
  const src = parseHybridUri(source, 'source');
  const dst = parseHybridUri(destination, 'destination');
  if (src.hybridization !== dst.hybridization) {
    throw new ValidationError(`source and destination disagree on hybridization (${src.hybridization} vs ${dst.hybridization})`);
  }
  if ([...src.keySources].sort().join() !== [...dst.keySources].sort().join()) {
    throw new ValidationError('source and destination disagree on key_sources');
  }
  if (src.singleSourcePolicy !== dst.singleSourcePolicy) {
    throw new ValidationError(`source and destination disagree on single_source_policy (${src.singleSourcePolicy} vs ${dst.singleSourcePolicy})`);
  }
  if (src.nodeUuid === dst.nodeUuid) throw new ValidationError('source and destination name the same node');
  const own = nodeUuid.toLowerCase();
  if (src.nodeUuid !== own && dst.nodeUuid !== own) {
    throw new ValidationError(`neither source nor destination names this Hybridization Module's node ${own}`);
  }
  const other = src.nodeUuid === own ? dst.nodeUuid : src.nodeUuid;
  if (peerNodeUuid && other !== peerNodeUuid.toLowerCase()) {
    throw new ValidationError(`node ${other} is not this module's peer (${peerNodeUuid})`);
  }
  const n = src.keySources.length;
  if (src.singleSourcePolicy === 'require-all' && n < 2) {
    throw new ValidationError(
      `key_sources lists one source (${src.keySources.join(',')}): a hybrid key needs two under single_source_policy=require-all; allow-degraded keys from one source and reports the key as degraded`,
    );
  }
  if ((src.hybridization === 'xor' || src.hybridization === 'hmac') && n > 2) {
    throw new ValidationError(`${src.hybridization} combines exactly two sources, got ${n} (${src.keySources.join(',')}); use kdf`);
  }
  const sources = [...src.keySources].sort((a, b) => SOURCE_ORDER.indexOf(a) - SOURCE_ORDER.indexOf(b));
  const others = sources.filter((s) => s !== SOURCE_QKD);
  return {
    combiner: src.hybridization,
    sources,
    singleSourcePolicy: src.singleSourcePolicy,
    kem: others.length > 0 ? others.join('+') : null,
    source: src,
    destination: dst,
    peerNodeUuid: other,
  };
}

/** Largest key_chunk_size the combiner can produce (every source gives 32-byte secrets). */
export function maxChunkSize(combiner: CombinerName): number {
  return combiner === 'kdf' ? MAX_KDF_CHUNK_SIZE : combiner === 'hmac' ? HMAC_SHA256_LENGTH : QKD_KEY_SIZE_BITS / 8;
}

/** A QoS counter-proposal when `qos` cannot be met, else undefined. */
export function qosCounterProposal(qos: Qos, combiner: CombinerName): Qos | undefined {
  const max = maxChunkSize(combiner);
  const okSize = qos.key_chunk_size >= 1 && qos.key_chunk_size <= max;
  const okMime = qos.metadata_mimetype === '' || qos.metadata_mimetype === 'application/json';
  if (okSize && okMime) return undefined;
  return {
    ...qos,
    key_chunk_size: Math.min(Math.max(qos.key_chunk_size, 1), max),
    metadata_mimetype: 'application/json',
  };
}

/** Whether two (source, destination) pairs name the same two ends, in either order. */
export function sameEnds(a: { source: string; destination: string }, b: { source: string; destination: string }): boolean {
  return (a.source === b.source && a.destination === b.destination) || (a.source === b.destination && a.destination === b.source);
}

/** Fields of the GET_KEY metadata. */
export interface MetadataFields {
  ksid: string;
  index: number;
  qkdKeyIds: readonly string[];
  kem: string | null;
  combiner: CombinerName;
  degraded: boolean;
}

/** The GET_KEY metadata buffer (JSON; the same at both ends; ids only). */
export function metadataBuffer(f: MetadataFields): string {
  return JSON.stringify({
    key_stream_id: f.ksid,
    index: f.index,
    qkd_key_ids: f.qkdKeyIds,
    kem: f.kem,
    combiner: f.combiner,
    degraded: f.degraded,
  });
}
