/**
 * The key store of one QKD link at one node (ARCHITECTURE.md §5): secret keys
 * (`Uint8Array`) addressed by key_ID (a UUID v4, the `key_ID` of ETSI GS QKD 014
 * v1.1.1 §6.2) and by index (order of arrival, the index of ETSI GS QKD 004 v2.1.1
 * GET_KEY). Both nodes of a link receive the same keys in the same order under the
 * same ids and indexes.
 *
 * Delivery rule: a key leaves this node at most once. Its bytes here are zeroed the
 * moment it is handed out (the caller owns the returned copy and zeroes it); a
 * tombstone (id, index, binding) remains until the peer node has delivered its copy
 * too, and then the record is forgotten. The first delivery on either side binds the
 * key to one consumer (an SAE pair, a key stream), and the link reports each
 * delivery to the other node's store (`notePeerDelivery`) so that the other side
 * reserves the key for that same consumer.
 *
 * Caveat: in this in-process simulation the peer notice is synchronous; between real
 * KMEs it travels over the link's authenticated classical channel.
 */
import { ConflictError, NotFoundError, QnfvError, ValidationError, createLogger, zeroize } from '../common/index.js';
import { BITS_PER_BYTE } from './constants.js';

/** A key handed out by the store. The caller owns `key` and zeroes it after use. */
export interface DeliveredKey {
  key_ID: string;
  index: number;
  key: Uint8Array;
}

/** Who a key was delivered to: an opaque consumer name such as `014:<master>><slave>`. */
export type KeyBinding = string;

/** Called after a key was delivered at this node (the link forwards it to the peer store). */
export type DeliveryListener = (keyId: string, binding: KeyBinding) => void;

/** Options of `takeById` / `takeByIndex`. */
export interface TakeOptions {
  /** Only keys the peer side already delivered (to the same binding) qualify: ETSI 014 `dec_keys`. */
  requirePeerDelivery?: boolean;
}

/** No (or not enough) undelivered keys are in the store. */
export class KeyStoreExhaustedError extends QnfvError {
  constructor(message: string) {
    super('KEY_EXHAUSTED', message);
  }
}

/** The key was delivered to (or reserved for) another consumer: the caller may not have it. */
export class KeyBoundElsewhereError extends ConflictError {}

/** The store holds `capacity` keys already; the link must wait until keys are consumed. */
export class KeyStoreFullError extends QnfvError {
  constructor(message: string) {
    super('KEY_STORE_FULL', message);
  }
}

interface Slot {
  keyId: string;
  index: number;
  /** The bytes while undelivered here; null (and zeroed) once delivered here. */
  key: Uint8Array | null;
  deliveredHere: boolean;
  deliveredAtPeer: boolean;
  binding: KeyBinding | undefined;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One node's store for one link. */
export class KeyStore {
  readonly name: string;
  readonly capacity: number;
  readonly keySizeBits: number;
  private readonly byId = new Map<string, Slot>();
  private readonly byIndex = new Map<number, Slot>();
  /** Keys delivered on neither side, in order of arrival (Set keeps insertion order). */
  private readonly undelivered = new Set<Slot>();
  private readonly listeners = new Set<DeliveryListener>();
  private nextIndex = 0;
  private readonly log;

  constructor(opts: { capacity: number; keySizeBits: number; name?: string }) {
    if (!Number.isInteger(opts.capacity) || opts.capacity < 1) {
      throw new ValidationError(`capacity must be a positive integer, got ${opts.capacity}`);
    }
    if (!Number.isInteger(opts.keySizeBits) || opts.keySizeBits < 8 || opts.keySizeBits % BITS_PER_BYTE !== 0) {
      throw new ValidationError(`keySizeBits must be a positive multiple of 8, got ${opts.keySizeBits}`);
    }
    this.capacity = opts.capacity;
    this.keySizeBits = opts.keySizeBits;
    this.name = opts.name ?? 'store';
    this.log = createLogger(`qkd.store.${this.name}`);
  }

  /** Records held: undelivered keys plus tombstones awaiting the peer's delivery. */
  get size(): number {
    return this.byId.size;
  }

  /** Keys delivered on neither side, i.e. what `takeNext` can hand out. */
  get available(): number {
    return this.undelivered.size;
  }

  /** Index the next arriving key will get. */
  get indexOfNextKey(): number {
    return this.nextIndex;
  }

  /** Whether `count` more keys fit. */
  hasRoom(count = 1): boolean {
    return this.byId.size + count <= this.capacity;
  }

  /** Subscribe to local deliveries; returns the unsubscribe function. */
  onDelivery(listener: DeliveryListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Store a new key (copied) under `keyId`; returns its index. Only the link calls this. */
  add(keyId: string, key: Uint8Array): number {
    if (!UUID_RE.test(keyId)) throw new ValidationError(`key_ID must be a UUID, got '${keyId}'`);
    if (key.length * BITS_PER_BYTE !== this.keySizeBits) {
      throw new ValidationError(`key must be ${this.keySizeBits} bits, got ${key.length * BITS_PER_BYTE}`);
    }
    if (this.byId.has(keyId)) throw new ConflictError(`key_ID '${keyId}' is already in store ${this.name}`);
    if (!this.hasRoom()) throw new KeyStoreFullError(`store ${this.name} is full (${this.capacity} keys)`);
    const slot: Slot = {
      keyId,
      index: this.nextIndex++,
      key: Uint8Array.from(key),
      deliveredHere: false,
      deliveredAtPeer: false,
      binding: undefined,
    };
    this.byId.set(keyId, slot);
    this.byIndex.set(slot.index, slot);
    this.undelivered.add(slot);
    return slot.index;
  }

  /** Deliver the `count` oldest keys delivered on neither side, bound to `binding` (all or nothing). */
  takeNext(count: number, binding: KeyBinding): DeliveredKey[] {
    if (!Number.isInteger(count) || count < 1) throw new ValidationError(`count must be a positive integer, got ${count}`);
    if (this.undelivered.size < count) {
      throw new KeyStoreExhaustedError(
        `store ${this.name} has ${this.undelivered.size} undelivered key(s), ${count} requested`,
      );
    }
    const chosen: Slot[] = [];
    for (const slot of this.undelivered) {
      if (chosen.length === count) break;
      chosen.push(slot);
    }
    return chosen.map((s) => this.deliver(s, binding));
  }

  /** Deliver the keys named by `keyIds` to `binding` (all or nothing). */
  takeById(keyIds: readonly string[], binding: KeyBinding, opts: TakeOptions = {}): DeliveredKey[] {
    if (keyIds.length === 0) throw new ValidationError('key_IDs must not be empty');
    if (new Set(keyIds).size !== keyIds.length) throw new ValidationError('key_IDs contains duplicates');
    const slots = keyIds.map((id) => {
      const slot = this.byId.get(id);
      if (!slot) throw new NotFoundError('key_ID', id);
      this.checkDeliverable(slot, binding, opts);
      return slot;
    });
    return slots.map((s) => this.deliver(s, binding));
  }

  /** Deliver the key with `index` (order of arrival) to `binding`. */
  takeByIndex(index: number, binding: KeyBinding, opts: TakeOptions = {}): DeliveredKey {
    if (!Number.isInteger(index) || index < 0) throw new ValidationError(`index must be a non-negative integer, got ${index}`);
    const slot = this.byIndex.get(index);
    if (!slot) {
      if (index >= this.nextIndex) throw new KeyStoreExhaustedError(`store ${this.name} has no key with index ${index} yet`);
      throw new NotFoundError('key index', String(index));
    }
    this.checkDeliverable(slot, binding, opts);
    return this.deliver(slot, binding);
  }

  /** The peer node delivered `keyId` to `binding`: reserve it here for the same consumer. */
  notePeerDelivery(keyId: string, binding: KeyBinding): void {
    const slot = this.byId.get(keyId);
    if (!slot) {
      this.log.warn('peer delivered a key this store does not hold', { key_ID: keyId });
      return;
    }
    slot.deliveredAtPeer = true;
    slot.binding ??= binding;
    this.undelivered.delete(slot);
    if (slot.deliveredHere) this.forget(slot);
  }

  /** Zero and drop every key (on stop). */
  clear(): void {
    for (const slot of this.byId.values()) zeroize(slot.key);
    this.byId.clear();
    this.byIndex.clear();
    this.undelivered.clear();
  }

  private checkDeliverable(slot: Slot, binding: KeyBinding, opts: TakeOptions): void {
    if (slot.deliveredHere) throw new ConflictError(`key_ID '${slot.keyId}' was already delivered at this node`);
    if (opts.requirePeerDelivery && !slot.deliveredAtPeer) {
      throw new ConflictError(`key_ID '${slot.keyId}' has not been delivered on the other side of the link`);
    }
    if (slot.binding !== undefined && slot.binding !== binding) {
      throw new KeyBoundElsewhereError(`key_ID '${slot.keyId}' is bound to another consumer`);
    }
  }

  private deliver(slot: Slot, binding: KeyBinding): DeliveredKey {
    const key = Uint8Array.from(slot.key as Uint8Array);
    zeroize(slot.key);
    slot.key = null;
    slot.deliveredHere = true;
    slot.binding ??= binding;
    this.undelivered.delete(slot);
    if (slot.deliveredAtPeer) this.forget(slot);
    for (const listener of this.listeners) {
      try {
        listener(slot.keyId, binding);
      } catch (err) {
        this.log.error('delivery listener failed', { key_ID: slot.keyId, error: String(err) });
      }
    }
    return { key_ID: slot.keyId, index: slot.index, key };
  }

  private forget(slot: Slot): void {
    zeroize(slot.key);
    this.byId.delete(slot.keyId);
    this.byIndex.delete(slot.index);
    this.undelivered.delete(slot);
  }
}
