/**
 * Which implementation builds an SA's transform (esp-transform.ts): the
 * native addon on OpenSSL with per-SA contexts reused (native-transforms.ts,
 * the fast path) or node:crypto with a new cipher per packet (aes-gcm.ts,
 * aes-cbc-hmac.ts: slower, needs no build step). Both implement RFC 4106
 * AES-GCM-16 and RFC 3602 + RFC 4868 AES-CBC/HMAC-SHA-256-128 and produce the
 * same bytes (tests/virtual-router/esp/native-crypto.test.ts).
 */
import { PrerequisiteError, type Logger } from '../../common/index.js';
import { AesCbcHmacSha256Transform } from './aes-cbc-hmac.js';
import { AesGcmTransform } from './aes-gcm.js';
import type { EspTransform } from './esp-transform.js';
import { tryLoadEspCryptoAddon } from './native-crypto.js';
import { NativeAesCbcHmacSha256Transform, NativeAesGcmTransform } from './native-transforms.js';

/** `native` or `node`, or `auto`: native when the addon loads, node:crypto (with a warning) when not. */
export type CryptoChoice = 'auto' | 'native' | 'node';

/** Builds transforms with one backend. */
export interface TransformFactory {
  readonly backend: 'native' | 'node';
  /** AES-GCM-16 from key ‖ 4-byte salt; copies the key. */
  gcm(keyMaterial: Uint8Array, esn: boolean): EspTransform;
  /** AES-CBC + HMAC-SHA-256-128; copies the keys. */
  cbcHmac(encKey: Uint8Array, integKey: Uint8Array, esn: boolean): EspTransform;
}

const nodeFactory: TransformFactory = {
  backend: 'node',
  gcm: (k, esn) => new AesGcmTransform(k, esn),
  cbcHmac: (e, i, esn) => new AesCbcHmacSha256Transform(e, i, esn),
};

/** The factory for `choice`; `native` without a loadable addon throws a PrerequisiteError. */
export function transformFactory(choice: CryptoChoice, log: Logger): TransformFactory {
  if (choice === 'node') return nodeFactory;
  const { addon, error } = tryLoadEspCryptoAddon();
  if (addon === undefined) {
    if (choice === 'native') throw new PrerequisiteError(error ?? 'ESP crypto addon unavailable');
    log.warn('ESP crypto addon unavailable, using node:crypto (slower: a new cipher per packet)', { reason: error });
    return nodeFactory;
  }
  return {
    backend: 'native',
    gcm: (k, esn) => new NativeAesGcmTransform(addon, k, esn),
    cbcHmac: (e, i, esn) => new NativeAesCbcHmacSha256Transform(addon, e, i, esn),
  };
}
