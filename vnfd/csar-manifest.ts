/**
 * The manifest (`.mf`) of a SOL004 CSAR (ETSI GS NFV-SOL 004 §4.3.2; SOL007 for NSD archives):
 * 1. a `metadata:` block — VNF: `vnf_provider_id`, `vnf_product_name`, `vnf_release_date_time`
 *    (RFC 3339), `vnf_package_version`; NS: `nsd_designer`, `nsd_invariant_id`, `nsd_name`,
 *    `nsd_release_date_time`, `nsd_file_structure_version`. osmclient's `package-build` writes the
 *    same lines without the `metadata:` header; that is accepted too;
 * 2. one block per artifact: `Source:` (a package path or a URI), then `Algorithm:` and `Hash:`
 *    (optional together: SOL004 allows a package signed as a whole instead), optionally
 *    `Signature:` / `Certificate:`;
 * 3. optionally `non_mano_artifact_sets:` (indented `Source:` lines) and a CMS signature block.
 * Hashes (SHA-256/384/512) of package files are verified; URIs are not fetched (no network),
 * the CMS signature is not verified, and an entry for the manifest itself (osmclient writes one,
 * hashed while the file was being written) is skipped. Every problem names the .mf and its line.
 */
import { createHash } from 'node:crypto';
import type { Problem } from '../common/index.js';
import { MANIFEST_ALGORITHMS, NS_MANIFEST_KEYS, VNF_MANIFEST_KEYS } from './constants.js';
import type { MetaEntry } from './tosca-meta.js';
import { readTreeFile, type PackageTree } from './package-tree.js';

/** A line's value and where it is. */
export interface ManifestValue {
  value: string;
  line: number;
}

/** One artifact block. */
export interface ManifestArtifact {
  source: ManifestValue;
  algorithm?: ManifestValue;
  hash?: ManifestValue;
}

/** A parsed manifest. */
export interface CsarManifest {
  /** `metadata` entries by key. */
  metadata: Map<string, MetaEntry>;
  /** Which package the metadata describes (from its keys). */
  kind?: 'vnf' | 'ns';
  artifacts: ManifestArtifact[];
  /** `Source:` lines of `non_mano_artifact_sets`. */
  nonManoSources: ManifestValue[];
  /** Whether a CMS signature block is present (not verified). */
  signed: boolean;
}

type State = 'start' | 'metadata' | 'artifact' | 'orphan' | 'non-mano' | 'cms' | 'between';

const KEY_VALUE = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*:\s*(.*?)\s*$/;
const RFC3339 = /^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})$/;

/** Parse a manifest; structural problems come back with `file` and line. */
export function parseManifest(text: string, file: string): { manifest: CsarManifest; problems: Problem[] } {
  const problems: Problem[] = [];
  const manifest: CsarManifest = { metadata: new Map(), artifacts: [], nonManoSources: [], signed: false };
  const at = (path: string, message: string, line: number): void => {
    problems.push({ path, message, file, line });
  };
  let state: State = 'start';
  let current: ManifestArtifact | undefined;
  let metadataLine = 1;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (state === 'cms') {
      if (trimmed === '-----END CMS-----') state = 'between';
      return;
    }
    if (trimmed === '') {
      if (state !== 'start') state = 'between';
      current = undefined;
      return;
    }
    if (trimmed === '-----BEGIN CMS-----') {
      manifest.signed = true;
      state = 'cms';
      return;
    }
    const kv = KEY_VALUE.exec(raw);
    if (!kv) return at('(manifest)', `unrecognised line '${trimmed.length > 60 ? `${trimmed.slice(0, 60)}…` : trimmed}'`, line);
    const [, key, value] = kv;
    const indented = /^\s/.test(raw);
    if (!indented && key === 'metadata' && value === '') {
      state = 'metadata';
      metadataLine = line;
      return;
    }
    if (!indented && key === 'non_mano_artifact_sets' && value === '') {
      state = 'non-mano';
      return;
    }
    if (state === 'non-mano' && indented) {
      if (key === 'Source') manifest.nonManoSources.push({ value, line });
      return;
    }
    if (key === 'Source') {
      current = { source: { value, line } };
      manifest.artifacts.push(current);
      state = 'artifact';
      return;
    }
    if (key === 'Algorithm' || key === 'Hash' || key === 'Signature' || key === 'Certificate') {
      if (!current) {
        // One problem per block without Source, at its first line.
        if (state !== 'orphan') at('(manifest)', `'${key}:' without a 'Source:' line above it; each artifact block starts with Source`, line);
        state = 'orphan';
        return;
      }
      if (key === 'Signature' || key === 'Certificate') return;
      const field = key === 'Algorithm' ? 'algorithm' : 'hash';
      if (current[field]) return at(current.source.value, `'${key}:' given twice for this Source`, line);
      current[field] = { value, line };
      return;
    }
    if (state === 'metadata' || state === 'start') {
      // `start`: osmclient writes the metadata lines without the `metadata:` header.
      if (state === 'start') metadataLine = line;
      state = 'metadata';
      if (manifest.metadata.has(key)) return at(`metadata.${key}`, `'${key}' is given twice`, line);
      manifest.metadata.set(key, { key, value, line });
      return;
    }
    at('(manifest)', `unrecognised line '${trimmed}' (a manifest holds a metadata block, Source/Algorithm/Hash blocks, non_mano_artifact_sets and a CMS signature)`, line);
  });
  checkMetadata(manifest, metadataLine, at);
  for (const a of manifest.artifacts) {
    if (a.source.value === '') at('(manifest)', "'Source:' has no value", a.source.line);
    if (a.hash && !a.algorithm) at(a.source.value, "'Hash:' without 'Algorithm:'", a.hash.line);
    if (a.algorithm && !a.hash) at(a.source.value, "'Algorithm:' without 'Hash:'", a.algorithm.line);
  }
  return { manifest, problems };
}

/** The metadata names one kind of package and has its mandatory keys. */
function checkMetadata(manifest: CsarManifest, line: number, at: (path: string, message: string, line: number) => void): void {
  const keys = [...manifest.metadata.keys()];
  const vnf = keys.some((k) => (VNF_MANIFEST_KEYS as readonly string[]).includes(k));
  const ns = keys.some((k) => (NS_MANIFEST_KEYS as readonly string[]).includes(k));
  if (vnf === ns) {
    const why = vnf ? 'it mixes vnf_* and nsd_* keys' : 'it has neither';
    at('metadata', `the manifest metadata must describe a VNF package (${VNF_MANIFEST_KEYS.join(', ')}) or an NS package (${NS_MANIFEST_KEYS.join(', ')}); ${why}`, line);
    return;
  }
  manifest.kind = vnf ? 'vnf' : 'ns';
  for (const key of vnf ? VNF_MANIFEST_KEYS : NS_MANIFEST_KEYS) {
    const entry = manifest.metadata.get(key);
    if (!entry) at(`metadata.${key}`, `'${key}' is a mandatory field of the manifest metadata and it is not defined`, line);
    else if (entry.value === '') at(`metadata.${key}`, `'${key}' has no value`, entry.line);
    else if (key.endsWith('_release_date_time') && !RFC3339.test(entry.value.replace(/^['"]|['"]$/g, ''))) {
      at(`metadata.${key}`, `must be a date and time as in RFC 3339, e.g. 2017-01-01T10:00+03:00 (found '${entry.value}')`, entry.line);
    }
  }
}

/** Verify the manifest's artifacts against the package: files present, algorithms known, hashes equal. */
export function verifyManifest(tree: PackageTree, manifest: CsarManifest, manifestPath: string, file: string): Problem[] {
  const problems: Problem[] = [];
  const at = (path: string, message: string, line: number): void => {
    problems.push({ path, message, file, line });
  };
  for (const a of manifest.artifacts) {
    const source = a.source.value;
    if (source === '' || /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(source)) continue; // external artifact: not fetched
    const path = insidePath(source);
    if (path === undefined) {
      at(source, 'Source must be a path inside the package (no absolute path, no ..) or a URI', a.source.line);
      continue;
    }
    if (path === manifestPath) continue; // the manifest cannot hold its own hash
    const data = readTreeFile(tree, path);
    if (data === undefined) {
      at(source, `Source '${source}' is not a file of the package`, a.source.line);
      continue;
    }
    if (!a.algorithm || !a.hash) continue;
    const name = a.algorithm.value.toUpperCase();
    const algorithm = MANIFEST_ALGORITHMS[name];
    if (!algorithm) {
      at(source, `unsupported algorithm '${a.algorithm.value}': qnfv verifies ${Object.keys(MANIFEST_ALGORITHMS).join(', ')}`, a.algorithm.line);
      continue;
    }
    const listed = a.hash.value.toLowerCase();
    if (!new RegExp(`^[0-9a-f]{${algorithm.hexLength}}$`).test(listed)) {
      at(source, `malformed ${name} hash: expected ${algorithm.hexLength} hexadecimal digits (found '${a.hash.value.slice(0, 20)}${a.hash.value.length > 20 ? '…' : ''}')`, a.hash.line);
      continue;
    }
    const actual = createHash(algorithm.hash).update(data).digest('hex');
    if (actual !== listed) at(source, `${name} hash mismatch: the manifest lists ${listed}, the file's hash is ${actual}`, a.hash.line);
  }
  for (const s of manifest.nonManoSources) {
    const path = insidePath(s.value);
    if (path === undefined || readTreeFile(tree, path) === undefined) at(s.value, `non-MANO artifact Source '${s.value}' is not a file of the package`, s.line);
  }
  return problems;
}

/** A package path from a manifest or TOSCA.meta reference (`./` dropped); undefined when it leaves the package. */
export function insidePath(ref: string): string | undefined {
  const path = ref.replace(/^(\.\/)+/, '');
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.split('/').includes('..')) return undefined;
  return path;
}
