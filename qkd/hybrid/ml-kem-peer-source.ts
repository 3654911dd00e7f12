/**
 * ML-KEM (FIPS 203, `@noble/post-quantum`) agreed with the peer Hybridization
 * Module, one fresh key pair per hybrid key. Side A generates (ek, dk) and puts
 * `algorithm` + `encapsulation_key` (base64) in the offer; side B encapsulates
 * to ek, keeps the shared secret under (KSID, index) for a limited time, and
 * replies with `ciphertext` (base64); side A decapsulates. The ciphertext's
 * SHA-256 is bound into the `kdf` context.
 *
 * Caveat: the HM-to-HM channel is NOT authenticated yet (a later issue): an
 * active attacker on it can substitute ek or the ciphertext and learn this
 * source's secret. The hybrid key then still rests on the QKD key; that is what
 * "secure if either input is secret" buys, and no more.
 */
import { ml_kem1024, ml_kem512, ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ConflictError, NotFoundError, ValidationError, zeroize } from '../../common/index.js';
import { DEFAULT_OFFER_TTL_MS, ML_KEM_ALGORITHMS, ML_KEM_SIZES } from './constants.js';
import { ExpiringMap } from './expiring-map.js';
import type { KeyMaterial, KeyRequestContext, KeySource, PeerFields, PendingKey } from './key-source.js';

/** An ML-KEM parameter-set name. */
export type MlKemAlgorithm = (typeof ML_KEM_ALGORITHMS)[number];

const KEMS = { 'ML-KEM-512': ml_kem512, 'ML-KEM-768': ml_kem768, 'ML-KEM-1024': ml_kem1024 } as const;

interface Answered {
  secret: Uint8Array;
  transcriptHash: Uint8Array;
}

/** ML-KEM shared secrets agreed with the peer HM. */
export class MlKemPeerSource implements KeySource {
  readonly name: MlKemAlgorithm;
  private readonly kem: (typeof KEMS)[MlKemAlgorithm];
  /** Side B: secrets from `answer`, waiting for `recover`, keyed `ksid/index`. */
  private readonly answered: ExpiringMap<string, Answered>;

  constructor(opts: { algorithm: MlKemAlgorithm; ttlMs?: number }) {
    if (!(opts.algorithm in KEMS)) throw new ValidationError(`unknown ML-KEM parameter set '${opts.algorithm}'`);
    this.name = opts.algorithm;
    this.kem = KEMS[opts.algorithm];
    this.answered = new ExpiringMap(opts.ttlMs ?? DEFAULT_OFFER_TTL_MS, (_k, v) => zeroize(v.secret));
  }

  /** Side A: a fresh key pair; the offer carries the encapsulation key. */
  async begin(_ctx: KeyRequestContext): Promise<PendingKey> {
    const { publicKey, secretKey } = this.kem.keygen();
    const kem = this.kem;
    const expected = ML_KEM_SIZES[this.name].ciphertext;
    return {
      offer: { algorithm: this.name, encapsulation_key: Buffer.from(publicKey).toString('base64') },
      finish: (reply) => {
        try {
          const ct = base64Field(reply, 'ciphertext', expected);
          return { source: this.name, secret: kem.decapsulate(ct, secretKey), keyIds: [], transcriptHash: sha256(ct) };
        } finally {
          zeroize(secretKey);
        }
      },
      discard: () => zeroize(secretKey),
    };
  }

  /** Side B: encapsulate to the offered key, keep the secret for `recover`, reply with the ciphertext. */
  answer(ctx: KeyRequestContext, offer: PeerFields): PeerFields {
    if (offer.algorithm !== this.name) throw new ValidationError(`algorithm must be ${this.name}, got '${String(offer.algorithm)}'`);
    const slot = slotKey(ctx.ksid, ctx.index);
    if (this.answered.get(slot)) throw new ConflictError(`key stream ${ctx.ksid} index ${ctx.index} was already offered`);
    const ek = base64Field(offer, 'encapsulation_key', ML_KEM_SIZES[this.name].encapsulationKey);
    let enc: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      enc = this.kem.encapsulate(ek);
    } catch (err) {
      throw new ValidationError(`encapsulation_key is not a valid ${this.name} key: ${(err as Error).message}`);
    }
    this.answered.set(slot, { secret: enc.sharedSecret, transcriptHash: sha256(enc.cipherText) });
    return { ciphertext: Buffer.from(enc.cipherText).toString('base64') };
  }

  /** Side B: the secret kept by `answer` (once). */
  async recover(ctx: KeyRequestContext): Promise<KeyMaterial> {
    const a = this.answered.take(slotKey(ctx.ksid, ctx.index));
    if (!a) throw new NotFoundError(`${this.name} secret for key stream`, `${ctx.ksid}/${ctx.index}`);
    return { source: this.name, secret: a.secret, keyIds: [], transcriptHash: a.transcriptHash };
  }

  /** Side B: zero and drop secrets of `ksid` (one index, or all). */
  forget(ksid: string, index?: number): void {
    for (const [k, v] of this.answered.values()) {
      if (index === undefined ? k.startsWith(`${ksid}/`) : k === slotKey(ksid, index)) {
        zeroize(v.secret);
        this.answered.take(k);
      }
    }
  }

  /** Zero everything held. */
  close(): void {
    this.answered.close();
  }
}

function slotKey(ksid: string, index: number): string {
  return `${ksid}/${index}`;
}

/** Decode a base64 field of `length` bytes. */
function base64Field(fields: PeerFields, name: string, length: number): Uint8Array {
  const v = fields[name];
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new ValidationError(`${name} must be a base64 string`);
  const bytes = new Uint8Array(Buffer.from(v, 'base64'));
  if (bytes.length !== length) throw new ValidationError(`${name} must be ${length} bytes, got ${bytes.length}`);
  return bytes;
}
