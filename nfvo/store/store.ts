/**
 * The NFVO's repository interface: named collections of JSON records keyed by
 * id (catalog, NS instances, op occurrences, VIM accounts, ...). ARCHITECTURE
 * §8: an embedded store (files under the data directory) by default, Redis
 * when configured. Records are plain JSON values; callers own their shapes.
 */

/** One collection of records of type T. */
export interface Collection<T> {
  /** The record with this id, or undefined. */
  get(id: string): Promise<T | undefined>;
  /** Create or replace a record. */
  put(id: string, value: T): Promise<void>;
  /** Remove a record; true when it existed. */
  delete(id: string): Promise<boolean>;
  /** Every record, in no particular order. */
  list(): Promise<T[]>;
}

/** A store hands out collections by name. */
export interface Store {
  collection<T>(name: string): Collection<T>;
  /** Flush and release resources. */
  close(): Promise<void>;
}
