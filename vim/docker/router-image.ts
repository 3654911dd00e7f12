/**
 * The router image, built locally (no registry can be reached): `FROM
 * scratch` holding the host's Node binary, iproute2's `ip` and busybox with
 * the shared libraries `ldd` lists for them, and the compiled router — the
 * files `dist/virtual-router/main.js` imports (followed through relative
 * imports and worker URLs), the npm packages they import with their
 * dependencies, and the native addons under build/Release. Every file sits
 * at its host path, so the argv the VCA gives a router
 * (`<node> <root>/dist/virtual-router/main.js …`) runs unchanged inside.
 * The image is tagged `qnfv-router:<12 hex>` by a SHA-256 over every entry
 * (path, mode, content) and the image settings; an existing tag is reused,
 * changed inputs give a new tag. The layer is streamed to `docker import`
 * as a tar archive written here (no staging copy, ~1 s).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import type Dockerode from 'dockerode';
import { createLogger, DriverError, PrerequisiteError, type Logger } from '../../common/index.js';
import type { CommandRunner } from '../command-runner.js';
import { EXIT_NOT_FOUND } from '../constants.js';
import { BUSYBOX, IMAGE_FORMAT_VERSION, IMAGE_HASH_LABEL, KIND_KEY, ROUTER_IMAGE_REPOSITORY } from './docker-constants.js';
import { tarStream, type TarEntry } from './tar-writer.js';

/** Where binaries are looked for on the host. */
const BIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** PATH inside the containers. */
export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Hex digits of the inputs hash in the tag. */
const TAG_HEX = 12;
/** Compiled entry points of the router, relative to the project root. */
export const ROUTER_ENTRY_POINTS = ['dist/virtual-router/main.js'];
/** Folder of the native addons, relative to the project root. */
const ADDON_DIR = join('build', 'Release');

/** A file added to the image from memory (tests use it to change the inputs). */
export interface ExtraFile {
  path: string;
  content: string | Buffer;
  mode?: number;
}

/** What to build and where. */
export interface RouterImageOptions {
  docker: Dockerode;
  runner: CommandRunner;
  /** The project whose compiled router goes in (holds package.json, dist/, node_modules/, build/). */
  projectRoot: string;
  /** Default `qnfv-router`. */
  repository?: string;
  /** Default: this process's Node binary. */
  nodeBinary?: string;
  /** Default ROUTER_ENTRY_POINTS. */
  entryPoints?: string[];
  extraFiles?: ExtraFile[];
  logger?: Logger;
}

/** The image that is ready to run. */
export interface RouterImage {
  /** `repository:hash12`. */
  tag: string;
  /** Full SHA-256 of the inputs. */
  hash: string;
  /** True when the tag existed already and nothing was built. */
  cached: boolean;
  /** Files, directories and links in the layer. */
  entries: number;
  /** Bytes of file content in the layer. */
  bytes: number;
  /** Time spent collecting and hashing the inputs, and importing (0 when cached). */
  hashMs: number;
  buildMs: number;
}

/** Content hashes of host files, keyed by path + inode + size + mtime: the large binaries are hashed once per process. */
const fileHashes = new Map<string, string>();

async function hashFile(path: string): Promise<string> {
  const st = await stat(path);
  const key = `${path}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  const known = fileHashes.get(key);
  if (known) return known;
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  const digest = h.digest('hex');
  fileHashes.set(key, digest);
  return digest;
}

/** The first of BIN_DIRS holding `name`; PrerequisiteError with the package to install otherwise. */
export function findBinary(name: string, debianPackage: string): string {
  for (const dir of BIN_DIRS) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new PrerequisiteError(`'${name}' is needed for the router image but not installed: apt-get install ${debianPackage} (or run scripts/setup.sh --test)`);
}

/** Absolute library paths `ldd` lists for a binary (the vDSO has none). */
export async function sharedLibraries(runner: CommandRunner, binary: string): Promise<string[]> {
  const res = await runner.run(['ldd', binary], { allowFailure: true });
  if (res.code === EXIT_NOT_FOUND) throw new PrerequisiteError("'ldd' not found: apt-get install libc-bin");
  // A static binary makes ldd exit 1 ("not a dynamic executable"); it needs no libraries.
  if (res.code !== 0) return [];
  const libs: string[] = [];
  for (const line of res.stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.push(m[1]);
    else if (/not found/.test(line)) throw new DriverError(['ldd', binary], res.code, `missing library: ${line.trim()}`);
  }
  return libs;
}

/** Relative imports of a compiled ES module: static, dynamic, and `new URL('./x.js', import.meta.url)` workers. */
export function moduleSpecifiers(source: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"\n]+)['"]|new URL\(\s*['"](\.{1,2}\/[^'"\n]+)['"]\s*,\s*import\.meta\.url/g;
  return [...source.matchAll(re)].map((m) => (m[1] ?? m[2]) as string);
}

/** The package name of a bare specifier (`@scope/name/sub` → `@scope/name`). */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** Where Node finds package `name` from a module in `fromDir`: the nearest node_modules above it, within the root. */
function resolvePackageDir(root: string, fromDir: string, name: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || !dir.startsWith(root + sep)) return undefined;
  }
}

/** Every file under a folder (symlinks followed), skipping nested node_modules and .bin. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.name === 'node_modules' || d.name === '.bin') continue;
    const p = join(dir, d.name);
    const st = await stat(p).catch(() => undefined);
    if (!st) continue; // dangling link
    if (st.isDirectory()) out.push(...(await filesUnder(p)));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/** The project files the router needs: the import closure of the entry points, the packages it reaches, the addons. */
export async function routerProjectFiles(projectRoot: string, entryPoints: readonly string[] = ROUTER_ENTRY_POINTS): Promise<string[]> {
  const root = resolve(projectRoot);
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo: { file: string }[] = [];
  for (const e of entryPoints) {
    const file = join(root, e);
    if (!existsSync(file)) throw new PrerequisiteError(`the router program ${file} is not built: run 'npm run build'`);
    todo.push({ file });
  }
  const bare: { fromDir: string; name: string }[] = [];
  while (todo.length > 0) {
    const { file } = todo.pop() as { file: string };
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of moduleSpecifiers(await readFile(file, 'utf8'))) {
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!existsSync(target)) throw new DriverError(['import', spec], null, `${file} imports ${target}, which does not exist (stale dist/? run 'npm run build')`);
        todo.push({ file: target });
      } else {
        bare.push({ fromDir: dirname(file), name: packageName(spec) });
      }
    }
  }
  // Packages: their whole folder, then their dependencies (optional and peer ones when installed).
  while (bare.length > 0) {
    const { fromDir, name } = bare.pop() as { fromDir: string; name: string };
    if (isBuiltin(name)) continue;
    const dir = resolvePackageDir(root, fromDir, name);
    if (!dir) throw new DriverError(['resolve', name], null, `the router needs npm package '${name}', which is not installed: run 'npm install'`);
    if (packages.has(dir)) continue;
    packages.add(dir);
    (await filesUnder(dir)).forEach((f) => files.add(f));
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const required = Object.keys(pkg.dependencies ?? {});
    const optional = [...Object.keys(pkg.optionalDependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
    required.forEach((dep) => bare.push({ fromDir: dir, name: dep }));
    optional.filter((dep) => resolvePackageDir(root, dir, dep) !== undefined).forEach((dep) => bare.push({ fromDir: dir, name: dep }));
  }
  const addonDir = join(root, ADDON_DIR);
  const addons = existsSync(addonDir) ? (await readdir(addonDir)).filter((f) => f.endsWith('.node')).map((f) => join(addonDir, f)) : [];
  if (addons.length === 0) throw new PrerequisiteError(`no native addons in ${addonDir}: run 'npm run build:native'`);
  addons.forEach((a) => files.add(a));
  return [...files].filter((f) => !f.endsWith('.map')).sort();
}

/** Every entry of the image (sorted, parents first) and the image settings the hash covers. */
export async function routerImageEntries(opts: Pick<RouterImageOptions, 'runner' | 'projectRoot' | 'nodeBinary' | 'entryPoints' | 'extraFiles'>): Promise<TarEntry[]> {
  const root = resolve(opts.projectRoot);
  const node = opts.nodeBinary ?? process.execPath;
  const binaries = [node, findBinary('ip', 'iproute2'), findBinary(BUSYBOX, 'busybox')];
  const projectFiles = await routerProjectFiles(root, opts.entryPoints);
  const natives = projectFiles.filter((f) => f.endsWith('.node'));
  const libs = (await Promise.all([...binaries, ...natives].map((b) => sharedLibraries(opts.runner, b)))).flat();

  const byPath = new Map<string, TarEntry>();
  const addHostFile = async (path: string, source = path): Promise<void> => {
    const real = await realpath(source);
    const st = await stat(real);
    byPath.set(path, { type: 'file', path, mode: st.mode & 0o777, size: st.size, source: real });
  };
  for (const f of [...binaries, ...libs, ...projectFiles]) await addHostFile(f);
  const memory = (path: string, content: string | Buffer, mode = 0o644): void => {
    const buf = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    byPath.set(path, { type: 'file', path, mode, size: buf.length, content: buf });
  };
  // The project's package.json only for `"type": "module"` (and for findProjectRoot): a minimal one, so
  // that script or dependency edits elsewhere in it do not change the image.
  memory(join(root, 'package.json'), JSON.stringify({ name: 'qnfv-router', private: true, type: 'module' }) + '\n');
  memory('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  memory('/etc/group', 'root:x:0:\n');
  for (const x of opts.extraFiles ?? []) memory(resolve('/', x.path), x.content, x.mode);
  byPath.set('/bin/sh', { type: 'symlink', path: '/bin/sh', target: findBinary(BUSYBOX, 'busybox') });

  // Parent folders of everything, then /tmp (sticky, world-writable) and /root.
  const dirs = new Map<string, number>([
    ['/tmp', 0o1777],
    ['/root', 0o700],
    ['/run', 0o755],
  ]);
  for (const p of byPath.keys()) {
    for (let d = dirname(p); d !== '/'; d = dirname(d)) if (!dirs.has(d)) dirs.set(d, 0o755);
  }
  const entries: TarEntry[] = [...[...dirs].map(([path, mode]): TarEntry => ({ type: 'dir', path, mode })), ...byPath.values()];
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The image settings `docker import` applies (`--change`). */
export function imageChanges(hash: string): string[] {
  return [`ENV PATH=${CONTAINER_PATH}`, 'WORKDIR /', `LABEL ${KIND_KEY}=router-image ${IMAGE_HASH_LABEL}=${hash}`];
}

/** SHA-256 over the format version, every entry and the settings (without the hash label). */
export async function hashEntries(entries: readonly TarEntry[]): Promise<string> {
  const h = createHash('sha256').update(IMAGE_FORMAT_VERSION).update('\0');
  for (const e of entries) {
    let what: string;
    if (e.type === 'dir') what = `d ${e.mode.toString(8)}`;
    else if (e.type === 'symlink') what = `l ${e.target}`;
    else what = `f ${e.mode.toString(8)} ${'content' in e ? createHash('sha256').update(e.content).digest('hex') : await hashFile(e.source)}`;
    h.update(`${e.path}\0${what}\n`);
  }
  h.update(imageChanges('').join('\n'));
  return h.digest('hex');
}

/** True when the image exists. */
async function imageExists(docker: Dockerode, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/** Stream the layer to `POST /images/create?fromSrc=-` and wait for the import to finish. */
async function importImage(docker: Dockerode, entries: readonly TarEntry[], repository: string, tag: string, hash: string): Promise<void> {
  const progress = await docker.importImage(tarStream(entries), { repo: repository, tag, changes: imageChanges(hash) });
  const output = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>((res, rej) => {
    docker.modem.followProgress(progress, (err: Error | null, out: { error?: string }[]) => (err ? rej(err) : res(out)));
  });
  const failed = output.find((o) => o.error !== undefined);
  if (failed) throw new DriverError(['docker', 'import', `${repository}:${tag}`], null, failed.errorDetail?.message ?? String(failed.error));
}

const building = new Map<string, Promise<void>>();

/** The router image for the current inputs: the existing tag, or a fresh import. */
export async function ensureRouterImage(opts: RouterImageOptions): Promise<RouterImage> {
  const log = opts.logger ?? createLogger('vim.docker.image');
  const repository = opts.repository ?? ROUTER_IMAGE_REPOSITORY;
  const t0 = Date.now();
  const entries = await routerImageEntries(opts);
  const hash = await hashEntries(entries);
  const tag = `${repository}:${hash.slice(0, TAG_HEX)}`;
  const hashMs = Date.now() - t0;
  const bytes = entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
  const base = { tag, hash, entries: entries.length, bytes, hashMs };
  if (await imageExists(opts.docker, tag)) return { ...base, cached: true, buildMs: 0 };
  // One import per tag at a time in this process; another process importing the same tag is harmless.
  let job = building.get(tag);
  const mine = job === undefined;
  if (!job) {
    job = importImage(opts.docker, entries, repository, hash.slice(0, TAG_HEX), hash).finally(() => building.delete(tag));
    building.set(tag, job);
  }
  const t1 = Date.now();
  await job;
  const buildMs = Date.now() - t1;
  if (!(await imageExists(opts.docker, tag))) throw new DriverError(['docker', 'import', tag], null, 'the import finished but the image is not there');
  if (mine) log.info('router image built', { tag, entries: entries.length, mbytes: Math.round(bytes / 1e6), hashMs, buildMs });
  return { ...base, cached: !mine, buildMs };
}

/** Remove router images of this repository other than `keep` that no container uses; returns the removed tags. */
export async function pruneRouterImages(docker: Dockerode, keep: readonly string[], repository = ROUTER_IMAGE_REPOSITORY): Promise<string[]> {
  const images = await docker.listImages({ filters: { reference: [repository] } });
  const removed: string[] = [];
  for (const img of images) {
    const tags = (img.RepoTags ?? []).filter((t) => t.startsWith(`${repository}:`) && !keep.includes(t));
    for (const t of tags) {
      try {
        await docker.getImage(t).remove();
        removed.push(t);
      } catch {
        // in use by a container, or removed meanwhile: keep it
      }
    }
  }
  return removed;
}
