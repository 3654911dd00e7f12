/**
 * Reads a SOL004 CSAR (ETSI GS NFV-SOL 004 §4: a zip) into memory with yauzl, nothing written to
 * disk. Archive-bomb guards run on the central directory before any entry is inflated: archive
 * size, entry count, the sum of the declared unpacked sizes, and each entry's compression ratio;
 * yauzl's `validateEntrySizes` then makes an entry that inflates past its declared size an
 * error. Names are decoded by yauzl (CP437 or UTF-8 as flagged) but checked here, so that every
 * bad name is a problem rather than the first one aborting the read. Unix symbolic links (mode
 * 0120000 in a zip made on Unix) become links whose target is the entry's content.
 */
import yauzl from 'yauzl';
import type { Problem } from '../common/index.js';
import type { ArchiveEntry } from './archive-entries.js';
import { checkRatio, mib, type PackageLimits } from './package-limits.js';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
/** `version made by` host of a zip entry written on Unix (APPNOTE 4.4.2). */
const HOST_UNIX = 3;

/** The entries of a zip archive; undefined, with problems, when it cannot be read safely. */
export async function readZipEntries(archive: Buffer, limits: PackageLimits, source: string, problems: Problem[]): Promise<ArchiveEntry[] | undefined> {
  const fail = (message: string, path = '(archive)'): undefined => {
    problems.push({ path, message, file: source });
    return undefined;
  };
  if (archive.length > limits.maxArchiveBytes) return fail(`the archive is ${mib(archive.length)}, more than the ${mib(limits.maxArchiveBytes)} limit`);

  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(archive, { decodeStrings: false, validateEntrySizes: true, autoClose: false });
  } catch (err) {
    return fail(`not a valid zip archive: ${(err as Error).message}`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) return fail(`the archive has ${zip.entryCount} entries, more than the ${limits.maxEntries} limit`);

    // 1. Central directory only: names, declared sizes, ratios.
    const listed: { entry: yauzl.Entry; name: string }[] = [];
    let declared = 0;
    let ok = true;
    for await (const entry of zip.eachEntry()) {
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      declared += entry.uncompressedSize;
      const ratio = checkRatio(entry.uncompressedSize, entry.compressedSize, limits, 'the entry');
      if (ratio) {
        fail(ratio, name);
        ok = false;
      }
      if (entry.isEncrypted()) {
        fail('encrypted entries are not supported', name);
        ok = false;
      }
      listed.push({ entry, name });
    }
    if (declared > limits.maxUnpackedBytes) {
      return fail(`the archive unpacks to ${mib(declared)}, more than the ${mib(limits.maxUnpackedBytes)} limit; refused as a possible archive bomb`);
    }
    if (!ok) return undefined;

    // 2. Inflate, entry by entry.
    const entries: ArchiveEntry[] = [];
    for (const { entry, name } of listed) {
      if (name.endsWith('/')) {
        entries.push({ name, type: 'dir' });
        continue;
      }
      let data: Buffer;
      try {
        data = await readEntry(zip, entry);
      } catch (err) {
        fail(`cannot be read: ${(err as Error).message}`, name);
        continue;
      }
      const mode = entry.externalFileAttributes >>> 16;
      const link = entry.versionMadeBy >> 8 === HOST_UNIX && (mode & S_IFMT) === S_IFLNK;
      entries.push(link ? { name, type: 'symlink', linkTarget: data.toString('utf8') } : { name, type: 'file', data });
    }
    return entries;
  } finally {
    zip.close();
  }
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  const stream = await zip.openReadStreamPromise(entry);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
