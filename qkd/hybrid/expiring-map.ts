/**
 * A Map whose entries expire `ttlMs` after they were set; `onExpire` runs for
 * each expired entry (to zero secrets). Expiry is checked on access and by a
 * sweep timer that does not keep the process alive.
 */

/** Map with per-entry time to live. */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly onExpire: (key: K, value: V) => void;
  private readonly timer: NodeJS.Timeout;

  constructor(ttlMs: number, onExpire: (key: K, value: V) => void = () => {}) {
    this.ttlMs = ttlMs;
    this.onExpire = onExpire;
    this.timer = setInterval(() => this.sweep(), Math.max(250, Math.floor(ttlMs / 2)));
    this.timer.unref();
  }

  /** Entries held (expired ones may still count until the next sweep). */
  get size(): number {
    return this.entries.size;
  }

  /** Set `key` (resets its time to live). */
  set(key: K, value: V): void {
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });
  }

  /** The live value, or undefined (an expired entry is expired now). */
  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.entries.delete(key);
      this.onExpire(key, e.value);
      return undefined;
    }
    return e.value;
  }

  /** Remove and return the live value (no `onExpire`). */
  take(key: K): V | undefined {
    const v = this.get(key);
    this.entries.delete(key);
    return v;
  }

  /** Live entries. */
  *values(): IterableIterator<[K, V]> {
    for (const k of [...this.entries.keys()]) {
      const v = this.get(k);
      if (v !== undefined) yield [k, v];
    }
  }

  /** Expire what is due. */
  sweep(): void {
    const now = Date.now();
    for (const [k, e] of [...this.entries]) {
      if (e.expiresAt <= now) {
        this.entries.delete(k);
        this.onExpire(k, e.value);
      }
    }
  }

  /** Drop everything through `onExpire` and stop the timer. */
  close(): void {
    clearInterval(this.timer);
    for (const [k, e] of [...this.entries]) this.onExpire(k, e.value);
    this.entries.clear();
  }
}
