/**
 * AES-CBC (RFC 3602) with HMAC-SHA-256-128 (RFC 4868) for ESP, encrypt-then-MAC
 * as RFC 4303 §3.3.2 orders it. The IV is 16 random bytes per packet (RFC 3602
 * §2.1: unpredictable), drawn from a CSPRNG pool. The ICV is the first 16 bytes
 * of HMAC-SHA-256 over SPI ‖ seq-low ‖ IV ‖ ciphertext, followed by the
 * implicit seq-high when ESN is on (RFC 4303 §2.2.1, §3.3.4); it is verified
 * in constant time before anything is decrypted.
 * node:crypto needs a new Cipher/Decipher (the IV changes) and a new Hmac per
 * packet; everything else is reused.
 */
import { createCipheriv, createDecipheriv, createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';
import {
  CBC_BLOCK_LEN,
  CBC_IV_LEN,
  ESP_HEADER_LEN,
  HMAC_SHA256_128_ICV_LEN,
  IV_POOL_BYTES,
} from './constants.js';
import type { EspTransform } from './esp-transform.js';

type CbcAlgorithm = 'aes-128-cbc' | 'aes-256-cbc';

/** The node:crypto name of AES-CBC for a 16- or 32-byte key. */
export function cbcAlgorithm(keyLength: number): CbcAlgorithm {
  return keyLength === 32 ? 'aes-256-cbc' : 'aes-128-cbc';
}

/** AES-CBC-encrypt `buf[ctStart, ctEnd)` (a multiple of 16) in place with the IV at `buf[ivStart, ivStart+16)`. */
export function cbcEncryptInPlace(key: Buffer, buf: Buffer, ivStart: number, ctStart: number, ctEnd: number): void {
  const cipher = createCipheriv(cbcAlgorithm(key.length), key, buf.subarray(ivStart, ivStart + CBC_IV_LEN));
  cipher.setAutoPadding(false);
  cipher.update(buf.subarray(ctStart, ctEnd)).copy(buf, ctStart);
  cipher.final();
}

/** AES-CBC-decrypt `buf[ctStart, ctEnd)` (a multiple of 16) in place with the IV at `buf[ivStart, ivStart+16)`. */
export function cbcDecryptInPlace(key: Buffer, buf: Buffer, ivStart: number, ctStart: number, ctEnd: number): void {
  const decipher = createDecipheriv(cbcAlgorithm(key.length), key, buf.subarray(ivStart, ivStart + CBC_IV_LEN));
  decipher.setAutoPadding(false);
  decipher.update(buf.subarray(ctStart, ctEnd)).copy(buf, ctStart);
  decipher.final();
}

/** HMAC-SHA-256-128 (RFC 4868 §2.6): the first 16 bytes of HMAC-SHA-256 over the concatenated parts. */
export function hmacSha256_128(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest().subarray(0, HMAC_SHA256_128_ICV_LEN);
}

/** Pool of CSPRNG bytes for CBC IVs: refilled once every IV_POOL_BYTES / 16 packets. */
const ivPool = Buffer.alloc(IV_POOL_BYTES);
let ivPoolPos = IV_POOL_BYTES;

/** Copy 16 fresh random bytes to `buf[off, off+16)`; pool bytes are never handed out twice. */
export function takeRandomIv(buf: Buffer, off: number): void {
  if (ivPoolPos + CBC_IV_LEN > IV_POOL_BYTES) {
    randomFillSync(ivPool);
    ivPoolPos = 0;
  }
  ivPool.copy(buf, off, ivPoolPos, ivPoolPos + CBC_IV_LEN);
  ivPool.fill(0, ivPoolPos, ivPoolPos + CBC_IV_LEN);
  ivPoolPos += CBC_IV_LEN;
}

/** RFC 3602 + RFC 4868 transform of one SA. */
export class AesCbcHmacSha256Transform implements EspTransform {
  readonly ivLength = CBC_IV_LEN;
  readonly icvLength = HMAC_SHA256_128_ICV_LEN;
  readonly padAlign = CBC_BLOCK_LEN;
  private readonly encKey: Buffer;
  private readonly integKey: Buffer;
  private readonly esn: boolean;
  /** The implicit seq-high appended for the ICV with ESN. */
  private readonly seqHiBytes = Buffer.alloc(4);

  /** Both keys are copied (AES key 16/32 bytes, HMAC key 32 bytes). */
  constructor(encKey: Uint8Array, integKey: Uint8Array, esn: boolean) {
    this.encKey = Buffer.alloc(encKey.length);
    this.encKey.set(encKey);
    this.integKey = Buffer.alloc(integKey.length);
    this.integKey.set(integKey);
    this.esn = esn;
  }

  /** A random IV; the sequence number is not used. */
  writeIv(buf: Buffer, ivStart: number, _seqHi: number, _seqLo: number): void {
    takeRandomIv(buf, ivStart);
  }

  /** Encrypt, then MAC (RFC 4303 §3.3.2). */
  seal(buf: Buffer, espStart: number, icvStart: number, seqHi: number): void {
    const ivStart = espStart + ESP_HEADER_LEN;
    cbcEncryptInPlace(this.encKey, buf, ivStart, ivStart + CBC_IV_LEN, icvStart);
    this.icv(buf, espStart, icvStart, seqHi).copy(buf, icvStart);
  }

  /** Verify the ICV in constant time, then decrypt (RFC 4303 §3.4.4). */
  open(buf: Buffer, espStart: number, icvStart: number, seqHi: number): boolean {
    const ivStart = espStart + ESP_HEADER_LEN;
    const ctStart = ivStart + CBC_IV_LEN;
    if ((icvStart - ctStart) % CBC_BLOCK_LEN !== 0 || icvStart <= ctStart) return false;
    const expected = this.icv(buf, espStart, icvStart, seqHi);
    if (!timingSafeEqual(expected, buf.subarray(icvStart, icvStart + HMAC_SHA256_128_ICV_LEN))) return false;
    cbcDecryptInPlace(this.encKey, buf, ivStart, ctStart, icvStart);
    return true;
  }

  /** Zero both keys. */
  dispose(): void {
    this.encKey.fill(0);
    this.integKey.fill(0);
  }

  private icv(buf: Buffer, espStart: number, icvStart: number, seqHi: number): Buffer {
    const authenticated = buf.subarray(espStart, icvStart);
    if (!this.esn) return hmacSha256_128(this.integKey, authenticated);
    this.seqHiBytes.writeUInt32BE(seqHi, 0);
    return hmacSha256_128(this.integKey, authenticated, this.seqHiBytes);
  }
}
