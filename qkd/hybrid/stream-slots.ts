/**
 * Values side B keeps per key stream index (`ksid/index`) for a limited time,
 * as an `ExpiringMap`, together with the indexes held per KSID: dropping one
 * index, or a whole stream at CLOSE, touches only that stream's entries. (A
 * module may hold thousands of pending offers; scanning them all for every
 * key made each key cost time in proportion to the keys pending.)
 */
import { ExpiringMap } from './expiring-map.js';

interface Slot<V> {
  ksid: string;
  index: number;
  value: V;
}

/** Expiring values by (KSID, index), with per-stream removal. */
export class StreamSlots<V> {
  private readonly map: ExpiringMap<string, Slot<V>>;
  /** The indexes held per KSID (the entries of `map`, expired ones until they are noticed). */
  private readonly byStream = new Map<string, Set<number>>();

  /** `onExpire` runs for each entry that expires, and for each one left at `close`. */
  constructor(ttlMs: number, onExpire: (ksid: string, index: number, value: V) => void = () => {}) {
    this.map = new ExpiringMap(ttlMs, (_key, s) => {
      this.unindex(s.ksid, s.index);
      onExpire(s.ksid, s.index, s.value);
    });
  }

  /** Entries held (expired ones may still count until the next sweep). */
  get size(): number {
    return this.map.size;
  }

  /** The live value of (ksid, index), or undefined. */
  get(ksid: string, index: number): V | undefined {
    return this.map.get(slotKey(ksid, index))?.value;
  }

  /** Keep `value` for (ksid, index) (resets its time to live). */
  set(ksid: string, index: number, value: V): void {
    this.map.set(slotKey(ksid, index), { ksid, index, value });
    let indexes = this.byStream.get(ksid);
    if (!indexes) this.byStream.set(ksid, (indexes = new Set()));
    indexes.add(index);
  }

  /** Remove and return the live value of (ksid, index) (no `onExpire`). */
  take(ksid: string, index: number): V | undefined {
    const s = this.map.take(slotKey(ksid, index));
    this.unindex(ksid, index);
    return s?.value;
  }

  /** Remove and return the live values of every index of `ksid` (no `onExpire`). */
  takeStream(ksid: string): V[] {
    const indexes = this.byStream.get(ksid);
    if (!indexes) return [];
    const out: V[] = [];
    for (const index of [...indexes]) {
      const v = this.take(ksid, index);
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  /** Drop everything through `onExpire` and stop the sweep timer. */
  close(): void {
    this.map.close();
    this.byStream.clear();
  }

  private unindex(ksid: string, index: number): void {
    const indexes = this.byStream.get(ksid);
    if (!indexes) return;
    indexes.delete(index);
    if (indexes.size === 0) this.byStream.delete(ksid);
  }
}

function slotKey(ksid: string, index: number): string {
  return `${ksid}/${index}`;
}
