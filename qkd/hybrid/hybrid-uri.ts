/**
 * The source/destination URIs of OPEN_CONNECT at the Hybridization Module
 * (CONTRACTS.md, after QUBIP/hybridization-module's requests):
 *   hybrid://<name>@<node-uuid>?hybridization=<xor|hmac|kdf>&key_sources=<comma list>
 *            [&single_source_policy=<require-all|allow-degraded>]
 * e.g. `hybrid://SPI_1@aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa?hybridization=kdf&key_sources=ML-KEM-512,QKD`.
 * `hybridization` defaults to `kdf`, `single_source_policy` to `require-all`
 * (the NSD's `single-source-policy`); `key_sources` is required (QKD,
 * ML-KEM-512/768/1024, X25519). Other query parameters are refused so that a
 * typo cannot silently select a default.
 */
import { ValidationError } from '../../common/index.js';
import { COMBINER_NAMES, DEFAULT_COMBINER, DEFAULT_SINGLE_SOURCE_POLICY, KEY_SOURCE_NAMES, SINGLE_SOURCE_POLICIES } from './constants.js';

/** A combiner name (`hybridization=`). */
export type CombinerName = (typeof COMBINER_NAMES)[number];
/** What to do when fewer sources than listed are available (`single_source_policy=`). */
export type SingleSourcePolicy = (typeof SINGLE_SOURCE_POLICIES)[number];
/** A key source name (`key_sources=`). */
export type KeySourceName = (typeof KEY_SOURCE_NAMES)[number];

/** A parsed hybrid URI. */
export interface HybridUri {
  /** The application / SA name before `@` (e.g. `SPI_1`). */
  name: string;
  /** The Hybridization Module's node UUID (lowercase). */
  nodeUuid: string;
  hybridization: CombinerName;
  /** Source names, normalised (upper case), in the order given. */
  keySources: KeySourceName[];
  singleSourcePolicy: SingleSourcePolicy;
}

const URI_RE = /^hybrid:\/\/([^@/?#]+)@([^/?#]+)(?:\?([^#]*))?$/i;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PARAMS = ['hybridization', 'key_sources', 'single_source_policy'];
/** Most URIs whose parse is remembered (a stream's two URIs recur at each OPEN_CONNECT and offer). */
const PARSED_CACHE_SIZE = 1024;
/** Parses of valid URIs by URI text, oldest first (a URI's parse does not depend on anything else). */
const parsedUris = new Map<string, Readonly<HybridUri>>();

/** Parse a hybrid URI; `field` names it in errors (e.g. `source`). */
export function parseHybridUri(uri: string, field = 'uri'): HybridUri {
  let u = parsedUris.get(uri);
  if (!u) {
    // Only valid URIs are remembered: an invalid one throws again, with this call's `field`.
    u = parseUncached(uri, field);
    if (parsedUris.size >= PARSED_CACHE_SIZE) parsedUris.delete(parsedUris.keys().next().value as string);
    parsedUris.set(uri, u);
  }
  // A copy: callers own what they get.
  return { ...u, keySources: [...u.keySources] };
}

function parseUncached(uri: string, field: string): HybridUri {
  const m = URI_RE.exec(uri);
  if (!m) throw new ValidationError(`${field} must look like hybrid://<name>@<node-uuid>?hybridization=…&key_sources=…, got '${uri}'`);
  const name = decode(m[1], `${field} name`);
  const nodeUuid = m[2].toLowerCase();
  if (!UUID_RE.test(nodeUuid)) throw new ValidationError(`${field}: node '${m[2]}' is not a UUID`);
  const params = new URLSearchParams(m[3] ?? '');
  for (const key of params.keys()) {
    if (!PARAMS.includes(key)) throw new ValidationError(`${field}: unknown parameter '${key}' (${PARAMS.join(', ')})`);
  }
  const hyb = params.get('hybridization') ?? DEFAULT_COMBINER;
  if (!(COMBINER_NAMES as readonly string[]).includes(hyb)) {
    throw new ValidationError(`${field}: hybridization must be one of ${COMBINER_NAMES.join(', ')}, got '${hyb}'`);
  }
  const policy = params.get('single_source_policy') ?? DEFAULT_SINGLE_SOURCE_POLICY;
  if (!(SINGLE_SOURCE_POLICIES as readonly string[]).includes(policy)) {
    throw new ValidationError(`${field}: single_source_policy must be one of ${SINGLE_SOURCE_POLICIES.join(', ')}, got '${policy}'`);
  }
  const list = params.get('key_sources');
  if (!list) throw new ValidationError(`${field}: key_sources is required (e.g. key_sources=ML-KEM-512,QKD)`);
  const keySources = list.split(',').map((s) => s.trim().toUpperCase());
  for (const s of keySources) {
    if (!(KEY_SOURCE_NAMES as readonly string[]).includes(s)) {
      throw new ValidationError(`${field}: unknown key source '${s}' (${KEY_SOURCE_NAMES.join(', ')})`);
    }
  }
  if (new Set(keySources).size !== keySources.length) throw new ValidationError(`${field}: key_sources lists a source twice`);
  return {
    name,
    nodeUuid,
    hybridization: hyb as CombinerName,
    keySources: keySources as KeySourceName[],
    singleSourcePolicy: policy as SingleSourcePolicy,
  };
}

/** Render a hybrid URI (inverse of `parseHybridUri`; the default policy is left out). */
export function formatHybridUri(u: HybridUri): string {
  const policy = u.singleSourcePolicy === DEFAULT_SINGLE_SOURCE_POLICY ? '' : `&single_source_policy=${u.singleSourcePolicy}`;
  return `hybrid://${encodeURIComponent(u.name)}@${u.nodeUuid}?hybridization=${u.hybridization}&key_sources=${u.keySources.join(',')}${policy}`;
}

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ValidationError(`${what} has a malformed escape: '${s}'`);
  }
}
