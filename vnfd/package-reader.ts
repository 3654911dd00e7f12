/**
 * Reads an OSM descriptor package folder (`<name>_vnf/`, `<name>_ns/`; design/MANO-NOTES.md §1.4)
 * synchronously, with the OSM NBI's onboarding rules (osm-package.ts): one descriptor at the top,
 * `checksums.txt` verified, the files a VNFD names present, no link leaving the package.
 * Folders only: archives (OSM `.tar.gz`, SOL004 CSAR `.zip`) and uploaded buffers are read by
 * `readPackage` (package-source.ts; asynchronous, because zips are) and `loadPackage` in nsd/.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationError, type Problem } from '../common/index.js';
import { DEFAULT_PACKAGE_LIMITS } from './constants.js';
import { inspectOsmTree } from './osm-package.js';
import { folderTree } from './package-folder.js';
import { treeFiles } from './package-tree.js';

/** An OSM package folder as read from disk. */
export interface OsmPackage {
  /** Absolute path of the package folder. */
  dir: string;
  /** Folder name (`qnfv_router_vnf`). */
  name: string;
  /** Descriptor file name, relative to `dir`. */
  descriptorFile: string;
  /** Descriptor text. */
  text: string;
  /** Every file and symbolic link in the package, POSIX paths relative to `dir`, sorted. */
  files: string[];
}

/** Read a package folder and collect every package-level problem (never throws for bad content). */
export function inspectOsmPackage(dir: string): { pkg?: OsmPackage; problems: Problem[] } {
  if (!isDirectory(dir)) {
    const archive = /\.(tar\.gz|tgz|tar|zip|csar)$/i.test(dir);
    const message = archive
      ? 'package archives (OSM .tar.gz, SOL004 .zip/.csar) are read by loadPackage() (nsd/index.ts), not by this folder reader'
      : `not a package folder: ${resolve(dir)}`;
    return { problems: [{ path: '(package)', message, file: dir }] };
  }
  const problems: Problem[] = [];
  const tree = folderTree(dir, DEFAULT_PACKAGE_LIMITS.maxEntries, problems);
  const { found, problems: layout } = inspectOsmTree(tree, 'package folder');
  problems.push(...layout);
  if (!found) return { problems };
  return { pkg: { dir: resolve(dir), name: tree.name, descriptorFile: found.descriptorFile, text: found.text, files: treeFiles(tree) }, problems };
}

/** Read a package folder; throws ValidationError listing every package-level problem. */
export function readOsmPackage(dir: string): OsmPackage {
  const { pkg, problems } = inspectOsmPackage(dir);
  if (!pkg || problems.length > 0) throw new ValidationError(`OSM package ${resolve(dir)} is invalid`, problems);
  return pkg;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
