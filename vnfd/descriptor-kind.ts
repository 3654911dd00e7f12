/**
 * Which descriptor a document holds, from its top-level key: a SOL006 VNFD (`vnfd:` or the
 * RFC 7951 module-qualified `etsi-nfv-vnfd:vnfd:`), a SOL006 NSD (`nsd:` / `etsi-nfv-nsd:nsd:`),
 * or a pre-SOL006 OSM IM catalog (`vnfd-catalog`, `vnfd:vnfd-catalog`, `nsd-catalog`,
 * `nsd:nsd-catalog`: OSM Release 8 and earlier), which OSM's NBI (Release 9+) refuses with
 * "Unsupported descriptor format" and which `osm package-translate` converts.
 */
import {
  NSD_ROOT_KEYS,
  OSM_UNSUPPORTED_FORMAT,
  PRE_SOL006_NSD_KEYS,
  PRE_SOL006_VNFD_KEYS,
  VNFD_ROOT_KEYS,
} from './constants.js';
import type { ProblemList } from './problem-list.js';
import { has, isObj } from './tree.js';

/** What a document's top-level key says it is. */
export type DescriptorKind = 'vnfd' | 'nsd' | 'pre-sol006-vnfd' | 'pre-sol006-nsd';

/** The descriptor kind and the top-level key that says so, or undefined when none matches. */
export function descriptorKind(doc: unknown): { kind: DescriptorKind; key: string } | undefined {
  if (!isObj(doc)) return undefined;
  const table: [DescriptorKind, readonly string[]][] = [
    ['pre-sol006-vnfd', PRE_SOL006_VNFD_KEYS],
    ['pre-sol006-nsd', PRE_SOL006_NSD_KEYS],
    ['vnfd', VNFD_ROOT_KEYS],
    ['nsd', NSD_ROOT_KEYS],
  ];
  for (const [kind, keys] of table) {
    const key = keys.find((k) => has(doc, k));
    if (key) return { kind, key };
  }
  return undefined;
}

/** OSM's message for a pre-SOL006 descriptor, plus what it is and how to convert it. */
export function preSol006Message(key: string): string {
  return (
    `${OSM_UNSUPPORTED_FORMAT} Top-level '${key}' is the pre-SOL006 OSM information model (OSM Release 8 and earlier); ` +
    `convert the package with 'osm package-translate <package-folder>' (osmclient, OSM Release 9 or later) and onboard the result`
  );
}

/**
 * Find the descriptor object under its top-level key, or report why there is none: not a
 * mapping, a pre-SOL006 catalog, the other descriptor kind, or no known key.
 */
export function findDescriptorRoot(doc: unknown, expected: 'vnfd' | 'nsd', out: ProblemList): { key: string; value: unknown } | undefined {
  const noun = expected === 'vnfd' ? 'a VNFD' : 'an NSD';
  if (!isObj(doc)) {
    out.add([], `${noun} document must be a mapping with a top-level '${expected}' (found ${Array.isArray(doc) ? 'a list' : typeof doc})`);
    return undefined;
  }
  const found = descriptorKind(doc);
  if (found?.kind === 'pre-sol006-vnfd' || found?.kind === 'pre-sol006-nsd') {
    out.add([found.key], preSol006Message(found.key));
    return undefined;
  }
  if (found?.kind === expected) return { key: found.key, value: doc[found.key] };
  if (found) {
    out.add([found.key], `expected ${noun} (top-level '${expected}') but this document is ${found.kind === 'vnfd' ? 'a VNFD' : 'an NSD'}`);
    return undefined;
  }
  const keys = Object.keys(doc);
  out.add([expected], `'${expected}' is a mandatory field and it is not defined (top-level keys: ${keys.length ? keys.join(', ') : 'none'})`);
  return undefined;
}
