/**
 * Archive entries (of an OSM `.tar.gz` or a SOL004 CSAR zip) turned into a PackageTree, with the
 * OSM NBI's archive rules (`osm_nbi/descriptor_topics.py` `upload_content`, design/MANO-NOTES.md
 * §1.4) and OSM's messages: no absolute path and no `..` ("Absolute path or '..' are not allowed
 * for package descriptor tar.gz"); for a tar.gz, every entry inside one top folder ("All files
 * must be inside a dir …"), which becomes the package root. Links: a symbolic link must stay
 * inside the package; a hard link must name a file of the archive. Entries that are not files,
 * folders or links (devices, FIFOs) are refused. Nothing is written anywhere: the tree is in memory.
 */
import { posix } from 'node:path';
import type { Problem } from '../common/index.js';
import { linkTarget, memoryTree, type PackageTree, type TreeNode } from './package-tree.js';

/** One entry as read from an archive. */
export interface ArchiveEntry {
  /** Name as written in the archive. */
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  data?: Buffer;
  /** Link target as written: a symbolic link's is relative to its folder, a hard link's is an archive path. */
  linkTarget?: string;
  /** What an `other` entry is (e.g. `FIFO`), for the message. */
  detail?: string;
}

/** How the archive is laid out and named in messages. */
export interface ArchiveLayout {
  /** `tar.gz`: OSM package (one top folder). `zip`: SOL004 CSAR (the archive root is the package root). */
  kind: 'tar.gz' | 'zip';
  /** The archive as named in problems (its path, or the upload's name). */
  source: string;
  /** Package name of a zip (a tar.gz is named after its top folder). */
  zipName: string;
}

/** Build the package tree of an archive's entries; problems for every entry that breaks a rule. */
export function archiveTree(entries: readonly ArchiveEntry[], layout: ArchiveLayout, problems: Problem[]): PackageTree | undefined {
  const at = (name: string, message: string): void => {
    problems.push({ path: name, message, file: layout.source });
  };

  // 1. Paths: relative, no `..`; `./` prefixes and trailing slashes dropped.
  const valid: { entry: ArchiveEntry; path: string }[] = [];
  for (const entry of entries) {
    const stripped = entry.name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    if (stripped === '' || stripped === '.') continue; // the archive's own root folder
    if (stripped.startsWith('/') || /^[A-Za-z]:/.test(stripped) || stripped.split('/').includes('..')) {
      at(entry.name, `Absolute path or '..' are not allowed for package descriptor ${layout.kind}`);
      continue;
    }
    if (entry.type === 'other') {
      at(entry.name, `unsupported entry type ${entry.detail ?? ''}: a package holds files, folders and links only`.replace(' :', ':'));
      continue;
    }
    valid.push({ entry, path: posix.normalize(stripped) });
  }
  if (valid.length === 0) {
    if (problems.length === 0) problems.push({ path: '(archive)', message: 'the archive holds no files', file: layout.source });
    return undefined;
  }

  // 2. A tar.gz holds one top folder, which is the package.
  let name = layout.zipName;
  let strip = (path: string): string | undefined => path;
  if (layout.kind === 'tar.gz') {
    const loose = valid.filter((v) => !v.path.includes('/') && v.entry.type !== 'dir');
    const tops = [...new Set(valid.map((v) => v.path.split('/')[0]))].sort();
    if (loose.length > 0) {
      problems.push({ path: '(archive)', message: `All files must be inside a dir for package descriptor tar.gz (at the top: ${loose.map((v) => v.path).join(', ')})`, file: layout.source });
      return undefined;
    }
    if (tops.length > 1) {
      problems.push({ path: '(archive)', message: `All files must be inside one top folder for package descriptor tar.gz (found ${tops.map((t) => `${t}/`).join(', ')})`, file: layout.source });
      return undefined;
    }
    name = tops[0];
    strip = (path) => (path === name ? '' : path.startsWith(`${name}/`) ? path.slice(name.length + 1) : undefined);
  }

  // 3. Nodes; links checked against the package root.
  const nodes = new Map<string, { node: TreeNode; data?: Buffer }>();
  for (const { entry, path: full } of valid) {
    const path = strip(full);
    if (path === undefined || path === '') continue;
    if (entry.type === 'dir') {
      nodes.set(path, { node: { type: 'dir' } });
    } else if (entry.type === 'file') {
      const data = entry.data ?? Buffer.alloc(0);
      nodes.set(path, { node: { type: 'file', size: data.length }, data });
    } else if (entry.type === 'symlink') {
      const target = entry.linkTarget ?? '';
      if (linkTarget(path, target) === undefined) at(entry.name, `symbolic link points outside the package (to ${target}); a package must be self-contained`);
      nodes.set(path, { node: { type: 'symlink', target } });
    } else {
      const raw = (entry.linkTarget ?? '').replace(/^(\.\/)+/, '');
      const target = raw.startsWith('/') || raw.split('/').includes('..') ? undefined : strip(posix.normalize(raw));
      const source = target === undefined ? undefined : nodes.get(target);
      if (!source || source.node.type !== 'file') {
        at(entry.name, `hard link to '${raw}', which is not a file of the package`);
        continue;
      }
      nodes.set(path, source);
    }
  }
  const base = layout.kind === 'tar.gz' ? `${layout.source}/${name}` : layout.source;
  return memoryTree(name, base, nodes);
}
