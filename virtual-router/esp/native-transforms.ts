/**
 * The ESP transforms on the native addon (native-crypto.ts): RFC 4106
 * AES-GCM-16 (IV = the 64-bit sequence number, RFC 4106 §3.1) and RFC 3602
 * AES-CBC + RFC 4868 HMAC-SHA-256-128 (random IV from the CSPRNG pool,
 * encrypt-then-MAC, ICV checked in constant time before decryption). Same
 * contract as aes-gcm.ts / aes-cbc-hmac.ts, but the SA's OpenSSL contexts are
 * keyed once and reused, so a packet costs one call and no allocation. Key
 * bytes are copied into OpenSSL; `dispose()` frees the contexts (OpenSSL
 * cleanses them) and later use throws.
 */
import { takeRandomIv } from './aes-cbc-hmac.js';
import { CBC_BLOCK_LEN, CBC_IV_LEN, ESP_HEADER_LEN, GCM_ICV_LEN, GCM_IV_LEN, GCM_PAD_ALIGN, HMAC_SHA256_128_ICV_LEN } from './constants.js';
import type { EspTransform } from './esp-transform.js';
import type { EspCryptoAddon, NativeSaContext } from './native-crypto.js';

/** RFC 4106 AES-GCM with a 16-byte ICV, on OpenSSL. */
export class NativeAesGcmTransform implements EspTransform {
  readonly ivLength = GCM_IV_LEN;
  readonly icvLength = GCM_ICV_LEN;
  readonly padAlign = GCM_PAD_ALIGN;
  private readonly ctx: NativeSaContext;

  /** `keyMaterial` is key ‖ salt (20 or 36 bytes); it is copied. */
  constructor(
    private readonly addon: EspCryptoAddon,
    keyMaterial: Uint8Array,
    esn: boolean,
  ) {
    this.ctx = addon.gcmCreate(keyMaterial, esn);
  }

  /** The IV is the 64-bit sequence number, big-endian. */
  writeIv(buf: Buffer, ivStart: number, seqHi: number, seqLo: number): void {
    buf.writeUInt32BE(seqHi, ivStart);
    buf.writeUInt32BE(seqLo, ivStart + 4);
  }

  /** Encrypt the payload in place and write the 16-byte tag as the ICV. */
  seal(buf: Buffer, espStart: number, icvStart: number, seqHi: number): void {
    this.addon.seal(this.ctx, buf, espStart, icvStart, seqHi);
  }

  /** Verify the tag and decrypt in place; false leaves the buffer unchanged. */
  open(buf: Buffer, espStart: number, icvStart: number, seqHi: number): boolean {
    return this.addon.open(this.ctx, buf, espStart, icvStart, seqHi);
  }

  /** Free the OpenSSL contexts (key schedule and salt cleansed). */
  dispose(): void {
    this.addon.dispose(this.ctx);
  }
}

/** RFC 3602 + RFC 4868 transform of one SA, on OpenSSL. */
export class NativeAesCbcHmacSha256Transform implements EspTransform {
  readonly ivLength = CBC_IV_LEN;
  readonly icvLength = HMAC_SHA256_128_ICV_LEN;
  readonly padAlign = CBC_BLOCK_LEN;
  private readonly ctx: NativeSaContext;

  /** Both keys are copied (AES key 16/32 bytes, HMAC key 32 bytes). */
  constructor(
    private readonly addon: EspCryptoAddon,
    encKey: Uint8Array,
    integKey: Uint8Array,
    esn: boolean,
  ) {
    this.ctx = addon.cbcHmacCreate(encKey, integKey, esn);
  }

  /** A random IV (RFC 3602 §2.1); the sequence number is not used. */
  writeIv(buf: Buffer, ivStart: number, _seqHi: number, _seqLo: number): void {
    takeRandomIv(buf, ivStart);
  }

  /** Encrypt, then MAC (RFC 4303 §3.3.2). */
  seal(buf: Buffer, espStart: number, icvStart: number, seqHi: number): void {
    this.addon.seal(this.ctx, buf, espStart, icvStart, seqHi);
  }

  /** Verify the ICV in constant time, then decrypt (RFC 4303 §3.4.4); false leaves the buffer unchanged. */
  open(buf: Buffer, espStart: number, icvStart: number, seqHi: number): boolean {
    const ctStart = espStart + ESP_HEADER_LEN + CBC_IV_LEN;
    if (icvStart <= ctStart || (icvStart - ctStart) % CBC_BLOCK_LEN !== 0) return false;
    return this.addon.open(this.ctx, buf, espStart, icvStart, seqHi);
  }

  /** Free the OpenSSL contexts (keys cleansed). */
  dispose(): void {
    this.addon.dispose(this.ctx);
  }
}
