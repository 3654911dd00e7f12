/**
 * Descriptor model, VNF side: ETSI GS NFV-SOL 006 VNFDs as OSM writes them (parse, JSON Schema,
 * semantic checks, typed view), the OSM package-folder reader shared with `nsd/`, and the
 * product's own VNF package. The shared plumbing (YAML line index, problem list, schema
 * validation, reference helpers) is exported for `nsd/`, which imports only this file.
 */
export type * from './vnfd-model.js';
export { parseVnfd, validateVnfd, checkVnfdText } from './vnfd.js';
export { readOsmPackage, inspectOsmPackage, type OsmPackage } from './package-reader.js';
export { checkVnfPackage, loadVnfPackage } from './vnf-package.js';
export { referencedArtifacts, type ArtifactRef } from './artifacts.js';
export { parseChecksums, verifyChecksums, md5File, type ChecksumEntry } from './checksums.js';
export { descriptorKind, preSol006Message, findDescriptorRoot, type DescriptorKind } from './descriptor-kind.js';
export { projectRoot, bundledVnfPackagePath } from './project-root.js';
export * as constants from './constants.js';

// Shared plumbing for nsd/.
export { loadYaml, formatPath, lineOf, type PathSegment, type YamlPosition, type YamlSource } from './yaml-source.js';
export { ProblemList, type ProblemContext } from './problem-list.js';
export { compileSchema, addSchemaProblems, describeValue } from './schema-validator.js';
export * from './schema-fragments.js';
export { checkUniqueKeys, checkUniqueValues, keySet, listIds } from './reference-checks.js';
export * from './tree.js';
export { versionText, defined, type DescriptorOrigin } from './vnfd-view.js';
