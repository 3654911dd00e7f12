/**
 * Side B of a peer key agreement (ML-KEM, X25519): the secrets `answer`
 * agreed, kept under `ksid/index` until `recover` takes them once, zeroed
 * when taken by `forget`, when they expire or at `close`.
 */
import { ConflictError, NotFoundError, zeroize } from '../../common/index.js';
import { ExpiringMap } from './expiring-map.js';
import type { KeyMaterial, KeyRequestContext } from './key-source.js';

interface Answered {
  secret: Uint8Array;
  transcriptHash: Uint8Array;
}

const slotKey = (ksid: string, index: number): string => `${ksid}/${index}`;

export class AnsweredSecrets {
  private readonly map: ExpiringMap<string, Answered>;

  constructor(
    private readonly source: string,
    ttlMs: number,
  ) {
    this.map = new ExpiringMap(ttlMs, (_k, v) => zeroize(v.secret));
  }

  /** Refuse a second offer for the same key stream index (before any work is done for it). */
  assertFree(ctx: KeyRequestContext): void {
    if (this.map.get(slotKey(ctx.ksid, ctx.index))) throw new ConflictError(`key stream ${ctx.ksid} index ${ctx.index} was already offered`);
  }

  keep(ctx: KeyRequestContext, secret: Uint8Array, transcriptHash: Uint8Array): void {
    this.map.set(slotKey(ctx.ksid, ctx.index), { secret, transcriptHash });
  }

  /** The secret kept for `ctx` (once). */
  recover(ctx: KeyRequestContext): KeyMaterial {
    const a = this.map.take(slotKey(ctx.ksid, ctx.index));
    if (!a) throw new NotFoundError(`${this.source} secret for key stream`, `${ctx.ksid}/${ctx.index}`);
    return { source: this.source, secret: a.secret, keyIds: [], transcriptHash: a.transcriptHash };
  }

  /** Zero and drop the secrets of `ksid` (one index, or all). */
  forget(ksid: string, index?: number): void {
    for (const [k, v] of this.map.values()) {
      if (index === undefined ? k.startsWith(`${ksid}/`) : k === slotKey(ksid, index)) {
        zeroize(v.secret);
        this.map.take(k);
      }
    }
  }

  /** Zero everything held. */
  close(): void {
    this.map.close();
  }
}
