/**
 * OSM package `checksums.txt` (design/MANO-NOTES.md §1.4): one `md5<TAB>path` line per file,
 * paths starting with the package folder name (`hackfest_multivdu_vnf/icons/osm.png`), as
 * osmclient writes them; `md5sum`'s `md5  path` / `md5 *path` forms are accepted too. The list may
 * be partial: only listed files are verified (OSM itself does not verify them; qnfv does, so a
 * stale md5 is an error). Listed paths must stay inside the package. Runs on a PackageTree, so
 * a folder and its .tar.gz are verified alike.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Problem } from '../common/index.js';
import { CHECKSUMS_FILE, MISSING_FILES_GROUP_THRESHOLD } from './constants.js';
import { readTreeFile, treeFileName, treeHas, type PackageTree } from './package-tree.js';

/** One well-formed line of checksums.txt. */
export interface ChecksumEntry {
  md5: string;
  /** The path as listed. */
  listed: string;
  /** 1-based line in checksums.txt. */
  line: number;
}

/** Parse checksums.txt; malformed lines become problems. */
export function parseChecksums(text: string, file: string): { entries: ChecksumEntry[]; problems: Problem[] } {
  const entries: ChecksumEntry[] = [];
  const problems: Problem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const m = /^([0-9a-fA-F]{32})(?:\t| \*| {2})(.+)$/.exec(raw);
    if (!m) {
      const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
      problems.push({ path: 'checksums.txt', message: `malformed line: expected '<md5><TAB><path>' (found '${shown}')`, file, line });
      return;
    }
    entries.push({ md5: m[1].toLowerCase(), listed: m[2], line });
  });
  return { entries, problems };
}

/** The md5 of a file, hex. */
export function md5File(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

/**
 * Verify every listed file of the package: present, inside the package, md5 equal. Missing files
 * under one absent folder are grouped into one problem. `file` names checksums.txt in problems.
 */
export function verifyChecksums(tree: PackageTree, entries: readonly ChecksumEntry[], file: string): Problem[] {
  const problems: Problem[] = [];
  const missingFolders = new Map<string, ChecksumEntry[]>();
  for (const entry of entries) {
    const segs = entry.listed.split('/').filter((s) => s !== '' && s !== '.');
    if (entry.listed.startsWith('/') || segs.includes('..') || segs.length === 0) {
      problems.push({ path: entry.listed, message: 'listed path must be relative and stay inside the package (no absolute path, no ..)', file, line: entry.line });
      continue;
    }
    const rel = resolveListed(tree, segs);
    const data = readTreeFile(tree, rel.join('/'));
    if (data === undefined) {
      const k = firstMissingFolder(tree, rel);
      if (k === undefined) {
        problems.push({ path: entry.listed, message: 'listed file missing', file, line: entry.line });
      } else {
        const folder = segs.slice(0, segs.length - rel.length + k).join('/');
        missingFolders.set(folder, [...(missingFolders.get(folder) ?? []), entry]);
      }
      continue;
    }
    const actual = createHash('md5').update(data).digest('hex');
    if (actual !== entry.md5) {
      problems.push({ path: entry.listed, message: `Error, MD5 mismatch: checksums.txt lists ${entry.md5}, the file's md5 is ${actual}`, file, line: entry.line });
    }
  }
  for (const [folder, group] of missingFolders) {
    if (group.length < MISSING_FILES_GROUP_THRESHOLD) {
      for (const e of group) problems.push({ path: e.listed, message: `listed file missing (no folder ${folder}/ in the package)`, file, line: e.line });
    } else {
      problems.push({
        path: `${folder}/`,
        message: `listed file missing: ${group.length} files are listed under this folder, which is not in the package (e.g. ${group[0].listed})`,
        file,
        line: group[0].line,
      });
    }
  }
  return problems.sort((x, y) => (x.line ?? 0) - (y.line ?? 0));
}

/** checksums.txt at the package root, when there is one: its malformed lines and failed entries. */
export function checkChecksumsFile(tree: PackageTree): Problem[] {
  const data = readTreeFile(tree, CHECKSUMS_FILE);
  if (data === undefined) return [];
  const file = treeFileName(tree, CHECKSUMS_FILE);
  const parsed = parseChecksums(data.toString('utf8'), file);
  return [...parsed.problems, ...verifyChecksums(tree, parsed.entries, file)];
}

/** Listed path → path inside the package: drop the leading package folder name (or a renamed one). */
function resolveListed(tree: PackageTree, segs: string[]): string[] {
  if (segs.length > 1 && segs[0] === tree.name) return segs.slice(1);
  if (treeHas(tree, segs.join('/')) || segs.length === 1) return segs;
  return segs.slice(1);
}

/** Index (exclusive end) of the shallowest folder on the way to `rel` that does not exist, if any. */
function firstMissingFolder(tree: PackageTree, rel: string[]): number | undefined {
  for (let k = 1; k < rel.length; k++) if (!treeHas(tree, rel.slice(0, k).join('/'))) return k;
  return undefined;
}
