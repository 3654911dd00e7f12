/** NFVO persistence: the Store interface, its embedded file implementation and its Redis one. */
import { FileStore } from './file-store.js';
import { RedisStore } from './redis-store.js';
import type { Store } from './store.js';

export type { Collection, Store } from './store.js';
export { FileStore } from './file-store.js';
export { RedisStore, redactRedisUrl, type RedisStoreOptions } from './redis-store.js';

/**
 * The store the configuration asks for: Redis (connected, or a clear error naming the URL)
 * when `redisUrl` is set, else the embedded FileStore under `dataDir`.
 */
export async function openStore(opts: { dataDir: string; redisUrl?: string; redisPrefix?: string }): Promise<Store> {
  if (opts.redisUrl) return RedisStore.connect(opts.redisUrl, opts.redisPrefix === undefined ? {} : { prefix: opts.redisPrefix });
  return new FileStore(opts.dataDir);
}
