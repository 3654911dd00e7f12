/**
 * The files of a descriptor package as one read-only view, whatever they came from: an OSM
 * package folder (read lazily from disk), an OSM `.tar.gz` or a SOL004 CSAR zip (unpacked into
 * memory, never onto disk). Every package rule (design/MANO-NOTES.md §1.4; ETSI GS NFV-SOL 004
 * §4) runs on this view, so a folder and its archive get the same verdict.
 * Paths are POSIX and relative to the package root (the OSM package folder, or the root of the
 * CSAR). Folders implied by a file's path are nodes too (archives often omit them). Symbolic
 * links stay links; they are followed only while they stay inside the package.
 */
import { posix } from 'node:path';
import { MAX_LINK_HOPS } from './constants.js';

/** One entry of a package. */
export type TreeNode = { type: 'file'; size: number } | { type: 'dir' } | { type: 'symlink'; target: string };

/** A package's files. */
export interface PackageTree {
  /** Package name: the OSM package folder name, or a CSAR's file name without its extension. */
  name: string;
  /** How this package's files are named in problems: `<base>/<path>`. */
  base: string;
  /** Every entry by path. */
  nodes: ReadonlyMap<string, TreeNode>;
  /** The bytes of a regular file at exactly `path` (links not followed); undefined if there is none. */
  readRaw(path: string): Buffer | undefined;
}

/** A tree held in memory (unpacked archives, single descriptors). */
export function memoryTree(name: string, base: string, entries: ReadonlyMap<string, { node: TreeNode; data?: Buffer }>): PackageTree {
  const nodes = new Map<string, TreeNode>();
  const data = new Map<string, Buffer>();
  for (const [path, entry] of entries) {
    addParents(nodes, path);
    if (entry.node.type !== 'dir' || !nodes.has(path)) nodes.set(path, entry.node);
    if (entry.node.type === 'file' && entry.data) data.set(path, entry.data);
  }
  return { name, base, nodes, readRaw: (path) => data.get(path) };
}

/** Record the folders above `path` (a/b/c → a, a/b). */
export function addParents(nodes: Map<string, TreeNode>, path: string): void {
  const segs = path.split('/');
  for (let k = 1; k < segs.length; k++) {
    const dir = segs.slice(0, k).join('/');
    if (!nodes.has(dir)) nodes.set(dir, { type: 'dir' });
  }
}

/** Every file and link of the package (no folders), sorted. */
export function treeFiles(tree: PackageTree): string[] {
  return [...tree.nodes].filter(([, n]) => n.type !== 'dir').map(([p]) => p).sort();
}

/** Where a link at `linkPath` with `target` points, as a package path; undefined when it leaves the package. */
export function linkTarget(linkPath: string, target: string): string | undefined {
  if (target.startsWith('/') || /^[A-Za-z]:/.test(target)) return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(linkPath), target));
  if (joined === '..' || joined.startsWith('../')) return undefined;
  return joined === '.' ? '' : joined.replace(/\/$/, '');
}

/** The path `path` reaches after following links (also in its folders); undefined if a link leaves the package or loops. */
export function resolvePath(tree: PackageTree, path: string, hops = 0): string | undefined {
  let current = '';
  for (const seg of path.split('/').filter((s) => s !== '' && s !== '.')) {
    if (seg === '..') return undefined;
    const next = current === '' ? seg : `${current}/${seg}`;
    const node = tree.nodes.get(next);
    if (node?.type !== 'symlink') {
      current = next;
      continue;
    }
    if (hops >= MAX_LINK_HOPS) return undefined;
    const target = linkTarget(next, node.target);
    if (target === undefined) return undefined;
    const resolved = resolvePath(tree, target, hops + 1);
    if (resolved === undefined) return undefined;
    current = resolved;
  }
  return current;
}

/** The node `path` reaches (links followed), if any; the package root is a folder. */
export function nodeAt(tree: PackageTree, path: string): TreeNode | undefined {
  const resolved = resolvePath(tree, path);
  if (resolved === undefined) return undefined;
  return resolved === '' ? { type: 'dir' } : tree.nodes.get(resolved);
}

/** Whether `path` is (or links to) a regular file. */
export function isTreeFile(tree: PackageTree, path: string): boolean {
  return nodeAt(tree, path)?.type === 'file';
}

/** Whether `path` is (or links to) a folder. */
export function isTreeDir(tree: PackageTree, path: string): boolean {
  return nodeAt(tree, path)?.type === 'dir';
}

/** Whether `path` exists (file or folder, links followed). */
export function treeHas(tree: PackageTree, path: string): boolean {
  return nodeAt(tree, path) !== undefined;
}

/** Whether the folder `dir` (links followed) holds anything. */
export function treeDirHasEntries(tree: PackageTree, dir: string): boolean {
  const resolved = resolvePath(tree, dir);
  if (resolved === undefined || nodeAt(tree, dir)?.type !== 'dir') return false;
  const prefix = resolved === '' ? '' : `${resolved}/`;
  for (const path of tree.nodes.keys()) if (path.startsWith(prefix)) return true;
  return false;
}

/** The bytes of the file `path` reaches (links followed), or undefined. */
export function readTreeFile(tree: PackageTree, path: string): Buffer | undefined {
  const resolved = resolvePath(tree, path);
  return resolved === undefined || tree.nodes.get(resolved)?.type !== 'file' ? undefined : tree.readRaw(resolved);
}

/** How a package file is named in problems. */
export function treeFileName(tree: PackageTree, path: string): string {
  return tree.base === '' ? path : `${tree.base}/${path}`;
}
