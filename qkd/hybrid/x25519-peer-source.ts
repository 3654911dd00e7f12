/**
 * X25519 (RFC 7748 §5, §6.1) agreed with the peer Hybridization Module: the
 * classical source for PQ/T hybrids (as in X-Wing or OpenSSH
 * `mlkem768x25519-sha256`), one fresh ephemeral key pair per hybrid key on
 * each side. Side A offers `sources.X25519.public_key`, side B generates its own
 * pair, computes the shared secret, keeps it under (KSID, index) and replies
 * `public_key`; side A computes the same secret. An all-zero shared secret
 * (a small-order peer key, RFC 7748 §6.1) is refused. The transcript hash binds
 * both public keys.
 *
 * Runs on node:crypto (OpenSSL). Caveat: the private keys are OpenSSL key
 * objects that JavaScript cannot overwrite; they are dropped right after use
 * and OpenSSL cleanses X25519 keys when it frees them. The shared secrets are
 * `Uint8Array`s zeroed like every other secret. Not quantum-safe on its own.
 */
import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ValidationError } from '../../common/index.js';
import { DEFAULT_OFFER_TTL_MS, SOURCE_X25519, X25519_KEY_LENGTH } from './constants.js';
import { AnsweredSecrets } from './answered-secrets.js';
import type { KeyMaterial, KeyRequestContext, KeySource, PeerFields, PendingKey } from './key-source.js';
import { base64Field, peerTranscriptHash } from './ml-kem-peer-source.js';

/** The raw 32-byte public key of an X25519 key object. */
export function x25519RawPublicKey(key: KeyObject): Uint8Array {
  const x = key.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new ValidationError('X25519 key has no public part');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

/** X25519(privateKey, raw peer public key): the 32-byte shared secret; refuses the all-zero result. */
export function x25519SharedSecret(privateKey: KeyObject, peerPublicKey: Uint8Array): Uint8Array {
  let shared: Buffer;
  try {
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peerPublicKey).toString('base64url') }, format: 'jwk' });
    // OpenSSL already fails on an all-zero result; checked again below in case a build does not.
    shared = diffieHellman({ privateKey, publicKey: pub });
  } catch (err) {
    throw new ValidationError(`sources.X25519.public_key is not usable (small-order point?): ${(err as Error).message}`);
  }
  const out = new Uint8Array(shared);
  shared.fill(0);
  if (out.every((b) => b === 0)) throw new ValidationError('sources.X25519.public_key gives an all-zero shared secret (RFC 7748 §6.1)');
  return out;
}

/** X25519 shared secrets agreed with the peer HM. */
export class X25519PeerSource implements KeySource {
  readonly name = SOURCE_X25519;
  /** Side B: secrets from `answer`, waiting for `recover`, keyed `ksid/index`. */
  private readonly answered: AnsweredSecrets;

  constructor(opts: { ttlMs?: number } = {}) {
    this.answered = new AnsweredSecrets(this.name, opts.ttlMs ?? DEFAULT_OFFER_TTL_MS);
  }

  /** Side A: a fresh key pair; the offer carries the public key. */
  async begin(_ctx: KeyRequestContext): Promise<PendingKey> {
    const pair = generateKeyPairSync('x25519');
    const ownPublic = x25519RawPublicKey(pair.publicKey);
    // Dropped after one use or on discard: nothing can compute this secret again.
    let privateKey: KeyObject | undefined = pair.privateKey;
    return {
      offer: { public_key: Buffer.from(ownPublic).toString('base64') },
      finish: (reply) => {
        if (!privateKey) throw new ValidationError('X25519 key pair already used');
        try {
          const peer = base64Field(reply, 'public_key', X25519_KEY_LENGTH, this.name);
          return { source: this.name, secret: x25519SharedSecret(privateKey, peer), keyIds: [], transcriptHash: peerTranscriptHash(this.name, ownPublic, peer) };
        } finally {
          privateKey = undefined;
        }
      },
      discard: () => {
        privateKey = undefined;
      },
    };
  }

  /** Side B: a fresh key pair, the shared secret kept for `recover`, the public key in the reply. */
  answer(ctx: KeyRequestContext, offer: PeerFields): PeerFields {
    this.answered.assertFree(ctx);
    const peer = base64Field(offer, 'public_key', X25519_KEY_LENGTH, this.name);
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    const own = x25519RawPublicKey(publicKey);
    this.answered.keep(ctx, x25519SharedSecret(privateKey, peer), peerTranscriptHash(this.name, peer, own));
    return { public_key: Buffer.from(own).toString('base64') };
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
