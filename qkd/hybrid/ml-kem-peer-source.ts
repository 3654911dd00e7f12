/**
 * ML-KEM (FIPS 203; liboqs as WebAssembly, see ml-kem-wasm.ts) agreed with the peer Hybridization
 * Module, one fresh key pair per hybrid key (forward secrecy: the decapsulation
 * key is zeroed once used or abandoned). Side A generates (ek, dk) and offers
 * `sources.<ML-KEM-n>.encapsulation_key` (base64); side B encapsulates to ek,
 * keeps the shared secret under (KSID, index) for a limited time and replies
 * `ciphertext` (base64); side A decapsulates. The transcript hash bound into
 * the `kdf` context is SHA-256(u32be-prefixed name ‖ ek ‖ ct), binding the
 * public key and the ciphertext (as X-Wing does).
 *
 * An active attacker on the HM-to-HM channel could substitute ek or the
 * ciphertext; the channel's ML-DSA signatures (`peer-channel.ts`) are what
 * stops that. `@noble/post-quantum` is the reference the tests check liboqs
 * against (and the one the NIST ACVP vectors run on, as liboqs-js exposes no
 * deterministic entry points).
 */
import { ml_kem1024, ml_kem512, ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { WASM_ML_KEMS, type MlKemImpl } from './ml-kem-wasm.js';
import { ValidationError, zeroize } from '../../common/index.js';
import { encodeParts } from './bytes.js';
import { sha256 } from './sha256.js';
import { DEFAULT_OFFER_TTL_MS, ML_KEM_ALGORITHMS, ML_KEM_SIZES } from './constants.js';
import { AnsweredSecrets } from './answered-secrets.js';
import type { KeyMaterial, KeyRequestContext, KeySource, PeerFields, PendingKey } from './key-source.js';

/** An ML-KEM parameter-set name. */
export type MlKemAlgorithm = (typeof ML_KEM_ALGORITHMS)[number];

/** The reference implementations (`@noble/post-quantum`, pure JavaScript, with deterministic entry points for test vectors) by FIPS 203 name. */
export const NOBLE_ML_KEMS = { 'ML-KEM-512': ml_kem512, 'ML-KEM-768': ml_kem768, 'ML-KEM-1024': ml_kem1024 } as const;

/** The implementations the sources use: liboqs (WebAssembly), about six times faster. */
export const ML_KEMS: Readonly<Record<MlKemAlgorithm, MlKemImpl>> = WASM_ML_KEMS;

/** SHA-256 of the public transcript of one exchange with the peer: source name, what A sent (public key), what B sent (ciphertext or public key). */
export function peerTranscriptHash(name: string, fromA: Uint8Array, fromB: Uint8Array): Uint8Array {
  return sha256(encodeParts([name, fromA, fromB]));
}

/** ML-KEM shared secrets agreed with the peer HM. */
export class MlKemPeerSource implements KeySource {
  readonly name: MlKemAlgorithm;
  private readonly kem: MlKemImpl;
  /** Side B: secrets from `answer`, waiting for `recover`, keyed `ksid/index`. */
  private readonly answered: AnsweredSecrets;

  constructor(opts: { algorithm: MlKemAlgorithm; ttlMs?: number }) {
    if (!(opts.algorithm in ML_KEMS)) throw new ValidationError(`unknown ML-KEM parameter set '${opts.algorithm}'`);
    this.name = opts.algorithm;
    this.kem = ML_KEMS[opts.algorithm];
    this.answered = new AnsweredSecrets(this.name, opts.ttlMs ?? DEFAULT_OFFER_TTL_MS);
  }

  /** Side A: a fresh key pair; the offer carries the encapsulation key. */
  async begin(_ctx: KeyRequestContext): Promise<PendingKey> {
    const { publicKey, secretKey } = this.kem.keygen();
    const kem = this.kem;
    const expected = ML_KEM_SIZES[this.name].ciphertext;
    return {
      offer: { encapsulation_key: Buffer.from(publicKey).toString('base64') },
      finish: (reply) => {
        try {
          const ct = base64Field(reply, 'ciphertext', expected, this.name);
          return { source: this.name, secret: kem.decapsulate(ct, secretKey), keyIds: [], transcriptHash: peerTranscriptHash(this.name, publicKey, ct) };
        } finally {
          zeroize(secretKey);
        }
      },
      discard: () => zeroize(secretKey),
    };
  }

  /** Side B: encapsulate to the offered key, keep the secret for `recover`, reply with the ciphertext. */
  answer(ctx: KeyRequestContext, offer: PeerFields): PeerFields {
    this.answered.assertFree(ctx);
    const ek = base64Field(offer, 'encapsulation_key', ML_KEM_SIZES[this.name].encapsulationKey, this.name);
    let enc: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      // FIPS 203 §7.2 input check (modulus check) happens inside: a malformed ek throws.
      enc = this.kem.encapsulate(ek);
    } catch (err) {
      throw new ValidationError(`sources.${this.name}.encapsulation_key is not a valid ${this.name} key: ${(err as Error).message}`);
    }
    this.answered.keep(ctx, enc.sharedSecret, peerTranscriptHash(this.name, ek, enc.cipherText));
    return { ciphertext: Buffer.from(enc.cipherText).toString('base64') };
  }

  /** Side B: the secret kept by `answer` (once). */
  async recover(ctx: KeyRequestContext): Promise<KeyMaterial> {
    return this.answered.recover(ctx);
  }

  /** Side B: zero and drop secrets of `ksid` (one index, or all). */
  forget(ksid: string, index?: number): void {
    this.answered.forget(ksid, index);
  }

  /** Zero everything held. */
  close(): void {
    this.answered.close();
  }
}

/** The base64 alphabet, padding at most two `=` at the end (no whitespace, no base64url). */
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decode a base64 field of `length` bytes from `source`'s fields. */
export function base64Field(fields: PeerFields, name: string, length: number, source: string): Uint8Array {
  const v = fields[name];
  if (typeof v !== 'string') throw new ValidationError(`sources.${source}.${name} must be a base64 string`);
  const decoded = Buffer.from(v, 'base64');
  // What a peer sends is the canonical encoding of what it decodes to: comparing with that is
  // the check, and cheaper than the regex over kilobytes; any other form still gets the regex.
  if (decoded.toString('base64') !== v && !BASE64_RE.test(v)) throw new ValidationError(`sources.${source}.${name} must be a base64 string`);
  if (decoded.length !== length) throw new ValidationError(`sources.${source}.${name} must be ${length} bytes, got ${decoded.length}`);
  // Public keys and ciphertexts: the decoded bytes may stay in Node's buffer pool (no copy of their own).
  return decoded;
}
