/**
 * Onboarding view of OSM package folders (design/MANO-NOTES.md §1.4) on the NS side: an NS
 * package (package rules + ETSI GS NFV-SOL 006 NSD rules, one problem list), and any package
 * whose kind is told by its descriptor's top-level key (`vnfd:` or `nsd:`; a pre-SOL006 catalog is
 * reported by the matching parser).
 */
import { join } from 'node:path';
import { ValidationError, type Problem } from '../common/index.js';
import { checkVnfdText, descriptorKind, inspectOsmPackage, loadYaml, type OsmPackage, type Vnfd } from '../vnfd/index.js';
import type { Nsd } from './nsd-model.js';
import { checkNsdText } from './nsd.js';

/** Read and validate an NS package; every problem, package and descriptor, in one list. */
export function checkNsPackage(dir: string): { pkg?: OsmPackage; nsd?: Nsd; problems: Problem[] } {
  const { pkg, problems } = inspectOsmPackage(dir);
  if (!pkg) return { problems };
  const checked = checkNsdText(pkg.text, join(pkg.dir, pkg.descriptorFile));
  const all = [...problems, ...checked.problems];
  return all.length > 0 ? { pkg, problems: all } : { pkg, nsd: checked.nsd, problems: [] };
}

/** Read and validate an NS package; throws ValidationError listing every problem. */
export function loadNsPackage(dir: string): { pkg: OsmPackage; nsd: Nsd } {
  const { pkg, nsd, problems } = checkNsPackage(dir);
  if (!pkg || !nsd) throw new ValidationError(`NS package ${dir} is invalid`, problems);
  return { pkg, nsd };
}

/** A VNF or NS package, validated. */
export type DescriptorPackage = { kind: 'vnf'; pkg: OsmPackage; vnfd: Vnfd } | { kind: 'ns'; pkg: OsmPackage; nsd: Nsd };

/** Read and validate a package of either kind, told by its descriptor; every problem in one list. */
export function checkDescriptorPackage(dir: string): { result?: DescriptorPackage; problems: Problem[] } {
  const { pkg, problems } = inspectOsmPackage(dir);
  if (!pkg) return { problems };
  const file = join(pkg.dir, pkg.descriptorFile);
  const kind = descriptorKind(loadYaml(pkg.text, file).source?.value)?.kind;
  if (kind === 'nsd' || kind === 'pre-sol006-nsd') {
    const { nsd, problems: found } = checkNsdText(pkg.text, file);
    const all = [...problems, ...found];
    return nsd && all.length === 0 ? { result: { kind: 'ns', pkg, nsd }, problems: [] } : { problems: all };
  }
  const { vnfd, problems: found } = checkVnfdText(pkg.text, file);
  const all = [...problems, ...found];
  return vnfd && all.length === 0 ? { result: { kind: 'vnf', pkg, vnfd }, problems: [] } : { problems: all };
}

/** Read and validate a package of either kind; throws ValidationError listing every problem. */
export function loadDescriptorPackage(dir: string): DescriptorPackage {
  const { result, problems } = checkDescriptorPackage(dir);
  if (!result) throw new ValidationError(`package ${dir} is invalid`, problems);
  return result;
}
