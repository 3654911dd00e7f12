/**
 * Reads an OSM package archive (`.tar.gz`, or a plain `.tar`; design/MANO-NOTES.md §1.4) into
 * memory with node:zlib and the `tar` package's parser, nothing written to disk. Archive-bomb
 * guards come first: the archive's size, then gunzip stops at `maxUnpackedBytes` (zlib's
 * `maxOutputLength`, so a gzip bomb never inflates past the limit), then the compression ratio,
 * then the entry count. Entry rules (paths, top folder, links) are archive-entries.ts's.
 * Entries owned by foreign users/groups are fine: ownership is never applied.
 */
import { gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import type { Problem } from '../common/index.js';
import type { ArchiveEntry } from './archive-entries.js';
import type { PackageLimits } from './package-limits.js';
import { checkRatio, mib } from './package-limits.js';

/** The entries of a tar archive (gzipped when `gzipped`); undefined, with problems, when it cannot be read safely. */
export function readTarEntries(archive: Buffer, gzipped: boolean, limits: PackageLimits, source: string, problems: Problem[]): ArchiveEntry[] | undefined {
  const fail = (message: string): undefined => {
    problems.push({ path: '(archive)', message, file: source });
    return undefined;
  };
  if (archive.length > limits.maxArchiveBytes) return fail(`the archive is ${mib(archive.length)}, more than the ${mib(limits.maxArchiveBytes)} limit`);

  // 1. Inflate, never past the limit.
  let tar: Buffer = archive;
  if (gzipped) {
    try {
      tar = gunzipSync(archive, { maxOutputLength: limits.maxUnpackedBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        return fail(`the archive unpacks to more than ${mib(limits.maxUnpackedBytes)} (the limit); refused as a possible archive bomb`);
      }
      return fail(`not a valid gzip file: ${(err as Error).message}`);
    }
    const ratio = checkRatio(tar.length, archive.length, limits);
    if (ratio) return fail(ratio);
  } else if (tar.length > limits.maxUnpackedBytes) {
    return fail(`the archive is ${mib(tar.length)}, more than the ${mib(limits.maxUnpackedBytes)} unpacked limit`);
  }

  // 2. Parse (synchronously: the whole tar is in memory).
  const entries: ArchiveEntry[] = [];
  const warnings: string[] = [];
  let count = 0;
  const parser = new Parser({
    strict: false,
    onwarn: (code: string, message: string) => warnings.push(`${code}: ${message}`),
    onReadEntry: (entry: ReadEntry) => {
      if (++count > limits.maxEntries) {
        entry.resume();
        return;
      }
      entries.push(toEntry(entry));
    },
  });
  try {
    parser.end(tar);
  } catch (err) {
    return fail(`not a valid tar archive: ${(err as Error).message}`);
  }
  if (count > limits.maxEntries) return fail(`the archive has ${count} entries, more than the ${limits.maxEntries} limit`);
  if (warnings.length > 0) return fail(`not a valid tar archive: ${warnings.join('; ')}`);
  if (count === 0) return fail('not a valid tar archive: no entries');
  return entries;
}

/** One tar entry as an ArchiveEntry; file data is collected as the parser emits it (synchronously). */
function toEntry(entry: ReadEntry): ArchiveEntry {
  switch (entry.type) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile': {
      const out: ArchiveEntry = { name: entry.path, type: 'file' };
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        out.data = Buffer.concat(chunks);
      });
      return out;
    }
    case 'Directory':
      entry.resume();
      return { name: entry.path, type: 'dir' };
    case 'SymbolicLink':
      entry.resume();
      return { name: entry.path, type: 'symlink', linkTarget: entry.linkpath ?? '' };
    case 'Link':
      entry.resume();
      return { name: entry.path, type: 'hardlink', linkTarget: entry.linkpath ?? '' };
    default:
      entry.resume();
      return { name: entry.path, type: 'other', detail: entry.type };
  }
}
