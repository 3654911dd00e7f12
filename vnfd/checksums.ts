/**
 * OSM package `checksums.txt` (design/MANO-NOTES.md §1.4): one `md5<TAB>path` line per file,
 * paths starting with the package folder name (`hackfest_multivdu_vnf/icons/osm.png`), as
 * osmclient writes them; `md5sum`'s `md5  path` / `md5 *path` forms are accepted too. The list may
 * be partial: only listed files are verified (OSM itself does not verify them; qnfv does, so a
 * stale md5 is an error). Listed paths must stay inside the package.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../common/index.js';
import { MISSING_FILES_GROUP_THRESHOLD } from './constants.js';

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
 * Verify every listed file of the package in `dir` (folder name `name`): present, inside the
 * package, md5 equal. Missing files under one absent folder are grouped into one problem.
 */
export function verifyChecksums(dir: string, name: string, entries: readonly ChecksumEntry[], file: string): Problem[] {
  const problems: Problem[] = [];
  const missingFolders = new Map<string, ChecksumEntry[]>();
  for (const entry of entries) {
    const segs = entry.listed.split('/').filter((s) => s !== '' && s !== '.');
    if (entry.listed.startsWith('/') || segs.includes('..') || segs.length === 0) {
      problems.push({ path: entry.listed, message: 'listed path must be relative and stay inside the package (no absolute path, no ..)', file, line: entry.line });
      continue;
    }
    const rel = resolveListed(dir, name, segs);
    const abs = join(dir, ...rel);
    if (!isFile(abs)) {
      const k = firstMissingFolder(dir, rel);
      if (k === undefined) {
        problems.push({ path: entry.listed, message: 'listed file missing', file, line: entry.line });
      } else {
        const folder = segs.slice(0, segs.length - rel.length + k).join('/');
        missingFolders.set(folder, [...(missingFolders.get(folder) ?? []), entry]);
      }
      continue;
    }
    const actual = md5File(abs);
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

/** Listed path → path inside the package: drop the leading package folder name (or a renamed one). */
function resolveListed(dir: string, name: string, segs: string[]): string[] {
  if (segs.length > 1 && segs[0] === name) return segs.slice(1);
  if (existsSync(join(dir, ...segs)) || segs.length === 1) return segs;
  return segs.slice(1);
}

/** Index (exclusive end) of the shallowest folder on the way to `rel` that does not exist, if any. */
function firstMissingFolder(dir: string, rel: string[]): number | undefined {
  for (let k = 1; k < rel.length; k++) if (!existsSync(join(dir, ...rel.slice(0, k)))) return k;
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
