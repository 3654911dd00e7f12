/**
 * What an OPEN_CONNECT asks the Hybridization Module for, checked once: the
 * combiner and key sources both URIs agree on (ARCHITECTURE.md §4), the QoS
 * this module can meet (ETSI GS QKD 004 v2.1.1: otherwise status 7 with a
 * counter-proposal), and the GET_KEY metadata it returns (ids, never keys).
 *
 * Supported today: exactly QKD plus one ML-KEM parameter set. Single-source
 * operation (the `require-all` / `allow-degraded` policy) and classical
 * sources come in later issues; until then they are refused, never silently
 * degraded, and `degraded` is always false.
 */
import { ValidationError } from '../../common/index.js';
import type { Qos } from '../etsi004/index.js';
import { HMAC_SHA256_LENGTH, MAX_KDF_CHUNK_SIZE, ML_KEM_ALGORITHMS, QKD_KEY_SIZE_BITS, SOURCE_ORDER, SOURCE_QKD } from './constants.js';
import { parseHybridUri, type CombinerName, type HybridUri } from './hybrid-uri.js';
import type { MlKemAlgorithm } from './ml-kem-peer-source.js';

/** The agreed recipe for a key stream. */
export interface HybridPolicy {
  combiner: CombinerName;
  /** Source names in the fixed combiner order (QKD first). */
  sources: string[];
  kem: MlKemAlgorithm;
  source: HybridUri;
  destination: HybridUri;
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
  if (src.nodeUuid === dst.nodeUuid) throw new ValidationError('source and destination name the same node');
  const own = nodeUuid.toLowerCase();
  if (src.nodeUuid !== own && dst.nodeUuid !== own) {
    throw new ValidationError(`neither source nor destination names this Hybridization Module's node ${own}`);
  }
  const other = src.nodeUuid === own ? dst.nodeUuid : src.nodeUuid;
  if (peerNodeUuid && other !== peerNodeUuid.toLowerCase()) {
    throw new ValidationError(`node ${other} is not this module's peer (${peerNodeUuid})`);
  }
  const kems = src.keySources.filter((s) => (ML_KEM_ALGORITHMS as readonly string[]).includes(s));
  if (src.keySources.length !== 2 || !src.keySources.includes(SOURCE_QKD) || kems.length !== 1) {
    throw new ValidationError(
      `key_sources must be QKD plus one of ${ML_KEM_ALGORITHMS.join('/')} (single-source and other mixes are not supported yet), got ${src.keySources.join(',')}`,
    );
  }
  const sources = [...src.keySources].sort((a, b) => SOURCE_ORDER.indexOf(a) - SOURCE_ORDER.indexOf(b));
  return { combiner: src.hybridization, sources, kem: kems[0] as MlKemAlgorithm, source: src, destination: dst };
}

/** Largest key_chunk_size the combiner can produce from one QKD key and one KEM secret. */
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

/** The GET_KEY metadata buffer (JSON; the same at both ends; ids only). */
export function metadataBuffer(f: { ksid: string; index: number; qkdKeyIds: readonly string[]; kem: string; combiner: CombinerName }): string {
  return JSON.stringify({
    key_stream_id: f.ksid,
    index: f.index,
    qkd_key_ids: f.qkdKeyIds,
    kem: f.kem,
    combiner: f.combiner,
    degraded: false,
  });
}
