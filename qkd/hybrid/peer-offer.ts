/**
 * One offer of a signed HM-to-HM batch, checked field by field at side B
 * before any source sees it (the batch's signature was verified already: these
 * checks catch a peer that is authentic but wrong, e.g. another version or a
 * bug). The recipe comes from the URIs (`policyOf`), never from the offer's
 * other fields, which must agree with it. Errors are `ValidationError`s naming
 * the field (HTTP 400 for that offer).
 */
import { ValidationError } from '../../common/index.js';
import { MAX_INDEX, isUuid } from '../etsi004/index.js';
import type { KeySourceName } from './hybrid-uri.js';
import type { PeerFields } from './key-source.js';
import { maxChunkSize, policyOf, type HybridPolicy } from './policy.js';

/** A checked offer. */
export interface ParsedOffer {
  /** Key_stream_ID, lowercase. */
  ksid: string;
  index: number;
  source: string;
  destination: string;
  keyChunkSize: number;
  policy: HybridPolicy;
  /** Sources side A left out under allow-degraded. */
  degraded: string[];
  /** The sources that take part (the URIs' minus the degraded ones), in combiner order. */
  used: KeySourceName[];
  /** Each taking part source's fields. */
  offered: Record<string, PeerFields>;
}

/** Check an offer addressed to `nodeUuid` (from `peerNodeUuid`, when known). */
export function parseOffer(offer: PeerFields, nodeUuid: string, peerNodeUuid?: string): ParsedOffer {
  const ksid = offer.key_stream_id;
  const index = offer.index;
  if (typeof ksid !== 'string' || !isUuid(ksid)) throw new ValidationError('key_stream_id must be a UUID');
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > MAX_INDEX) throw new ValidationError('index must be a non-negative integer');
  const { source, destination, key_chunk_size: chunk } = offer;
  if (typeof source !== 'string' || typeof destination !== 'string') throw new ValidationError('source and destination must be strings');
  if (typeof chunk !== 'number' || !Number.isInteger(chunk)) throw new ValidationError('key_chunk_size must be an integer');
  const policy = policyOf(source, destination, nodeUuid, peerNodeUuid);
  if (offer.combiner !== policy.combiner) throw new ValidationError(`combiner '${String(offer.combiner)}' does not match the URIs (${policy.combiner})`);
  if (chunk < 1 || chunk > maxChunkSize(policy.combiner)) throw new ValidationError(`key_chunk_size ${chunk} is not possible with ${policy.combiner}`);
  const degraded = degradedOf(offer.degraded_sources, policy);
  const offered = objectOf(offer.sources, 'sources');
  const used = policy.sources.filter((n) => !degraded.includes(n));
  const extra = Object.keys(offered).filter((n) => !(used as string[]).includes(n));
  if (extra.length > 0) throw new ValidationError(`sources names ${extra.join(', ')}, which the URIs do not ask for (or which are degraded)`);
  return { ksid: ksid.toLowerCase(), index, source, destination, keyChunkSize: chunk, policy, degraded, used, offered };
}

/** `degraded_sources` of an offer: listed sources, only under allow-degraded, at least one source left. */
function degradedOf(v: unknown, policy: HybridPolicy): string[] {
  const list = v ?? [];
  if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) throw new ValidationError('degraded_sources must be a list of source names');
  if (list.length === 0) return [];
  if (policy.singleSourcePolicy !== 'allow-degraded') {
    throw new ValidationError(`degraded_sources ${list.join(',')} under single_source_policy=${policy.singleSourcePolicy}: refused`);
  }
  for (const n of list) if (!(policy.sources as readonly string[]).includes(n)) throw new ValidationError(`degraded_sources names ${n}, which the URIs do not list`);
  if (new Set(list).size !== list.length || list.length >= policy.sources.length) throw new ValidationError('degraded_sources must leave at least one source');
  return list as string[];
}

/** `v` as a JSON object of per-source fields; `what` names it in errors. */
export function objectOf(v: unknown, what: string): Record<string, PeerFields> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValidationError(`${what} must be a JSON object`);
  return v as Record<string, PeerFields>;
}
