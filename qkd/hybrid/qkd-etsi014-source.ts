/**
 * QKD as a key source, through the local QKD node's ETSI GS QKD 014 v1.1.1 KME.
 * Side A is the master SAE: `enc_keys` (§5.3, size 256) for the peer HM's SAE,
 * and the key_ID goes to the peer in the offer (`sources.QKD.key_IDs`). Side B
 * is the slave SAE: `dec_keys` (§5.4) at its own KME with those ids; its path
 * names side A's SAE (the master). The KME delivers each key once per side.
 *
 * Each hybrid key gets its own QKD key, but concurrent requests share one KME
 * call (group commit: `number` = n keys for n waiting requests, or n key_IDs
 * in one dec_keys), at most `QKD_MAX_KEYS_PER_REQUEST` per call. If a shared
 * call fails, its requests are retried one by one so that one bad key_ID or the
 * last keys of the store fail only the requests they concern. No key left
 * (HTTP 503) or no KME reachable is `SourceUnavailableError` (004 status 2 or
 * 4), which `single_source_policy=allow-degraded` may turn into degraded mode.
 */
import { ValidationError, zeroize } from '../../common/index.js';
import { Etsi004Status } from '../etsi004/index.js';
import { Etsi014Client, Etsi014ClientError, type Etsi014Key } from '../etsi014/index.js';
import { QKD_KEY_SIZE_BITS, QKD_MAX_CALLS_IN_FLIGHT, QKD_MAX_KEYS_PER_REQUEST, SOURCE_QKD } from './constants.js';
import { GroupCommit, settleEach, type Settled } from './group-commit.js';
import { SourceUnavailableError, type KeyMaterial, type KeyRequestContext, type KeySource, type PeerFields, type PendingKey } from './key-source.js';

/** Options of the QKD source. */
export interface QkdEtsi014SourceOptions {
  /** This HM's KME client (its SAE id is this HM's). */
  client: Etsi014Client;
  /** The peer HM's SAE id (slave when we are side A, master when we are side B). */
  peerSaeId: string;
  keySizeBits?: number;
  /** Most keys per enc_keys / key_IDs per dec_keys call (default 128, the KME's usual max_key_per_request). */
  maxKeysPerRequest?: number;
  /** Close `client` with the source (it was made for it). */
  ownsClient?: boolean;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** QKD keys from an ETSI 014 KME. */
export class QkdEtsi014Source implements KeySource {
  readonly name = SOURCE_QKD;
  private readonly client: Etsi014Client;
  private readonly peerSaeId: string;
  private readonly keySizeBits: number;
  private readonly maxPerCall: number;
  private readonly enc: GroupCommit<null, Etsi014Key>;
  private readonly dec: GroupCommit<string[], Etsi014Key[]>;

  private readonly ownsClient: boolean;
  constructor(opts: QkdEtsi014SourceOptions) {
    this.client = opts.client;
    this.ownsClient = opts.ownsClient === true;
    this.peerSaeId = opts.peerSaeId;
    this.keySizeBits = opts.keySizeBits ?? QKD_KEY_SIZE_BITS;
    this.maxPerCall = opts.maxKeysPerRequest ?? QKD_MAX_KEYS_PER_REQUEST;
    const batching = { maxBatch: this.maxPerCall, maxInFlight: QKD_MAX_CALLS_IN_FLIGHT };
    this.enc = new GroupCommit((items) => this.encKeys(items.length), batching);
    this.dec = new GroupCommit((items) => this.decKeys(items), batching);
  }

  /** Side A: one fresh key as master SAE. */
  async begin(_ctx: KeyRequestContext): Promise<PendingKey> {
    const k = await this.enc.submit(null);
    const material: KeyMaterial = { source: this.name, secret: k.key, keyIds: [k.key_ID], transcriptHash: new Uint8Array(0) };
    return {
      offer: { key_IDs: [k.key_ID] },
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
    const keys = await this.dec.submit(ids);
    try {
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

  /** Close the KME client when this source created it (its keep-alive TLS connections). */
  close(): void {
    if (this.ownsClient) this.client.close();
  }

  /** `n` keys for `n` waiting requests: one call per `maxPerCall`, then one by one if a call fails. */
  private async encKeys(n: number): Promise<Settled<Etsi014Key>[]> {
    const out: Settled<Etsi014Key>[] = [];
    for (let done = 0; done < n; done += this.maxPerCall) {
      const count = Math.min(this.maxPerCall, n - done);
      try {
        const keys = await this.client.encKeys(this.peerSaeId, { number: count, size: this.keySizeBits });
        if (keys.length !== count) {
          zeroize(...keys.map((k) => k.key));
          throw new ValidationError(`KME returned ${keys.length} keys for number=${count}`);
        }
        out.push(...keys.map((value) => ({ ok: true as const, value })));
      } catch (err) {
        // Fewer keys stored than asked for: serve whoever the rest can serve. Any other failure fails them all.
        if (count > 1 && isHttp(err, 503)) out.push(...(await settleEach(new Array<null>(count).fill(null), () => this.encOne())));
        else out.push(...new Array<Settled<Etsi014Key>>(count).fill({ ok: false, error: unavailable(err) }));
      }
    }
    return out;
  }

  private async encOne(): Promise<Etsi014Key> {
    try {
      const [k, ...extra] = await this.client.encKeys(this.peerSaeId, { number: 1, size: this.keySizeBits });
      zeroize(...extra.map((e) => e.key));
      if (!k) throw new ValidationError('KME returned no key');
      return k;
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** The keys of each waiting request's key_IDs: shared dec_keys calls, then one by one if a call fails. */
  private async decKeys(requests: string[][]): Promise<Settled<Etsi014Key[]>[]> {
    const out: Settled<Etsi014Key[]>[] = [];
    let i = 0;
    while (i < requests.length) {
      // As many whole requests as fit in one call.
      const group: string[][] = [];
      let ids = 0;
      while (i < requests.length && (group.length === 0 || ids + requests[i].length <= this.maxPerCall)) {
        ids += requests[i].length;
        group.push(requests[i++]);
      }
      const flat = group.flat();
      try {
        const keys = await this.client.decKeys(this.peerSaeId, flat);
        const byId = new Map(keys.map((k) => [k.key_ID, k]));
        if (keys.length !== flat.length || flat.some((id) => !byId.has(id))) {
          zeroize(...keys.map((k) => k.key));
          throw new ValidationError('KME returned other keys than the key_IDs asked for');
        }
        for (const g of group) out.push({ ok: true, value: g.map((id) => byId.get(id) as Etsi014Key) });
      } catch (err) {
        // One unknown or consumed key_ID (HTTP 400) must not fail the others. Any other failure fails them all.
        if (group.length > 1 && isHttp(err, 400)) out.push(...(await settleEach(group, (g) => this.decOne(g))));
        else out.push(...group.map((): Settled<Etsi014Key[]> => ({ ok: false, error: decError(err) })));
      }
    }
    return out;
  }

  private async decOne(ids: string[]): Promise<Etsi014Key[]> {
    try {
      const keys = await this.client.decKeys(this.peerSaeId, ids);
      if (keys.length !== ids.length || keys.some((k, j) => k.key_ID !== ids[j])) {
        zeroize(...keys.map((k) => k.key));
        throw new ValidationError('KME returned other keys than the key_IDs asked for');
      }
      return keys;
    } catch (err) {
      throw decError(err);
    }
  }
}

/** enc_keys failures: no key left or no KME are "unavailable"; anything else (400/401) stays a plain error. */
function unavailable(err: unknown): Error {
  if (err instanceof SourceUnavailableError) return err;
  if (err instanceof Etsi014ClientError) {
    if (err.httpStatus === 503) return new SourceUnavailableError(SOURCE_QKD, Etsi004Status.INSUFFICIENT_KEY, err.message, { cause: err });
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SourceUnavailableError(SOURCE_QKD, Etsi004Status.NO_QKD_CONNECTION, message, { cause: err });
}

function isHttp(err: unknown, status: number): boolean {
  return err instanceof Etsi014ClientError && err.httpStatus === status;
}

/** dec_keys failures are plain errors: side A already used the key, so side B cannot degrade. */
function decError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** `key_IDs` of this source's offer fields: a non-empty list of UUIDs. */
function keyIdsOf(offer: PeerFields): string[] {
  const ids = offer.key_IDs;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && UUID_RE.test(id))) {
    throw new ValidationError('sources.QKD.key_IDs must be a non-empty list of UUIDs');
  }
  return ids as string[];
}
