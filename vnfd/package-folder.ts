/**
 * An OSM package folder (`<name>_vnf/`, `<name>_ns/`; design/MANO-NOTES.md §1.4) as a
 * PackageTree: the folder is walked once with lstat (links listed, never followed on disk) and
 * files are read only when a rule needs their bytes. A link that points outside the folder, an
 * entry that is neither file, folder nor link (FIFO, socket, device: reading one could block),
 * and a runaway entry count are problems.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import type { Problem } from '../common/index.js';
import { addParents, type PackageTree, type TreeNode } from './package-tree.js';

/** Walk a package folder into a tree; `base` names its files in problems (default: the folder as given). */
export function folderTree(dir: string, maxEntries: number, problems: Problem[], base = normalize(dir).replace(/[\\/]+$/, '')): PackageTree {
  const root = resolve(dir);
  const nodes = new Map<string, TreeNode>();
  const pending = [root];
  let seen = 0;
  walk: while (pending.length > 0) {
    const current = pending.pop() as string; // non-empty: checked by the loop condition
    for (const name of readdirSync(current).sort()) {
      if (++seen > maxEntries) {
        problems.push({ path: '(package)', message: `more than ${maxEntries} entries; not a descriptor package?`, file: base });
        break walk;
      }
      const abs = join(current, name);
      const rel = relative(root, abs).split(sep).join('/');
      const st = lstatSync(abs);
      if (st.isDirectory()) {
        nodes.set(rel, { type: 'dir' });
        pending.push(abs);
      } else if (st.isSymbolicLink()) {
        const raw = readlinkSync(abs);
        const target = resolve(dirname(abs), raw);
        const inside = target === root || target.startsWith(root + sep);
        if (!inside) {
          problems.push({ path: rel, message: `symbolic link points outside the package (to ${target}); a package must be self-contained`, file: `${base}/${rel}` });
        }
        // Keep links relative to their folder, so that the tree resolves them like an archive's.
        const kept = isAbsolute(raw) && inside ? relative(dirname(abs), target).split(sep).join('/') || '.' : raw.split(sep).join('/');
        nodes.set(rel, { type: 'symlink', target: kept });
      } else if (st.isFile()) {
        nodes.set(rel, { type: 'file', size: st.size });
      } else {
        problems.push({ path: rel, message: 'not a regular file, folder or symbolic link (device, FIFO or socket); a package holds files only', file: `${base}/${rel}` });
      }
      addParents(nodes, rel);
    }
  }
  return {
    name: basename(root),
    base,
    nodes,
    readRaw: (path) => (nodes.get(path)?.type === 'file' ? readFileSync(join(root, ...path.split('/'))) : undefined),
  };
}
