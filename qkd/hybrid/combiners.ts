/**
 * Key combiners of the Hybridization Module, as pure functions over named
 * secrets behind one `Combiner` type (the model is noble-post-quantum's
 * pluggable `Combiner`, src/hybrid.ts). Inputs are always put in a fixed order
 * by source name (QKD, ML-KEM-512/768/1024, X25519, AUX), never by value.
 *  - `xor`: K = K_1 ⊕ K_2 (NIST SP 800-133r2 §6.3: only for two independently
 *    generated keys of equal length). Inputs that cannot be independent uniform
 *    keys are refused: other than two, unequal or short lengths, identical
 *    inputs, an all-zero input. No binding to the KEM ciphertext or the stream.
 *  - `hmac`: K = HMAC-SHA-256(key = K_1, msg = K_2) (RFC 2104), the key role
 *    fixed by source order (QKD keys the MAC), never by value.
 *  - `kdf` (default): K = HKDF-SHA-256 (RFC 5869) with salt = none (HashLen
 *    zeros), IKM = ‖ over sources in order of u32be(len) ‖ secret, info =
 *    u32be(len) ‖ "qnfv hybrid v2" ‖ u32be(len) ‖ context, L = output length.
 *    Concatenate-then-KDF: K stays secret if either input is (NIST SP 800-56C
 *    r2 hybrid Z' = Z ‖ T; GHP18 "KEM combiners"); the context binds the stream.
 * Output length ≤ input length for xor and ≤ 32 for hmac (truncation, never
 * extension). Every intermediate is zeroed in `finally`; inputs are not touched.
 */
import { ValidationError, zeroize } from '../../common/index.js';
import { HKDF_SHA256_MAX_LENGTH, HMAC_SHA256_LENGTH, KDF_LABEL, SOURCE_ORDER } from './constants.js';
import type { CombinerName } from './hybrid-uri.js';
import { hkdfSha256, hmacSha256 } from './sha256.js';
import { encodeParts, encodeSecretParts } from './bytes.js';

export { hkdfSha256, hmacSha256 };

/** One secret and the source it came from (`QKD`, `ML-KEM-512`, `X25519`, `AUX`). */
export interface SecretInput {
  source: string;
  secret: Uint8Array;
}

/** Output length in bytes, and the context the `kdf` combiner binds (ignored by xor/hmac). */
export interface CombineOptions {
  length: number;
  context?: Uint8Array;
}

/** A combiner: named secrets in, one key of `opts.length` bytes out (the caller zeroes it). */
export type Combiner = (inputs: readonly SecretInput[], opts: CombineOptions) => Uint8Array;

/** Shortest input `xor` accepts (bytes): below 128 bits it cannot be a key on its own. */
export const XOR_MIN_INPUT_LENGTH = 16;

/** The inputs in the fixed source order; unknown or repeated sources throw. */
export function orderBySource(inputs: readonly SecretInput[]): SecretInput[] {
  const seen = new Set<string>();
  for (const i of inputs) {
    if (!SOURCE_ORDER.includes(i.source)) throw new ValidationError(`unknown key source '${i.source}'`);
    if (seen.has(i.source)) throw new ValidationError(`key source '${i.source}' given twice`);
    seen.add(i.source);
  }
  return [...inputs].sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source));
}

/** Concatenate `u32be(len) ‖ bytes` for each part (in memory of its own: it may hold secrets). */
export function lengthPrefixed(parts: readonly Uint8Array[]): Uint8Array {
  return encodeSecretParts(parts);
}

/** `xor`: XOR of two equal-length independent uniform keys, truncated to `length`. */
export const xorCombiner: Combiner = (inputs, opts) => {
  const ordered = checkInputs(inputs, 'xor');
  if (ordered.length !== 2) throw new ValidationError(`xor combines exactly 2 independent keys, got ${ordered.length}; use kdf`);
  const [a, b] = ordered;
  const n = a.secret.length;
  if (b.secret.length !== n) {
    throw new ValidationError(`xor needs equal-length inputs, got ${a.source}=${n}, ${b.source}=${b.secret.length} bytes (never padded); use kdf`);
  }
  if (n < XOR_MIN_INPUT_LENGTH) throw new ValidationError(`xor inputs must be at least ${XOR_MIN_INPUT_LENGTH} bytes, got ${n}`);
  // Not uniform or not independent: the XOR would be all zero or equal to the other input.
  for (const i of ordered) if (isAllZero(i.secret)) throw new ValidationError(`xor: the ${i.source} input is all zero, not a uniform key`);
  if (constantTimeEqual(a.secret, b.secret)) throw new ValidationError(`xor: the ${a.source} and ${b.source} inputs are identical, not independent`);
  checkLength(opts.length, n, 'xor');
  const acc = new Uint8Array(n);
  try {
    for (let k = 0; k < n; k++) acc[k] = a.secret[k] ^ b.secret[k];
    return acc.slice(0, opts.length);
  } finally {
    zeroize(acc);
  }
};

/** `hmac`: HMAC-SHA-256 keyed by the first secret in source order (QKD) over the second. */
export const hmacCombiner: Combiner = (inputs, opts) => {
  const ordered = checkInputs(inputs, 'hmac');
  if (ordered.length !== 2) throw new ValidationError(`hmac combines exactly 2 secrets, got ${ordered.length}; use kdf`);
  checkLength(opts.length, HMAC_SHA256_LENGTH, 'hmac');
  const mac = hmacSha256(ordered[0].secret, ordered[1].secret);
  try {
    return mac.slice(0, opts.length);
  } finally {
    zeroize(mac);
  }
};

/** `kdf`: HKDF-SHA-256 over length-prefixed secrets in source order, label + context as info. */
export const kdfCombiner: Combiner = (inputs, opts) => {
  const ordered = checkInputs(inputs, 'kdf');
  checkLength(opts.length, HKDF_SHA256_MAX_LENGTH, 'kdf');
  const ikm = lengthPrefixed(ordered.map((i) => i.secret));
  const info = encodeParts([KDF_LABEL, opts.context ?? new Uint8Array(0)]);
  try {
    return hkdfSha256(ikm, undefined, info, opts.length);
  } finally {
    zeroize(ikm);
  }
};

/** The combiners by their URI name. */
export const COMBINERS: Readonly<Record<CombinerName, Combiner>> = {
  xor: xorCombiner,
  hmac: hmacCombiner,
  kdf: kdfCombiner,
};

function checkInputs(inputs: readonly SecretInput[], name: string): SecretInput[] {
  if (inputs.length < 2) throw new ValidationError(`${name} needs at least 2 secrets, got ${inputs.length}`);
  for (const i of inputs) {
    if (!(i.secret instanceof Uint8Array) || i.secret.length === 0) {
      throw new ValidationError(`${name}: secret of ${i.source} must be a non-empty Uint8Array`);
    }
  }
  return orderBySource(inputs);
}

function checkLength(length: number, max: number, name: string): void {
  if (!Number.isInteger(length) || length < 1 || length > max) {
    throw new ValidationError(`${name} output length must be 1..${max} bytes, got ${length}`);
  }
}

function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (const v of b) acc |= v;
  return acc === 0;
}

/** Equal-length comparison whose time does not depend on where the inputs differ. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
