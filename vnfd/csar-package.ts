/**
 * The SOL004 CSAR layout (ETSI GS NFV-SOL 004 §4.1; SOL007 for NSDs) on a PackageTree:
 * 1. with `TOSCA-Metadata/TOSCA.meta` (tosca-meta.ts): the entry definitions and the manifest are
 *    the files its `Entry-Definitions` and `ETSI-Entry-Manifest` name; the other `ETSI-Entry-*`
 *    keys must name files or folders of the package;
 * 2. without it: exactly one YAML file at the root is the entry definitions, and the manifest is
 *    the `.mf` of the same name next to it;
 * 3. the manifest is parsed and its hashes verified (csar-manifest.ts); its metadata must
 *    describe the same kind of package as the descriptor;
 * 4. the entry definitions must be an ETSI SOL006 descriptor as OSM writes it (what qnfv parses);
 *    a SOL001 TOSCA service template is refused as not supported yet;
 * 5. the OSM rules that still apply: `checksums.txt` if any, files the VNFD names (OSM's SOL004
 *    layout `Scripts/cloud_init/`, `Scripts/charms/`).
 */
import type { Problem } from '../common/index.js';
import { TOSCA_DEFINITIONS_KEY, TOSCA_META_ENTRY_KEYS, TOSCA_META_FILE } from './constants.js';
import { insidePath, parseManifest, verifyManifest, type CsarManifest } from './csar-manifest.js';
import { descriptorKind } from './descriptor-kind.js';
import { foundDescriptor, packageFileProblems, type FoundDescriptor } from './osm-package.js';
import { isTreeFile, readTreeFile, treeFileName, treeHas, type PackageTree } from './package-tree.js';
import { parseToscaMeta, type ToscaMeta } from './tosca-meta.js';
import { has, isObj } from './tree.js';
import { lineOf, loadYaml } from './yaml-source.js';

/** What the CSAR's metadata says. */
export interface CsarInfo {
  /** TOSCA.meta block_0 (key → value), absent for a CSAR without TOSCA-Metadata. */
  toscaMeta?: Record<string, string>;
  /** Path of the entry definitions. */
  entryDefinitions: string;
  /** Path of the manifest, when there is one. */
  manifestFile?: string;
  /** The manifest's metadata (key → value). */
  manifestMetadata?: Record<string, string>;
  /** Whether the manifest carries a CMS signature (not verified). */
  signed: boolean;
}

/** Check a CSAR tree; the descriptor is returned when the entry definitions could be read. */
export function inspectCsarTree(tree: PackageTree): { found?: FoundDescriptor; csar?: CsarInfo; problems: Problem[] } {
  const problems: Problem[] = [];
  const located = isTreeFile(tree, TOSCA_META_FILE) ? fromToscaMeta(tree, problems) : withoutToscaMeta(tree, problems);
  if (!located) return { problems };
  const { entry, manifestFile, meta } = located;

  // Manifest.
  let manifest: CsarManifest | undefined;
  if (manifestFile !== undefined) {
    const file = treeFileName(tree, manifestFile);
    const parsed = parseManifest((readTreeFile(tree, manifestFile) as Buffer).toString('utf8'), file); // a file: checked when located
    manifest = parsed.manifest;
    problems.push(...parsed.problems, ...verifyManifest(tree, manifest, manifestFile, file));
  }
  const csar: CsarInfo = {
    ...(meta ? { toscaMeta: Object.fromEntries([...meta.block0].map(([k, e]) => [k, e.value])) } : {}),
    entryDefinitions: entry,
    ...(manifestFile !== undefined ? { manifestFile } : {}),
    ...(manifest ? { manifestMetadata: Object.fromEntries([...manifest.metadata].map(([k, e]) => [k, e.value])) } : {}),
    signed: manifest?.signed ?? false,
  };

  // Entry definitions: SOL006 YAML, of the kind the manifest says.
  const text = (readTreeFile(tree, entry) as Buffer).toString('utf8'); // a file: checked when located
  const entryFile = treeFileName(tree, entry);
  const yaml = loadYaml(text, entryFile);
  const { source } = yaml;
  if (source && isObj(source.value) && has(source.value, TOSCA_DEFINITIONS_KEY)) {
    problems.push({
      path: TOSCA_DEFINITIONS_KEY,
      message: 'SOL001 TOSCA descriptors are not supported yet: the entry definitions must be an ETSI SOL006 VNFD or NSD as OSM writes it (top-level vnfd: or nsd:)',
      file: entryFile,
      line: lineOf(source.positions, [TOSCA_DEFINITIONS_KEY]) ?? 1,
    });
    return { csar, problems };
  }
  const kind = descriptorKind(source?.value)?.kind;
  const descriptorPackage = kind === 'vnfd' ? 'vnf' : kind === 'nsd' ? 'ns' : undefined;
  if (manifest?.kind && descriptorPackage && manifest.kind !== descriptorPackage && manifestFile !== undefined) {
    const first = [...manifest.metadata.values()][0];
    problems.push({
      path: 'metadata',
      message: `the manifest describes ${manifest.kind === 'vnf' ? 'a VNF package (vnf_* keys)' : 'an NS package (nsd_* keys)'} but the entry definitions hold ${kind === 'vnfd' ? 'a VNFD' : 'an NSD'}`,
      file: treeFileName(tree, manifestFile),
      line: first?.line ?? 1,
    });
  }
  const found = foundDescriptor(tree, entry, text, yaml);
  problems.push(...packageFileProblems(tree, found));
  return { found, csar, problems };
}

interface Located {
  entry: string;
  manifestFile?: string;
  meta?: ToscaMeta;
}

/** Variant 1: TOSCA-Metadata/TOSCA.meta names the entry definitions and the manifest. */
function fromToscaMeta(tree: PackageTree, problems: Problem[]): Located | undefined {
  const file = treeFileName(tree, TOSCA_META_FILE);
  const { meta, problems: metaProblems } = parseToscaMeta((readTreeFile(tree, TOSCA_META_FILE) as Buffer).toString('utf8'), file);
  problems.push(...metaProblems);
  const named = (key: string, kind: 'file' | 'any'): string | undefined => {
    const entry = meta.block0.get(key);
    if (!entry || entry.value === '') return undefined; // reported by parseToscaMeta when mandatory
    const path = insidePath(entry.value);
    const ok = path !== undefined && (kind === 'file' ? isTreeFile(tree, path) : treeHas(tree, path));
    if (!ok) {
      const why = path === undefined ? 'a path inside the package (no absolute path, no ..)' : `a ${kind === 'file' ? 'file' : 'file or folder'} of the package`;
      problems.push({ path: key, message: `'${entry.value}' is not ${why}`, file, line: entry.line });
      return undefined;
    }
    return path;
  };
  const entry = named('Entry-Definitions', 'file');
  const manifestFile = named('ETSI-Entry-Manifest', 'file');
  const manifestEntry = meta.block0.get('ETSI-Entry-Manifest');
  if (manifestFile !== undefined && !manifestFile.toLowerCase().endsWith('.mf') && manifestEntry) {
    problems.push({ path: 'ETSI-Entry-Manifest', message: `'${manifestEntry.value}' must be a manifest file with the .mf extension`, file, line: manifestEntry.line });
  }
  for (const key of TOSCA_META_ENTRY_KEYS) named(key, 'any');
  return entry === undefined ? undefined : { entry, ...(manifestFile !== undefined ? { manifestFile } : {}), meta };
}

/** Variant 2: one YAML file at the root, and its same-name .mf. */
function withoutToscaMeta(tree: PackageTree, problems: Problem[]): Located | undefined {
  const yamls = [...tree.nodes.keys()].filter((p) => !p.includes('/') && /\.ya?ml$/i.test(p) && isTreeFile(tree, p)).sort();
  if (yamls.length !== 1) {
    const nested = [...tree.nodes.keys()].find((p) => p.endsWith(`/${TOSCA_META_FILE}`));
    const hint = nested ? ` (found ${nested}: archive the package folder's contents, not the folder)` : '';
    const message =
      yamls.length === 0
        ? `not a SOL004 CSAR: no ${TOSCA_META_FILE} and no YAML entry definitions at the root of the archive${hint}`
        : `Found more than one descriptor file at the root of the CSAR: ${yamls.join(', ')} (without ${TOSCA_META_FILE}, the entry definitions must be the only YAML file at the root)`;
    problems.push({ path: '(package)', message, file: tree.base });
    return undefined;
  }
  const entry = yamls[0];
  const manifestFile = `${entry.replace(/\.ya?ml$/i, '')}.mf`;
  if (!isTreeFile(tree, manifestFile)) {
    problems.push({ path: '(package)', message: `a CSAR without ${TOSCA_META_FILE} must have its manifest '${manifestFile}' next to '${entry}' at the root`, file: tree.base });
    return { entry };
  }
  return { entry, manifestFile };
}
