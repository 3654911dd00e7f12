/**
 * Test archive builders. Honest archives come from the libraries that make real ones (`tar.c` for
 * an OSM .tar.gz of a folder, yazl for a CSAR zip); crafted ones that those libraries refuse to
 * write (entries named `../x` or `/x`, FIFOs, hard links) are assembled from tar's own `Header`
 * encoder, or from a yazl zip whose entry name is then patched in place (names are not covered
 * by the zip CRC).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create, Header } from 'tar';
import yazl from 'yazl';

/** One entry of a crafted tar. */
export interface RawTarEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'FIFO' | 'CharacterDevice';
  data?: string | Buffer;
  linkpath?: string;
}

/** An uncompressed tar holding exactly these entries (names taken as given). */
export function tarOf(entries: readonly RawTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    const type = e.type ?? 'File';
    const header = new Header({ path: e.path, type, size: type === 'File' ? data.length : 0, mode: type === 'Directory' ? 0o755 : 0o644, mtime: new Date(0), uid: 0, gid: 0, ...(e.linkpath ? { linkpath: e.linkpath } : {}) });
    header.encode();
    blocks.push(header.block as Buffer);
    if (type === 'File' && data.length > 0) blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A gzipped crafted tar. */
export function tarGzOf(entries: readonly RawTarEntry[]): Buffer {
  return gzipSync(tarOf(entries));
}

/** `tar czf out -C parent folder`, as osmclient's package-build does (links kept as links). */
export function tarGzFolder(parent: string, folder: string, out: string): string {
  create({ gzip: true, file: out, cwd: parent, sync: true, portable: true }, [folder]);
  return out;
}

/** One zip entry: a file (optionally with a Unix mode, e.g. 0o120777 for a link) or a folder. */
export interface ZipEntry {
  path: string;
  data?: string | Buffer;
  mode?: number;
  dir?: boolean;
}

/** A zip of these entries (yazl, deflated). */
export function zipOf(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries) {
    if (e.dir) zip.addEmptyDirectory(e.path);
    else zip.addBuffer(Buffer.from(e.data ?? ''), e.path, e.mode === undefined ? {} : { mode: e.mode });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** Replace every occurrence of an entry name by another of the same length (for names yazl refuses). */
export function renameEntry(archive: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('test: names must have the same length');
  const out = Buffer.from(archive.toString('latin1').split(from).join(to), 'latin1');
  if (out.equals(archive)) throw new Error(`test: '${from}' not found in the archive`);
  return out;
}

/** A scratch folder for one test file; `cleanup` removes it. */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void; write: (rel: string, data: string | Buffer) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    write: (rel, data) => {
      const path = join(dir, rel);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, data);
      return path;
    },
  };
}
