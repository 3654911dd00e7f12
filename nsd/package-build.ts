/**
 * `qnfv package build FOLDER [--out FILE]` (issue 4 "CLI"), as osmclient's `osm package-build`:
 * an OSM package folder becomes `<folder-name>.tar.gz` — one top folder, the package — with a
 * freshly computed `checksums.txt`: one `md5<TAB><folder-name>/<path>` line per regular file of
 * the package, sorted, checksums.txt itself excluded (the format osmclient writes and
 * checksums.ts verifies; symbolic links are archived as links and not listed). Unlike osmclient,
 * every file is listed (osmclient's glob `**` + `*.*` skips names without a dot), and the folder
 * is left untouched: the fresh checksums.txt goes into the archive only.
 * The package is validated first, as `qnfv package validate` does, and nothing is written when it
 * has a problem — except that a stale or malformed checksums.txt in the folder is no problem,
 * since the build replaces it. The archive is validated again, from memory, before it is written.
 * Default output: next to the folder (`dir/pkg` → `dir/pkg.tar.gz`, as osmclient does); `out`
 * may name the file or an existing folder to write `<folder-name>.tar.gz` into.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { chmod, cp, lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, normalize } from 'node:path';
import { create } from 'tar';
import { formatProblems, type Problem } from '../common/index.js';
import { constants, readPackage, type PackageLimits, type PackageTree } from '../vnfd/index.js';
import { loadPackage } from './package-loader.js';

/** Options of buildPackage. */
export interface BuildPackageOptions {
  /** The archive to write, or an existing folder to write `<folder-name>.tar.gz` into. */
  out?: string;
  /** Size limits for validating the folder and the archive; unset ones take the defaults. */
  limits?: Partial<PackageLimits>;
}

/** What a build did. */
export interface BuiltPackage {
  /** True exactly when the archive was written (and `problems` is empty). */
  ok: boolean;
  /** The folder as given, without a trailing slash. */
  folder: string;
  /** The archive path (written only when `ok`). */
  archive: string;
  /** The package's kind and descriptor id, when its descriptor is valid. */
  kind?: 'vnf' | 'ns';
  descriptorId?: string;
  /** The lines of the checksums.txt put into the archive (empty when nothing was built). */
  checksums: string[];
  /** Why nothing was written: the package's problems (or the archive's, which would be a bug). */
  problems: Problem[];
}

/** Validate an OSM package folder and write it as a `.tar.gz` with a fresh checksums.txt. */
export async function buildPackage(folder: string, options: BuildPackageOptions = {}): Promise<BuiltPackage> {
  const given = normalize(folder).replace(/[\\/]+$/, '') || folder;
  const name = basename(given);
  const archive = archivePath(given, name, options.out);
  const result: BuiltPackage = { ok: false, folder: given, archive, checksums: [], problems: [] };
  if (!isDirectory(given)) {
    result.problems.push({ path: '(package)', message: 'not a package folder: qnfv package build takes an OSM package folder (one descriptor at its top)', file: given });
    return result;
  }

  // 1. The folder as it will be built: every problem but those of the checksums.txt the build replaces.
  const pkg = await loadPackage(given, { limits: options.limits });
  const staleChecksums = `${given}/${constants.CHECKSUMS_FILE}`;
  result.problems = pkg.problems.filter((p) => p.file !== staleChecksums);
  if (result.problems.length > 0) return result;

  // 2. The archive: a copy of the folder, its checksums.txt computed afresh, as one top folder.
  const work = await mkdtemp(join(tmpdir(), 'qnfv-package-build-'));
  let bytes: Buffer;
  let checksums: string[];
  try {
    const copy = join(work, name);
    const stale = join(given, constants.CHECKSUMS_FILE);
    await cp(given, copy, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, filter: (src) => normalize(src) !== normalize(stale) });
    await ownerWritable(copy); // a read-only package folder (a fixture, a mounted share) copies read-only
    const { tree } = await readPackage(copy, { limits: options.limits });
    checksums = tree ? checksumLines(tree, name) : [];
    await writeFile(join(copy, constants.CHECKSUMS_FILE), checksums.map((l) => `${l}\n`).join(''));
    const file = join(work, `${name}.tar.gz`);
    await create({ gzip: true, file, cwd: work, portable: true }, [name]);
    bytes = await readFile(file);
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  // 3. The archive must validate as it is; only then is it written.
  const built = await loadPackage(bytes, { name: archive, limits: options.limits });
  if (built.problems.length > 0 || !built.descriptor) {
    result.problems = built.problems.length > 0 ? built.problems : [{ path: '(archive)', message: 'the built archive holds no valid descriptor', file: archive }];
    return result;
  }
  await writeFile(archive, bytes);
  return { ...result, ok: true, kind: built.kind, descriptorId: built.descriptor.id, checksums };
}

/** The text of `qnfv package build FOLDER [--out FILE]`: one summary line, then one line per problem. */
export async function buildPackageCli(folder: string, options: BuildPackageOptions = {}): Promise<{ ok: boolean; lines: string[] }> {
  const r = await buildPackage(folder, options);
  if (r.ok) {
    const what = r.kind === 'vnf' ? `VNF package, VNFD ${r.descriptorId}` : `NS package, NSD ${r.descriptorId}`;
    const n = r.checksums.length;
    return { ok: true, lines: [`${r.archive}: built from ${r.folder} (${what}; checksums.txt lists ${n} file${n === 1 ? '' : 's'})`] };
  }
  const n = r.problems.length;
  return { ok: false, lines: [`${r.folder}: invalid package, nothing built (${n} problem${n === 1 ? '' : 's'})`, ...r.problems.map((p) => `  ${formatProblems([p])}`)] };
}

/** `md5<TAB><name>/<path>` for every regular file but checksums.txt (links are not listed), sorted by path. */
function checksumLines(tree: PackageTree, name: string): string[] {
  return [...tree.nodes]
    .filter(([path, node]) => node.type === 'file' && path !== constants.CHECKSUMS_FILE)
    .map(([path]) => path)
    .sort()
    .map((path) => `${createHash('md5').update(tree.readRaw(path) ?? Buffer.alloc(0)).digest('hex')}\t${name}/${path}`);
}

/** Add the owner's write bit to every folder under `dir` (links are not followed). */
async function ownerWritable(dir: string): Promise<void> {
  const st = await lstat(dir);
  if (!st.isDirectory()) return;
  await chmod(dir, st.mode | 0o200);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await ownerWritable(join(dir, entry.name));
  }
}

function archivePath(given: string, name: string, out: string | undefined): string {
  if (out === undefined) return `${given}.tar.gz`;
  return isDirectory(out) ? join(out, `${name}.tar.gz`) : out;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
