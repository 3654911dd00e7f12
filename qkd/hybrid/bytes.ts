/**
 * The length-prefixed encoding of the per-key and per-batch byte strings
 * (hybrid context, KDF input, transcripts, auxiliary key): each part is
 * `u32be(len) ‖ bytes`, a string stands for its UTF-8 bytes, and a nested list
 * is itself a length-prefixed part. Encoded in one pass into one allocation:
 * a `Uint8Array` of its own costs microseconds to allocate (off-heap memory,
 * zeroed, tracked by the GC), which made the former part-by-part encoding (a
 * buffer per string, per level, per `TextEncoder`) a noticeable share of each
 * key. Internal to the hybrid module.
 */

/** A part: bytes, a string (its UTF-8; lone surrogates become U+FFFD), or a list encoded as one part. */
export type Part = Uint8Array | string | readonly Part[];

/** One UTF-8 encoder for all (stateless, so sharing it is safe). */
const ENCODER = new TextEncoder();

/** `s` as UTF-8 bytes. */
export function utf8(s: string): Uint8Array {
  return ENCODER.encode(s);
}

/** `n` (0..2³²−1) as 4 big-endian bytes. */
export function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  writeU32be(out, 0, n);
  return out;
}

/**
 * `u32be(len) ‖ part` for each part, concatenated, for public values (contexts, transcripts):
 * in Node's shared buffer pool, which is far cheaper than memory of its own. Every byte is
 * written, so nothing of the pool's earlier contents shows.
 */
export function encodeParts(parts: readonly Part[]): Uint8Array {
  return fill(Buffer.allocUnsafe(contentSize(parts)), parts);
}

/** `encodeParts` in memory of its own, for secrets: zeroing the result wipes the only copy made. */
export function encodeSecretParts(parts: readonly Part[]): Uint8Array {
  const out = new Uint8Array(contentSize(parts));
  fill(Buffer.from(out.buffer, out.byteOffset, out.byteLength), parts);
  return out;
}

function fill(out: Buffer, parts: readonly Part[]): Buffer {
  const end = writeParts(out, 0, parts);
  if (end !== out.length) throw new Error(`length-prefixed encoding wrote ${end} of ${out.length} bytes`);
  return out;
}

/** Write `n` as 4 big-endian bytes at `off` (ToUint32 of `n`, as DataView.setUint32 does). */
function writeU32be(out: Uint8Array, off: number, n: number): void {
  out[off] = n >>> 24;
  out[off + 1] = (n >>> 16) & 0xff;
  out[off + 2] = (n >>> 8) & 0xff;
  out[off + 3] = n & 0xff;
}

function partSize(p: Part): number {
  if (typeof p === 'string') return Buffer.byteLength(p, 'utf8');
  if (p instanceof Uint8Array) return p.length;
  return contentSize(p);
}

function contentSize(parts: readonly Part[]): number {
  let n = 0;
  for (const p of parts) n += 4 + partSize(p);
  return n;
}

/** Write each part at `off`; returns the offset after the last. */
function writeParts(out: Buffer, off: number, parts: readonly Part[]): number {
  for (const p of parts) {
    let end: number;
    if (typeof p === 'string') end = off + 4 + out.write(p, off + 4, 'utf8');
    else if (p instanceof Uint8Array) {
      out.set(p, off + 4);
      end = off + 4 + p.length;
    } else end = writeParts(out, off + 4, p);
    writeU32be(out, off, end - off - 4);
    off = end;
  }
  return off;
}
