/**
 * SHA-256 (FIPS 180-4), HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869)
 * on node:crypto (OpenSSL, native). They run for every hybrid key (KEM
 * transcripts, the `kdf` combiner) and every signed batch (offer digests,
 * whole messages of kilobytes), where the pure-JavaScript `@noble/hashes`
 * took several times longer. Outputs are plain `Uint8Array`s of their own
 * (not views of a shared pool), so zeroing one wipes exactly that value.
 * Checked against FIPS 180-4, RFC 4231 and RFC 5869 vectors and against
 * `@noble/hashes` (tests/qkd/hybrid/sha256.test.ts).
 */
import { createHmac, hash } from 'node:crypto';
import { ValidationError, zeroize } from '../../common/index.js';
import { HKDF_SHA256_MAX_LENGTH } from './constants.js';

/** SHA-256 output length (HashLen of RFC 5869) in bytes. */
const SHA256_LENGTH = 32;

/** A `Uint8Array` over a digest `Buffer` (node:crypto gives each digest its own memory). */
function bytesOf(digest: Buffer): Uint8Array {
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

/** SHA-256 of `data` (bytes, or a string hashed as its UTF-8 encoding). */
export function sha256(data: Uint8Array | string): Uint8Array {
  // One-shot `hash` (Node ≥ 20.12): no Hash object per call.
  return bytesOf(hash('sha256', data, 'buffer'));
}

/** RFC 2104 HMAC-SHA-256 of `message` under `key` (any length). */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return bytesOf(createHmac('sha256', key).update(message).digest());
}

/**
 * RFC 5869 HKDF with SHA-256 (`salt` undefined = HashLen zero bytes), built on HMAC rather
 * than node's `hkdfSync`, which refuses `info` over 1024 bytes (a hybrid context with long
 * URIs can be longer) and is no faster for one block.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  const prk = hkdfExtractSha256(ikm, salt);
  try {
    return hkdfExpandSha256(prk, info, length);
  } finally {
    zeroize(prk);
  }
}

/** RFC 5869 §2.2 Extract: PRK = HMAC-Hash(salt, IKM) (`salt` undefined = HashLen zero bytes). The caller zeroes it. */
export function hkdfExtractSha256(ikm: Uint8Array, salt: Uint8Array | undefined): Uint8Array {
  return bytesOf(createHmac('sha256', salt ?? new Uint8Array(SHA256_LENGTH)).update(ikm).digest());
}

/**
 * RFC 5869 §2.3 Expand: T(i) = HMAC-Hash(PRK, T(i-1) ‖ info ‖ i), OKM = the first L bytes of
 * T(1) ‖ T(2) ‖ …. Several Expands of one PRK (one per label) need only one Extract.
 */
export function hkdfExpandSha256(prk: Uint8Array, info: Uint8Array | string, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > HKDF_SHA256_MAX_LENGTH) {
    throw new ValidationError(`HKDF-SHA-256 length must be 1..${HKDF_SHA256_MAX_LENGTH}, got ${length}`);
  }
  const okm = new Uint8Array(length);
  let t: Buffer | undefined;
  try {
    for (let i = 1, off = 0; off < length; i++, off += SHA256_LENGTH) {
      const h = createHmac('sha256', prk);
      if (t) h.update(t);
      const next = h.update(info).update(Uint8Array.of(i)).digest();
      zeroize(t);
      t = next;
      okm.set(t.subarray(0, Math.min(SHA256_LENGTH, length - off)), off);
    }
    return okm;
  } finally {
    zeroize(t);
  }
}
