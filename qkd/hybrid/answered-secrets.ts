/**
 * Side B of a peer key agreement (ML-KEM, X25519): the secrets `answer`
 * agreed, kept under `ksid/index` until `recover` takes them once, zeroed
 * when taken by `forget`, when they expire or at `close`.
 */
import { ConflictError, NotFoundError, zeroize } from '../../common/index.js';
import type { KeyMaterial, KeyRequestContext } from './key-source.js';
import { StreamSlots } from './stream-slots.js';

interface Answered {
  secret: Uint8Array;
  transcriptHash: Uint8Array;
}

export class AnsweredSecrets {
  private readonly slots: StreamSlots<Answered>;

  constructor(
    private readonly source: string,
    ttlMs: number,
  ) {
    this.slots = new StreamSlots(ttlMs, (_ksid, _index, v) => zeroize(v.secret));
  }

  /** Refuse a second offer for the same key stream index (before any work is done for it). */
  assertFree(ctx: KeyRequestContext): void {
    if (this.slots.get(ctx.ksid, ctx.index)) throw new ConflictError(`key stream ${ctx.ksid} index ${ctx.index} was already offered`);
  }

  keep(ctx: KeyRequestContext, secret: Uint8Array, transcriptHash: Uint8Array): void {
    this.slots.set(ctx.ksid, ctx.index, { secret, transcriptHash });
  }

  /** The secret kept for `ctx` (once). */
  recover(ctx: KeyRequestContext): KeyMaterial {
    const a = this.slots.take(ctx.ksid, ctx.index);
    if (!a) throw new NotFoundError(`${this.source} secret for key stream`, `${ctx.ksid}/${ctx.index}`);
    return { source: this.source, secret: a.secret, keyIds: [], transcriptHash: a.transcriptHash };
  }

  /** Zero and drop the secrets of `ksid` (one index, or all). */
  forget(ksid: string, index?: number): void {
    const dropped = index === undefined ? this.slots.takeStream(ksid) : [this.slots.take(ksid, index)];
    for (const a of dropped) if (a) zeroize(a.secret);
  }

  /** Zero everything held. */
  close(): void {
    this.slots.close();
  }
}
