/**
 * Descriptor model, VNF side: ETSI GS NFV-SOL 006 VNFDs as OSM writes them (parse, JSON Schema,
 * semantic checks, typed view), package reading shared with `nsd/` (OSM package folders and
 * `.tar.gz` archives, SOL004 CSAR zips, single descriptors), and the product's own VNF package.
 * The shared plumbing (YAML line index, problem list, schema validation, reference helpers) is
 * exported for `nsd/`, which imports only this file.
 *
 * Typed accessors for the NFVO and the VCA (all pure, on a validated `Vnfd`):
 * - `day12Targets(vnfd, dfId?)` → `Day12Target[]`: per target (the VNF, a VDU, a KDU) its SSH
 *   access, execution environments and primitives — `initial` (day 1, in `seq` order), `config`
 *   (day 2) and `terminate` (in `seq` order) — each with its execution environment resolved and
 *   its parameters (data type, value or default, `mandatory`, the `<name>` to substitute).
 *   `day12Target(vnfd, {vduId?, dfId?})` picks the VNF's (no vduId) or one VDU's;
 *   `findPrimitive(vnfd, name, {vduId?, dfId?, kind?})` finds one primitive (default: day 2).
 * - `resolvePrimitiveParameters(primitive, {params?, instantiationParams?})` → `{values,
 *   problems}`: the values to send, as OSM's LCM computes them (operator values, else value or
 *   default with `<rw_mgmt_ip>` / `<param>` substituted from the instantiation parameters;
 *   INTEGER as numbers, the rest as strings); problems name each missing or ill-typed parameter.
 * - `extCpdBindings(vnfd)` / `extCpdBinding(vnfd, extCpdId)` → `ExtCpdBinding`: what an ext-cpd
 *   exposes — a VDU's int-cpd (`vduId`, `intCpd`, its `interfaces` with name/position/type) or an
 *   internal virtual link (`intVirtualLinkDesc` and the VDU CPs on it) — and whether it is the
 *   `mgmt-cp`.
 */
export type * from './vnfd-model.js';
export { parseVnfd, validateVnfd, checkVnfdText, checkVnfdSource } from './vnfd.js';
export { day12Targets, day12Target, findPrimitive, resolvePrimitiveParameters, type Day12Target, type Day12Primitive, type PrimitiveKind, type PrimitiveParameterSpec } from './day12-primitives.js';
export { extCpdBindings, extCpdBinding, type ExtCpdBinding } from './ext-cpd-bindings.js';
export { readOsmPackage, inspectOsmPackage, type OsmPackage } from './package-reader.js';
export { checkVnfPackage, loadVnfPackage } from './vnf-package.js';
export { readPackage, type PackageFormat, type PackageRead, type ReadPackageOptions } from './package-source.js';
export { packageLimits, type PackageLimits } from './package-limits.js';
export { readTreeFile, treeFiles, type PackageTree, type TreeNode } from './package-tree.js';
export type { CsarInfo } from './csar-package.js';
export { parseToscaMeta, type ToscaMeta, type MetaEntry } from './tosca-meta.js';
export { parseManifest, verifyManifest, type CsarManifest, type ManifestArtifact, type ManifestValue } from './csar-manifest.js';
export { referencedArtifacts, missingArtifacts, type ArtifactRef } from './artifacts.js';
export { parseChecksums, verifyChecksums, checkChecksumsFile, md5File, type ChecksumEntry } from './checksums.js';
export { descriptorKind, preSol006Message, findDescriptorRoot, type DescriptorKind } from './descriptor-kind.js';
export { projectRoot, bundledVnfPackagePath } from './project-root.js';
export * as constants from './constants.js';

// Shared plumbing for nsd/.
export { loadYaml, formatPath, lineOf, positionAt, type LoadedYaml, type PathSegment, type YamlPosition, type YamlSource } from './yaml-source.js';
export { ProblemList, type ProblemContext } from './problem-list.js';
export { compileSchema, addSchemaProblems, describeValue } from './schema-validator.js';
export * from './schema-fragments.js';
export { checkUniqueKeys, checkUniqueValues, keySet, listIds } from './reference-checks.js';
export * from './tree.js';
export { versionText, defined, type DescriptorOrigin } from './vnfd-view.js';
