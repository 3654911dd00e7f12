/**
 * Onboarding view of an OSM VNF package folder (design/MANO-NOTES.md §1.4): the package rules of
 * package-reader.ts and the ETSI GS NFV-SOL 006 VNFD rules of vnfd.ts, all problems in one list.
 */
import { join } from 'node:path';
import { ValidationError, type Problem } from '../common/index.js';
import { inspectOsmPackage, type OsmPackage } from './package-reader.js';
import type { Vnfd } from './vnfd-model.js';
import { checkVnfdText } from './vnfd.js';

/** Read and validate a VNF package; every problem, package and descriptor, in one list. */
export function checkVnfPackage(dir: string): { pkg?: OsmPackage; vnfd?: Vnfd; problems: Problem[] } {
  const { pkg, problems } = inspectOsmPackage(dir);
  if (!pkg) return { problems };
  const checked = checkVnfdText(pkg.text, join(pkg.dir, pkg.descriptorFile));
  const all = [...problems, ...checked.problems];
  return all.length > 0 ? { pkg, problems: all } : { pkg, vnfd: checked.vnfd, problems: [] };
}

/** Read and validate a VNF package; throws ValidationError listing every problem. */
export function loadVnfPackage(dir: string): { pkg: OsmPackage; vnfd: Vnfd } {
  const { pkg, vnfd, problems } = checkVnfPackage(dir);
  if (!pkg || !vnfd) throw new ValidationError(`VNF package ${dir} is invalid`, problems);
  return { pkg, vnfd };
}
