/**
 * The OSM package layout (design/MANO-NOTES.md §1.4; OSM NBI `osm_nbi/descriptor_topics.py`) on a
 * PackageTree, for a folder and a `.tar.gz` alike: exactly one descriptor (`.yaml`, `.yml`,
 * `.json`) at the top of the package folder ("Found more than one descriptor file at package
 * folder" / "… at package descriptor tar.gz", as OSM words it); `checksums.txt`, when present,
 * verified (checksums.ts); the files a VNFD names present (artifacts.ts). The descriptor itself
 * is validated by parseVnfd / parseNsd.
 */
import type { Problem } from '../common/index.js';
import { missingArtifacts } from './artifacts.js';
import { checkChecksumsFile } from './checksums.js';
import { DESCRIPTOR_EXTENSIONS } from './constants.js';
import { isTreeFile, readTreeFile, treeFileName, type PackageTree } from './package-tree.js';
import { loadYaml, type LoadedYaml } from './yaml-source.js';

/** The descriptor found in a package, and where it is. */
export interface FoundDescriptor {
  /** Path inside the package. */
  descriptorFile: string;
  /** Its text, byte for byte (UTF-8). */
  text: string;
  /** The text loaded as YAML, once for every check that reads it (and for the caller's validation). */
  yaml: LoadedYaml;
}

/** The descriptor at `descriptorFile` of the tree, loaded. */
export function foundDescriptor(tree: PackageTree, descriptorFile: string, text: string, yaml?: LoadedYaml): FoundDescriptor {
  return { descriptorFile, text, yaml: yaml ?? loadYaml(text, treeFileName(tree, descriptorFile)) };
}

/** Check an OSM package tree; `where` words OSM's message ("package folder", "package descriptor tar.gz"). */
export function inspectOsmTree(tree: PackageTree, where: string): { found?: FoundDescriptor; problems: Problem[] } {
  const top = [...tree.nodes.keys()].filter((p) => !p.includes('/') && isDescriptorName(p) && isTreeFile(tree, p)).sort();
  if (top.length !== 1) {
    const message =
      top.length === 0
        ? `Not found any descriptor file at ${where} (expected one ${DESCRIPTOR_EXTENSIONS.join(', ')} file at its top)`
        : `Found more than one descriptor file at ${where}: ${top.join(', ')}`;
    return { problems: [{ path: '(package)', message, file: tree.base }] };
  }
  const found = foundDescriptor(tree, top[0], (readTreeFile(tree, top[0]) as Buffer).toString('utf8')); // a file: checked above
  return { found, problems: packageFileProblems(tree, found) };
}

/** Problems of the files around a descriptor: checksums.txt and the files the descriptor names. */
export function packageFileProblems(tree: PackageTree, found: FoundDescriptor): Problem[] {
  return [...checkChecksumsFile(tree), ...missingArtifacts(tree, found.text, treeFileName(tree, found.descriptorFile), found.yaml)];
}

/** Whether a file name has a descriptor extension. */
export function isDescriptorName(path: string): boolean {
  const lower = path.toLowerCase();
  return DESCRIPTOR_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
