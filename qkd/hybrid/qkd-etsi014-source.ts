/**
 * QKD as a key source, through the local QKD node's ETSI GS QKD 014 v1.1.1 KME.
 * Side A is the master SAE: `enc_keys` (number 1, size 256) for the peer HM's
 * SAE, and the key_ID goes to the peer in the offer (`qkd_key_IDs`). Side B is
 * the slave SAE: `dec_keys` at its own KME with those ids; its path names side
 * A's SAE (the master). The KME delivers each key once per side.
 */
import { ValidationError, zeroize } from '../../common/index.js';
import { Etsi014Client } from '../etsi014/index.js';
import { QKD_KEY_SIZE_BITS, SOURCE_QKD } from './constants.js';
import type { KeyMaterial, KeyRequestContext, KeySource, PeerFields, PendingKey } from './key-source.js';

/** Options of the QKD source. */
export interface QkdEtsi014SourceOptions {
  /** This HM's KME client (its SAE id is this HM's). */
  client: Etsi014Client;
  /** The peer HM's SAE id (slave when we are side A, master when we are side B). */
  peerSaeId: string;
  keySizeBits?: number;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** QKD keys from an ETSI 014 KME. */
export class QkdEtsi014Source implements KeySource {
  readonly name = SOURCE_QKD;
  private readonly client: Etsi014Client;
  private readonly peerSaeId: string;
  private readonly keySizeBits: number;

  constructor(opts: QkdEtsi014SourceOptions) {
    this.client = opts.client;
    this.peerSaeId = opts.peerSaeId;
    this.keySizeBits = opts.keySizeBits ?? QKD_KEY_SIZE_BITS;
  }

  /** Side A: one fresh key as master SAE. */
  async begin(_ctx: KeyRequestContext): Promise<PendingKey> {
    const [k, ...extra] = await this.client.encKeys(this.peerSaeId, { number: 1, size: this.keySizeBits });
    zeroize(...extra.map((e) => e.key));
    if (!k) throw new ValidationError('KME returned no key');
    const material: KeyMaterial = { source: this.name, secret: k.key, keyIds: [k.key_ID], transcriptHash: new Uint8Array(0) };
    return {
      offer: { qkd_key_IDs: [k.key_ID] },
      finish: () => material,
      discard: () => zeroize(material.secret),
    };
  }

  /** Side B, offer received: only check the ids (the key is fetched at GET_KEY). */
  answer(_ctx: KeyRequestContext, offer: PeerFields): PeerFields {
    keyIdsOf(offer);
    return {};
  }

  /** Side B: the same key as slave SAE, by key_ID. */
  async recover(_ctx: KeyRequestContext, offer: PeerFields): Promise<KeyMaterial> {
    const ids = keyIdsOf(offer);
    const keys = await this.client.decKeys(this.peerSaeId, ids);
    try {
      if (keys.length !== ids.length || keys.some((k, i) => k.key_ID !== ids[i])) {
        throw new ValidationError('KME returned other keys than the key_IDs asked for');
      }
      const secret = new Uint8Array(keys.reduce((n, k) => n + k.key.length, 0));
      let off = 0;
      for (const k of keys) {
        secret.set(k.key, off);
        off += k.key.length;
      }
      return { source: this.name, secret, keyIds: ids, transcriptHash: new Uint8Array(0) };
    } finally {
      zeroize(...keys.map((k) => k.key));
    }
  }

  /** Nothing is held on side B between offer and GET_KEY. */
  forget(): void {}

  /** Nothing to release. */
  close(): void {}
}

/** `qkd_key_IDs` of an offer: a non-empty list of UUIDs. */
function keyIdsOf(offer: PeerFields): string[] {
  const ids = offer.qkd_key_IDs;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && UUID_RE.test(id))) {
    throw new ValidationError('qkd_key_IDs must be a non-empty list of UUIDs');
  }
  return ids as string[];
}
