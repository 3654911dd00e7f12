/**
 * ESP algorithm suites a security profile may name, mapped to RFC 9061
 * algorithm numbers (IANA IKEv2 Transform Types 1 and 3) and to the key
 * material each SA needs (CONTRACTS "Keys for one tunnel": AES-GCM's key leaf
 * is key ‖ 4-byte salt, RFC 4106; AES-CBC has a separate integrity key).
 */
import { AUTH, ENCR } from '../../common/ikeless/types.js';
import { ValidationError } from '../../common/index.js';

export interface EspSuite {
  name: string;
  encryptionAlgorithm: number;
  keyLengthBits: number;
  integrityAlgorithm: number;
  /** Bytes of the `encryption/key` leaf. */
  encKeyBytes: number;
  /** Bytes of the `integrity/key` leaf (0 for AEAD). */
  integKeyBytes: number;
}

const SUITES: Record<string, EspSuite> = {
  'AES-GCM-16-256': { name: 'AES-GCM-16-256', encryptionAlgorithm: ENCR.AES_GCM_16, keyLengthBits: 256, integrityAlgorithm: AUTH.NONE, encKeyBytes: 36, integKeyBytes: 0 },
  'AES-GCM-16-128': { name: 'AES-GCM-16-128', encryptionAlgorithm: ENCR.AES_GCM_16, keyLengthBits: 128, integrityAlgorithm: AUTH.NONE, encKeyBytes: 20, integKeyBytes: 0 },
  'AES-CBC-256-HMAC-SHA-256-128': { name: 'AES-CBC-256-HMAC-SHA-256-128', encryptionAlgorithm: ENCR.AES_CBC, keyLengthBits: 256, integrityAlgorithm: AUTH.HMAC_SHA2_256_128, encKeyBytes: 32, integKeyBytes: 32 },
  'AES-CBC-128-HMAC-SHA-256-128': { name: 'AES-CBC-128-HMAC-SHA-256-128', encryptionAlgorithm: ENCR.AES_CBC, keyLengthBits: 128, integrityAlgorithm: AUTH.HMAC_SHA2_256_128, encKeyBytes: 16, integKeyBytes: 32 },
};

/** The suite with this name, or a ValidationError listing the known ones. */
export function espSuite(name: string): EspSuite {
  const s = SUITES[name];
  if (!s) throw new ValidationError(`unknown ESP suite '${name}' (known: ${Object.keys(SUITES).join(', ')})`);
  return s;
}

/** The suite matching RFC 9061 algorithm numbers and key lengths (what a router receives). */
export function suiteForAlgorithms(encryption: number, integrity: number, encKeyBytes: number): EspSuite | undefined {
  return Object.values(SUITES).find((s) => s.encryptionAlgorithm === encryption && s.integrityAlgorithm === integrity && s.encKeyBytes === encKeyBytes);
}
