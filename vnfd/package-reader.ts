/**
 * Reads an OSM descriptor package folder (`<name>_vnf/`, `<name>_ns/`; design/MANO-NOTES.md §1.4)
 * with the OSM NBI's onboarding rules (`osm_nbi/descriptor_topics.py`): exactly one descriptor
 * (`.yaml`, `.yml`, `.json`) at the top of the folder; `checksums.txt`, when present, verified
 * (listed files only, see checksums.ts); the files a VNFD names (`cloud-init-file` under
 * `cloud_init/`, a juju execution environment's charm under `charms/`, or their SOL004
 * `Scripts/` variants) present. Symbolic links are listed, never followed; one that points
 * outside the package is a problem, a dangling one inside it is not (charms often carry them).
 * Serves VNF and NS packages alike; the descriptor itself is validated by parseVnfd / parseNsd.
 * tar.gz and SOL004 CSAR packages are not read yet.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { ValidationError, type Problem } from '../common/index.js';
import { referencedArtifacts, type ArtifactRef } from './artifacts.js';
import { parseChecksums, verifyChecksums } from './checksums.js';
import { CHARM_DIRS, CHECKSUMS_FILE, CLOUD_INIT_DIRS, DESCRIPTOR_EXTENSIONS, MAX_PACKAGE_ENTRIES } from './constants.js';
import { ProblemList } from './problem-list.js';
import { loadYaml } from './yaml-source.js';

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
  const root = resolve(dir);
  const problems: Problem[] = [];
  if (!isDirectory(root)) {
    const archive = /\.(tar\.gz|tgz|zip|csar)$/i.test(root) && isFile(root);
    const message = archive
      ? 'package archives (OSM .tar.gz, SOL004 .zip/.csar) are not read yet: extract the archive and give its package folder'
      : `not a package folder: ${root}`;
    return { problems: [{ path: '(package)', message, file: root }] };
  }

  // 1. Walk the folder (links listed, not followed).
  const files = walk(root, problems);

  // 2. Exactly one descriptor at the top.
  const top = files.filter((f) => !f.includes('/') && (DESCRIPTOR_EXTENSIONS as readonly string[]).includes(extname(f).toLowerCase()) && isFile(join(root, f)));
  if (top.length !== 1) {
    const message =
      top.length === 0
        ? `Not found any descriptor file at package folder (expected one ${DESCRIPTOR_EXTENSIONS.join(', ')} file at its top)`
        : `Found more than one descriptor file at package folder: ${top.join(', ')}`;
    problems.push({ path: '(package)', message, file: root });
    return { problems };
  }
  const descriptorFile = top[0];
  const text = readFileSync(join(root, descriptorFile), 'utf8');
  const pkg: OsmPackage = { dir: root, name: basename(root), descriptorFile, text, files };

  // 3. checksums.txt, when present.
  if (files.includes(CHECKSUMS_FILE)) {
    const file = join(root, CHECKSUMS_FILE);
    const parsed = parseChecksums(readFileSync(file, 'utf8'), file);
    problems.push(...parsed.problems, ...verifyChecksums(root, pkg.name, parsed.entries, file));
  }

  // 4. Files the descriptor names.
  problems.push(...missingArtifacts(pkg));
  return { pkg, problems };
}

/** Read a package folder; throws ValidationError listing every package-level problem. */
export function readOsmPackage(dir: string): OsmPackage {
  const { pkg, problems } = inspectOsmPackage(dir);
  if (!pkg || problems.length > 0) throw new ValidationError(`OSM package ${resolve(dir)} is invalid`, problems);
  return pkg;
}

/** Problems for files the (VNF) descriptor names that the package lacks. */
function missingArtifacts(pkg: OsmPackage): Problem[] {
  const file = join(pkg.dir, pkg.descriptorFile);
  const { source } = loadYaml(pkg.text, file);
  if (!source) return []; // the descriptor parser reports the YAML error
  const out = new ProblemList({ file, positions: source.positions });
  for (const ref of referencedArtifacts(source.value)) checkArtifact(pkg, ref, out);
  return out.items;
}

function checkArtifact(pkg: OsmPackage, ref: ArtifactRef, out: ProblemList): void {
  if (ref.name !== undefined && (ref.name.includes('..') || ref.name.startsWith('/') || ref.name.includes('\\'))) {
    out.add(ref.path, `'${ref.name}' must be a name inside the package's ${ref.kind === 'cloud-init' ? 'cloud_init' : 'charms'}/ folder`);
    return;
  }
  if (ref.kind === 'cloud-init') {
    const name = ref.name ?? '';
    if (!CLOUD_INIT_DIRS.some((d) => isFile(join(pkg.dir, d, name)))) {
      out.add(ref.path, `Cloud-init defined in ${ref.owner} but not present in package: no ${CLOUD_INIT_DIRS.map((d) => `${d}/${name}`).join(' or ')}`);
    }
    return;
  }
  const present =
    ref.name === undefined
      ? CHARM_DIRS.some((d) => isDirectory(join(pkg.dir, d)) && readdirSync(join(pkg.dir, d)).length > 0)
      : CHARM_DIRS.some((d) => exists(join(pkg.dir, d, ref.name ?? '')) || isFile(join(pkg.dir, d, `${ref.name}.charm`)));
  if (!present) {
    const where = ref.name === undefined ? 'charms/ is missing or empty' : `no ${CHARM_DIRS.map((d) => `${d}/${ref.name}`).join(' or ')}`;
    out.add(ref.path, `Charm defined in ${ref.owner} but not present in package: ${where}`);
  }
}

/** Every file and link below `root` (POSIX relative paths, sorted); links leaving the package are problems. */
function walk(root: string, problems: Problem[]): string[] {
  const out: string[] = [];
  const pending = [root];
  let seen = 0;
  while (pending.length > 0) {
    const dir = pending.pop() as string; // non-empty: checked by the loop condition
    for (const name of readdirSync(dir).sort()) {
      if (++seen > MAX_PACKAGE_ENTRIES) {
        problems.push({ path: '(package)', message: `more than ${MAX_PACKAGE_ENTRIES} entries; not a descriptor package?`, file: root });
        return out.sort();
      }
      const abs = join(dir, name);
      const rel = relative(root, abs).split(sep).join('/');
      const st = lstatSync(abs);
      if (st.isDirectory()) {
        pending.push(abs);
      } else if (st.isSymbolicLink()) {
        out.push(rel);
        const target = resolve(dirname(abs), readlinkSync(abs));
        if (target !== root && !target.startsWith(root + sep)) {
          problems.push({ path: rel, message: `symbolic link points outside the package (to ${target}); a package must be self-contained`, file: abs });
        }
      } else {
        out.push(rel);
      }
    }
  }
  return out.sort();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
