/**
 * One entry point for every package source (design/MANO-NOTES.md §1.4, ETSI GS NFV-SOL 004 §4):
 * a path (an OSM package folder, or a file) or a buffer (an HTTP upload). Files and buffers are
 * told apart by their first bytes, not their names: gzip → OSM `.tar.gz`, `ustar` → plain tar,
 * `PK` → SOL004 CSAR zip; anything else that is text is taken as a single descriptor (OSM's NBI
 * also accepts a bare YAML upload). Archives are unpacked into memory under size limits
 * (package-limits.ts); nothing is written to disk. The result carries the descriptor text; the
 * descriptor is validated by the caller (nsd/ `loadPackage`, which knows both kinds).
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, normalize } from 'node:path';
import type { Problem } from '../common/index.js';
import { archiveTree } from './archive-entries.js';
import { inspectCsarTree, type CsarInfo } from './csar-package.js';
import { foundDescriptor, inspectOsmTree, isDescriptorName, packageFileProblems, type FoundDescriptor } from './osm-package.js';
import { folderTree } from './package-folder.js';
import { packageLimits, mib, type PackageLimits } from './package-limits.js';
import { memoryTree, treeFileName, treeFiles, type PackageTree } from './package-tree.js';
import { readTarEntries } from './tar-archive.js';
import { readZipEntries } from './zip-archive.js';
import type { LoadedYaml } from './yaml-source.js';

/** How a package came. */
export type PackageFormat = 'folder' | 'tar.gz' | 'tar' | 'csar' | 'descriptor';

/** Options of readPackage / loadPackage. */
export interface ReadPackageOptions {
  /** File name of an uploaded buffer (names it in problems; default `upload`). */
  name?: string;
  /** Size limits; unset ones take the defaults of constants.ts. */
  limits?: Partial<PackageLimits>;
}

/** A package read from its source, before its descriptor is validated. */
export interface PackageRead {
  /** Undefined when the source is not a package at all. */
  format?: PackageFormat;
  /** Package name (OSM folder name, archive top folder, CSAR file name without extension). */
  name: string;
  /** Every file and link of the package, POSIX paths from the package root, sorted. */
  files: string[];
  /** Path of the descriptor (entry definitions) inside the package. */
  descriptorFile?: string;
  /** The descriptor's text, byte for byte. */
  descriptorText?: string;
  /** The descriptor text loaded as YAML (parsed once: the caller validates this, not the text again). */
  descriptorYaml?: LoadedYaml;
  /** How the descriptor is named in problems (`<source>/<top>/<file>`). */
  descriptorName?: string;
  /** SOL004 metadata of a CSAR. */
  csar?: CsarInfo;
  /** The files, for reading artifacts later. */
  tree?: PackageTree;
  /** Package-level problems (layout, archive safety, checksums, manifest, missing artifacts). */
  problems: Problem[];
}

const GZIP = [0x1f, 0x8b];
const ZIP = [0x50, 0x4b];

/** Read a package from a path or an uploaded buffer; never throws for bad content. */
export async function readPackage(source: string | Uint8Array, options: ReadPackageOptions = {}): Promise<PackageRead> {
  const limits = packageLimits(options.limits);
  if (typeof source !== 'string') {
    const name = options.name ?? 'upload';
    return fromBytes(Buffer.from(source.buffer, source.byteOffset, source.byteLength), name, limits);
  }
  const given = normalize(source).replace(/[\\/]+$/, '') || source;
  let size: number;
  let isDir: boolean;
  try {
    const st = statSync(source);
    size = st.size;
    isDir = st.isDirectory();
  } catch {
    return notAPackage(given, 'no such file or folder');
  }
  if (isDir) {
    const problems: Problem[] = [];
    const tree = folderTree(source, limits.maxEntries, problems, given);
    const { found, problems: layout } = inspectOsmTree(tree, 'package folder');
    return result('folder', tree, found, undefined, [...problems, ...layout]);
  }
  if (size > limits.maxArchiveBytes) {
    return { name: basename(given), files: [], problems: [{ path: '(archive)', message: `the file is ${mib(size)}, more than the ${mib(limits.maxArchiveBytes)} limit`, file: given }] };
  }
  return fromBytes(readFileSync(source), given, limits);
}

/** Sniff and read an archive or single descriptor held in memory; `display` names it in problems. */
async function fromBytes(bytes: Buffer, display: string, limits: PackageLimits): Promise<PackageRead> {
  const problems: Problem[] = [];
  const starts = (magic: number[]): boolean => magic.every((b, i) => bytes[i] === b);
  const ustar = bytes.length > 262 && bytes.toString('latin1', 257, 262) === 'ustar';
  if (starts(GZIP) || ustar) {
    const format = starts(GZIP) ? 'tar.gz' : 'tar';
    const entries = readTarEntries(bytes, format === 'tar.gz', limits, display, problems);
    const tree = entries && archiveTree(entries, { kind: 'tar.gz', source: display, zipName: '' }, problems);
    if (!tree) return { format, name: stem(display), files: [], problems };
    const { found, problems: layout } = inspectOsmTree(tree, 'package descriptor tar.gz');
    return result(format, tree, found, undefined, [...problems, ...layout]);
  }
  if (starts(ZIP)) {
    const entries = await readZipEntries(bytes, limits, display, problems);
    const tree = entries && archiveTree(entries, { kind: 'zip', source: display, zipName: stem(display) }, problems);
    if (!tree) return { format: 'csar', name: stem(display), files: [], problems };
    const { found, csar, problems: layout } = inspectCsarTree(tree);
    return result('csar', tree, found, csar, [...problems, ...layout]);
  }
  if (/\.(tar\.gz|tgz|tar|zip|csar)$/i.test(display)) return notAPackage(display, 'its name says archive but it is neither a gzip/tar nor a zip file');
  const text = bytes.toString('utf8');
  if (!isDescriptorName(display) && (bytes.includes(0) || text.includes('\uFFFD'))) {
    return notAPackage(display, 'expected an OSM package folder, a .tar.gz, a SOL004 CSAR (.zip, .csar) or a descriptor (.yaml, .yml, .json)');
  }
  // A single descriptor: a package of one file (its name kept, so that problems name it).
  const file = basename(display);
  const tree = memoryTree(stem(display), display.slice(0, Math.max(0, display.length - file.length - 1)), new Map([[file, { node: { type: 'file', size: bytes.length }, data: bytes }]]));
  const found = foundDescriptor(tree, file, text);
  return result('descriptor', tree, found, undefined, packageFileProblems(tree, found));
}

function result(format: PackageFormat, tree: PackageTree, found: FoundDescriptor | undefined, csar: CsarInfo | undefined, problems: Problem[]): PackageRead {
  return {
    format,
    name: tree.name,
    files: treeFiles(tree),
    ...(found ? { descriptorFile: found.descriptorFile, descriptorText: found.text, descriptorName: treeFileName(tree, found.descriptorFile), descriptorYaml: found.yaml } : {}),
    ...(csar ? { csar } : {}),
    tree,
    problems,
  };
}

function notAPackage(display: string, why: string): PackageRead {
  return { name: stem(display), files: [], problems: [{ path: '(package)', message: `not a package: ${why}`, file: display }] };
}

/** A file name without its directory and archive/descriptor extension. */
function stem(display: string): string {
  return basename(display).replace(/\.(tar\.gz|tgz|tar|zip|csar|ya?ml|json)$/i, '');
}
