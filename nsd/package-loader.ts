/**
 * Loads a descriptor package of either kind from any source qnfv accepts (design/MANO-NOTES.md
 * §1.4, ETSI GS NFV-SOL 004/007): an OSM package folder, an OSM `.tar.gz`, a SOL004 CSAR zip, or
 * a single descriptor, given as a path or as the bytes of an HTTP upload. Package rules are
 * vnfd/'s `readPackage`; the descriptor is then validated as a SOL006 VNFD or NSD, told by its
 * top-level key (or by `kind`, when the caller expects one). Every problem, package and
 * descriptor, comes back in one list; the typed descriptor only when there are none.
 * Not checked here: an NSD against the VNFDs it uses (that needs a catalog: checkNsdAgainstVnfds).
 */
import type { Problem } from '../common/index.js';
import {
  checkVnfdSource,
  descriptorKind,
  loadYaml,
  readPackage,
  readTreeFile,
  type CsarInfo,
  type PackageFormat,
  type ReadPackageOptions,
  type Vnfd,
} from '../vnfd/index.js';
import type { Nsd } from './nsd-model.js';
import { checkNsdSource } from './nsd.js';

/** Options of loadPackage. */
export interface LoadPackageOptions extends ReadPackageOptions {
  /** The kind the caller expects (a VNF package upload, an NSD upload); another kind is a problem. */
  kind?: 'vnf' | 'ns';
}

/** What every loaded package has, valid or not. */
interface LoadedPackageCommon {
  /** Undefined when the source is not a package at all. */
  format?: PackageFormat;
  /** Package name (OSM folder, archive top folder, CSAR file name without extension). */
  name: string;
  /** Every file and link of the package, POSIX paths from the package root, sorted. */
  files: string[];
  /** Path of the descriptor (entry definitions) inside the package. */
  descriptorFile?: string;
  /** The descriptor text byte for byte (what the catalog stores). */
  descriptorText?: string;
  /** SOL004 metadata, for a CSAR. */
  csar?: CsarInfo;
  /** Every problem; empty exactly when `descriptor` is set. */
  problems: Problem[];
  /** The bytes of a package file (links inside the package followed), e.g. for SOL005 `artifacts/{path}`. */
  readFile(path: string): Buffer | undefined;
}

/** A loaded package: `kind` says which descriptor it holds (or was expected to). */
export type LoadedPackage =
  | (LoadedPackageCommon & { kind: 'vnf'; descriptor?: Vnfd })
  | (LoadedPackageCommon & { kind: 'ns'; descriptor?: Nsd })
  | (LoadedPackageCommon & { kind?: undefined; descriptor?: undefined });

/** Load and validate a package from a path (folder, .tar.gz, .zip/.csar, .yaml) or an uploaded buffer. */
export async function loadPackage(source: string | Uint8Array, options: LoadPackageOptions = {}): Promise<LoadedPackage> {
  const read = await readPackage(source, options);
  const tree = read.tree;
  const common: LoadedPackageCommon = {
    ...(read.format ? { format: read.format } : {}),
    name: read.name,
    files: read.files,
    ...(read.descriptorFile !== undefined ? { descriptorFile: read.descriptorFile, descriptorText: read.descriptorText } : {}),
    ...(read.csar ? { csar: read.csar } : {}),
    problems: read.problems,
    readFile: (path) => (tree ? readTreeFile(tree, path) : undefined),
  };
  const text = read.descriptorText;
  const file = read.descriptorName;
  if (text === undefined) return options.kind ? { ...common, kind: options.kind } : common;

  const loaded = read.descriptorYaml ?? loadYaml(text, file);
  const found = descriptorKind(loaded.source?.value)?.kind;
  const kind = options.kind ?? (found === 'vnfd' || found === 'pre-sol006-vnfd' ? 'vnf' : found === 'nsd' || found === 'pre-sol006-nsd' ? 'ns' : undefined);
  if (kind === undefined) {
    const problems = loaded.problems.length > 0 ? loaded.problems : [{ path: '(root)', message: 'the descriptor is neither a VNFD (top-level vnfd:) nor an NSD (top-level nsd:)', ...(file ? { file } : {}), line: 1 }];
    return { ...common, problems: [...read.problems, ...problems] };
  }
  if (!loaded.source) return { ...common, kind, problems: [...read.problems, ...loaded.problems] };
  if (kind === 'vnf') {
    const checked = checkVnfdSource(loaded.source, file);
    const problems = [...read.problems, ...checked.problems];
    return problems.length === 0 && checked.vnfd ? { ...common, kind, descriptor: checked.vnfd, problems } : { ...common, kind, problems };
  }
  const checked = checkNsdSource(loaded.source, file);
  const problems = [...read.problems, ...checked.problems];
  return problems.length === 0 && checked.nsd ? { ...common, kind, descriptor: checked.nsd, problems } : { ...common, kind, problems };
}
