/**
 * Per-SA key material from a tunnel's hybrid secret (CONTRACTS "Keys for one
 * tunnel"): HKDF-SHA-256 (RFC 5869) Expand with distinct labels per purpose
 * and direction — `qnfv esp enc <dir>`, `qnfv esp salt <dir>`,
 * `qnfv esp integ <dir>` — so no two purposes or directions ever share bytes.
 * AES-GCM's RFC 9061 `key` leaf is key ‖ 4-byte salt (RFC 4106); AES-CBC
 * gets a separate HMAC-SHA-256 integrity key. The caller zeroes the result.
 */
import { hkdfExpandSha256, hkdfExtractSha256 } from '../qkd/index.js';
import { AUTH, ENCR } from '../common/ikeless/types.js';
import { ValidationError, zeroize } from '../common/index.js';
import type { KeyDirection } from './protocol.js';

/** Bytes of key material for one SA. */
export interface SaKeys {
  encryptionKey: Uint8Array;
  integrityKey?: Uint8Array;
}

const GCM_SALT_BYTES = 4;

/**
 * Derive the keys of one SA. `keyLengthBits` is the cipher key size
 * (128/256); the integrity key of HMAC-SHA-256-128 is 32 bytes (RFC 4868 §2.1.1).
 */
export function deriveSaKeys(secret: Uint8Array, direction: KeyDirection, encryptionAlgorithm: number, integrityAlgorithm: number, keyLengthBits: number): SaKeys {
  if (secret.length < 32) throw new ValidationError(`hybrid secret must be at least 32 bytes, got ${secret.length}`);
  // The direction arrives over JSON-RPC: anything else would silently derive a key no peer derives.
  if (direction !== 'in' && direction !== 'out') throw new ValidationError(`direction '${String(direction)}' is not 'in' or 'out'`);
  if (keyLengthBits !== 128 && keyLengthBits !== 256) throw new ValidationError(`key length ${keyLengthBits} bits is not supported (128 or 256)`);
  const keyBytes = keyLengthBits / 8;
  if (encryptionAlgorithm === ENCR.AES_GCM_16) {
    if (integrityAlgorithm !== AUTH.NONE) throw new ValidationError('AES-GCM is AEAD: integrity-algorithm must be 0 (NONE)');
  } else if (encryptionAlgorithm === ENCR.AES_CBC) {
    if (integrityAlgorithm !== AUTH.HMAC_SHA2_256_128) throw new ValidationError('AES-CBC needs integrity-algorithm 12 (HMAC-SHA2-256-128)');
  } else {
    throw new ValidationError(`encryption-algorithm ${encryptionAlgorithm} is not supported (20 = AES-GCM-16, 12 = AES-CBC)`);
  }
  // One Extract for the SA (RFC 5869 §2.2, zero salt), then one Expand per label.
  const prk = hkdfExtractSha256(secret, undefined);
  const expand = (label: string, length: number): Uint8Array => hkdfExpandSha256(prk, label, length);
  try {
    if (encryptionAlgorithm === ENCR.AES_CBC) {
      return { encryptionKey: expand(`qnfv esp enc ${direction}`, keyBytes), integrityKey: expand(`qnfv esp integ ${direction}`, 32) };
    }
    const key = expand(`qnfv esp enc ${direction}`, keyBytes);
    const salt = expand(`qnfv esp salt ${direction}`, GCM_SALT_BYTES);
    const out = new Uint8Array(keyBytes + GCM_SALT_BYTES);
    out.set(key);
    out.set(salt, keyBytes);
    zeroize(key, salt);
    return { encryptionKey: out };
  } finally {
    zeroize(prk);
  }
}
