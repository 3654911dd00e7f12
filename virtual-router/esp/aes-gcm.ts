/**
 * AES-GCM-16 for ESP (RFC 4106): key material is key ‖ 4-byte salt (§8.1), the
 * 8-byte explicit IV follows the ESP header (§3.1), nonce = salt ‖ IV (§4),
 * AAD = SPI ‖ seq-low, or SPI ‖ seq-high ‖ seq-low with ESN (§5), 16-byte ICV.
 * The IV is the packet's 64-bit sequence number, which the SA never reuses
 * (RFC 4106 §3.1 allows a counter; §3.1 requires uniqueness per key).
 * node:crypto forces one `createCipheriv`/`createDecipheriv` per packet (a GCM
 * context cannot be re-keyed with a new IV) and returns fresh output Buffers
 * that are copied back in place; the nonce and AAD scratch buffers are reused.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ESP_HEADER_LEN, GCM_ICV_LEN, GCM_IV_LEN, GCM_PAD_ALIGN, GCM_SALT_LEN } from './constants.js';
import type { EspTransform } from './esp-transform.js';

type GcmAlgorithm = 'aes-128-gcm' | 'aes-256-gcm';

/** RFC 4106 AES-GCM with a 16-byte ICV. */
export class AesGcmTransform implements EspTransform {
  readonly ivLength = GCM_IV_LEN;
  readonly icvLength = GCM_ICV_LEN;
  readonly padAlign = GCM_PAD_ALIGN;
  private readonly algorithm: GcmAlgorithm;
  private readonly key: Buffer;
  /** salt ‖ IV, rewritten per packet. */
  private readonly nonce = Buffer.alloc(GCM_SALT_LEN + GCM_IV_LEN);
  private readonly aad: Buffer;
  private readonly esn: boolean;

  /** `keyMaterial` is key ‖ salt (20 or 36 bytes); it is copied. */
  constructor(keyMaterial: Uint8Array, esn: boolean) {
    const keyLen = keyMaterial.length - GCM_SALT_LEN;
    this.algorithm = keyLen === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
    this.key = Buffer.alloc(keyLen);
    this.key.set(keyMaterial.subarray(0, keyLen));
    this.nonce.set(keyMaterial.subarray(keyLen), 0);
    this.esn = esn;
    this.aad = Buffer.alloc(esn ? 12 : 8);
  }

  /** The IV is the 64-bit sequence number, big-endian. */
  writeIv(buf: Buffer, ivStart: number, seqHi: number, seqLo: number): void {
    buf.writeUInt32BE(seqHi, ivStart);
    buf.writeUInt32BE(seqLo, ivStart + 4);
  }

  /** Encrypt the payload in place and write the 16-byte tag as the ICV. */
  seal(buf: Buffer, espStart: number, icvStart: number, seqHi: number): void {
    const ctStart = this.prepare(buf, espStart, seqHi);
    const cipher = createCipheriv(this.algorithm, this.key, this.nonce, { authTagLength: GCM_ICV_LEN });
    cipher.setAAD(this.aad);
    const ct = cipher.update(buf.subarray(ctStart, icvStart));
    cipher.final();
    ct.copy(buf, ctStart);
    cipher.getAuthTag().copy(buf, icvStart);
  }

  /** Verify the tag and decrypt in place; plaintext is written back only once the tag verified. */
  open(buf: Buffer, espStart: number, icvStart: number, seqHi: number): boolean {
    const ctStart = this.prepare(buf, espStart, seqHi);
    const decipher = createDecipheriv(this.algorithm, this.key, this.nonce, { authTagLength: GCM_ICV_LEN });
    decipher.setAAD(this.aad);
    decipher.setAuthTag(buf.subarray(icvStart, icvStart + GCM_ICV_LEN));
    const pt = decipher.update(buf.subarray(ctStart, icvStart));
    try {
      decipher.final();
    } catch {
      pt.fill(0); // unauthenticated plaintext is released nowhere
      return false;
    }
    pt.copy(buf, ctStart);
    return true;
  }

  /** Zero key, salt and scratch. */
  dispose(): void {
    this.key.fill(0);
    this.nonce.fill(0);
    this.aad.fill(0);
  }

  /** Fill nonce (salt kept, IV from the packet) and AAD (RFC 4106 §5); returns the ciphertext offset. */
  private prepare(buf: Buffer, espStart: number, seqHi: number): number {
    const ivStart = espStart + ESP_HEADER_LEN;
    buf.copy(this.nonce, GCM_SALT_LEN, ivStart, ivStart + GCM_IV_LEN);
    buf.copy(this.aad, 0, espStart, espStart + 4);
    if (this.esn) {
      this.aad.writeUInt32BE(seqHi, 4);
      buf.copy(this.aad, 8, espStart + 4, espStart + 8);
    } else {
      buf.copy(this.aad, 4, espStart + 4, espStart + 8);
    }
    return ivStart + GCM_IV_LEN;
  }
}
