/**
 * The source/destination URIs of OPEN_CONNECT at the Hybridization Module
 * (CONTRACTS.md, after QUBIP/hybridization-module's requests):
 *   hybrid://<name>@<node-uuid>?hybridization=<xor|hmac|kdf>&key_sources=<comma list>
 * e.g. `hybrid://SPI_1@aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa?hybridization=kdf&key_sources=ML-KEM-512,QKD`.
 * `hybridization` defaults to `kdf`; `key_sources` is required; other query
 * parameters are refused so that a typo cannot silently select a default.
 */
import { ValidationError } from '../../common/index.js';
import { COMBINER_NAMES, DEFAULT_COMBINER, ML_KEM_ALGORITHMS, SOURCE_QKD } from './constants.js';

/** A combiner name (`hybridization=`). */
export type CombinerName = (typeof COMBINER_NAMES)[number];

/** A parsed hybrid URI. */
export interface HybridUri {
  /** The application / SA name before `@` (e.g. `SPI_1`). */
  name: string;
  /** The Hybridization Module's node UUID (lowercase). */
  nodeUuid: string;
  hybridization: CombinerName;
  /** Source names, normalised (upper case), in the order given. */
  keySources: string[];
}

const URI_RE = /^hybrid:\/\/([^@/?#]+)@([^/?#]+)(?:\?([^#]*))?$/i;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KNOWN_SOURCES: readonly string[] = [SOURCE_QKD, ...ML_KEM_ALGORITHMS];

/** Parse a hybrid URI; `field` names it in errors (e.g. `source`). */
export function parseHybridUri(uri: string, field = 'uri'): HybridUri {
  const m = URI_RE.exec(uri);
  if (!m) throw new ValidationError(`${field} must look like hybrid://<name>@<node-uuid>?hybridization=…&key_sources=…, got '${uri}'`);
  const name = decode(m[1], `${field} name`);
  const nodeUuid = m[2].toLowerCase();
  if (!UUID_RE.test(nodeUuid)) throw new ValidationError(`${field}: node '${m[2]}' is not a UUID`);
  const params = new URLSearchParams(m[3] ?? '');
  for (const key of params.keys()) {
    if (key !== 'hybridization' && key !== 'key_sources') {
      throw new ValidationError(`${field}: unknown parameter '${key}' (hybridization, key_sources)`);
    }
  }
  const hyb = params.get('hybridization') ?? DEFAULT_COMBINER;
  if (!(COMBINER_NAMES as readonly string[]).includes(hyb)) {
    throw new ValidationError(`${field}: hybridization must be one of ${COMBINER_NAMES.join(', ')}, got '${hyb}'`);
  }
  const list = params.get('key_sources');
  if (!list) throw new ValidationError(`${field}: key_sources is required (e.g. key_sources=ML-KEM-512,QKD)`);
  const keySources = list.split(',').map((s) => s.trim().toUpperCase());
  for (const s of keySources) {
    if (!KNOWN_SOURCES.includes(s)) throw new ValidationError(`${field}: unknown key source '${s}' (${KNOWN_SOURCES.join(', ')})`);
  }
  if (new Set(keySources).size !== keySources.length) throw new ValidationError(`${field}: key_sources lists a source twice`);
  return { name, nodeUuid, hybridization: hyb as CombinerName, keySources };
}

/** Render a hybrid URI (inverse of `parseHybridUri`). */
export function formatHybridUri(u: HybridUri): string {
  return `hybrid://${encodeURIComponent(u.name)}@${u.nodeUuid}?hybridization=${u.hybridization}&key_sources=${u.keySources.join(',')}`;
}

function decode(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ValidationError(`${what} has a malformed escape: '${s}'`);
  }
}
