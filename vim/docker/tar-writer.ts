/**
 * A minimal tar writer (POSIX.1-2001 ustar, with a pax `path` record for
 * names longer than the 100-byte field) that streams a file system image to
 * `docker import`: regular files (read from the host, symlinks followed, or
 * from memory), directories and symbolic links; owner root, fixed mtime, so
 * that the same inputs give the same archive. Nothing else (no hard links,
 * devices or extended attributes) is needed for the router image.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

/** Size of a tar block and of a header (POSIX.1-2001 ustar). */
const BLOCK = 512;
/** Longest name the ustar `name` field holds. */
const NAME_FIELD = 100;
/** Modification time written for every entry (seconds since the epoch). */
const FIXED_MTIME = 1;

/** One entry of the archive; `path` is absolute inside the image. */
export type TarEntry =
  | { type: 'dir'; path: string; mode: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'file'; path: string; mode: number; size: number; source: string }
  | { type: 'file'; path: string; mode: number; size: number; content: Buffer };

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** A 512-byte ustar header. */
function header(name: string, typeflag: string, mode: number, size: number, linkname = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, NAME_FIELD, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(FIXED_MTIME, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum field counts as blanks while summing
  h.write(typeflag, 156, 'ascii');
  h.write(linkname, 157, NAME_FIELD, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** Zero bytes that pad `size` to a whole number of blocks. */
function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** A pax record `"<len> key=value\n"`, whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** Header blocks of an entry: a pax extended header first when the name or link target is too long. */
function headersFor(name: string, typeflag: string, mode: number, size: number, linkname = ''): Buffer[] {
  const out: Buffer[] = [];
  const records = [
    ...(Buffer.byteLength(name) >= NAME_FIELD ? [paxRecord('path', name)] : []),
    ...(Buffer.byteLength(linkname) >= NAME_FIELD ? [paxRecord('linkpath', linkname)] : []),
  ];
  if (records.length > 0) {
    const pax = Buffer.from(records.join(''), 'utf8');
    out.push(header('PaxHeader', 'x', 0o644, pax.length), pax, padding(pax.length));
  }
  out.push(header(name.slice(0, NAME_FIELD - 1), typeflag, mode, size, linkname.slice(0, NAME_FIELD - 1)));
  return out;
}

async function* blocks(entries: readonly TarEntry[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (e.type === 'dir') {
      yield* headersFor(`${name}/`, '5', e.mode, 0);
    } else if (e.type === 'symlink') {
      yield* headersFor(name, '2', 0o777, 0, e.target);
    } else {
      yield* headersFor(name, '0', e.mode, e.size);
      if ('content' in e) {
        yield e.content;
      } else {
        let read = 0;
        for await (const chunk of createReadStream(e.source)) {
          const buf = chunk as Buffer;
          read += buf.length;
          if (read > e.size) throw new Error(`${e.source} grew while it was archived`);
          yield buf;
        }
        if (read !== e.size) throw new Error(`${e.source} shrank while it was archived`);
      }
      yield padding(e.size);
    }
  }
  yield Buffer.alloc(2 * BLOCK); // end of archive
}

/** The archive of `entries`, in order, as a stream. */
export function tarStream(entries: readonly TarEntry[]): Readable {
  return Readable.from(blocks(entries), { objectMode: false });
}
