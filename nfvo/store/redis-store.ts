/**
 * Redis store (ARCHITECTURE §8, "Redis when configured"): the same named
 * collections of JSON records as the embedded FileStore, kept in a Redis
 * server so that several NFVO processes (or a restarted one on another host)
 * share one state. Each collection is one Redis hash `<prefix><collection>`
 * whose fields are record ids and whose values are the records' JSON text:
 * a put is one HSET and a delete one HDEL (both atomic in Redis), and list()
 * is one HVALS however many records there are, never one round trip per
 * record. Ids follow the FileStore's rules, so a record can move between the
 * two stores unchanged; the prefix lets several deployments (or tests) share
 * one Redis database. Durability is Redis's own (RDB/AOF configuration).
 */
import { createClient } from 'redis';
import { createLogger, ProtocolError, QnfvError, ValidationError, type Logger } from '../../common/index.js';
import type { Collection, Store } from './store.js';

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** True when an id is a valid record id (the FileStore's rule: it could be a file name). */
function isSafeId(id: string): boolean {
  return SAFE_ID.test(id) && id !== '.' && id !== '..';
}

/** A ValidationError for an id that the FileStore would refuse too. */
function checkId(id: string): void {
  if (!isSafeId(id)) {
    throw new ValidationError(`record id '${id}' is not a valid identifier (letters, digits, '.', '_', '-')`);
  }
}

/** The URL with any password replaced by `***`, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid URL>';
  }
}

export interface RedisStoreOptions {
  /** Prepended to every key this store uses; default `qnfv:`. */
  prefix?: string;
  /** Milliseconds to wait for the TCP/TLS connection; default 5000. */
  connectTimeoutMs?: number;
  logger?: Logger;
}

type Client = ReturnType<typeof createClient>;

class RedisCollection<T> implements Collection<T> {
  constructor(
    private readonly store: RedisStore,
    private readonly key: string,
  ) {}

  async get(id: string): Promise<T | undefined> {
    // No record can have such an id (put refuses it): nothing to ask Redis.
    if (!isSafeId(id)) return undefined;
    const client = await this.store.ready();
    const text = await client.hGet(this.key, id);
    return text === null || text === undefined ? undefined : (JSON.parse(String(text)) as T);
  }

  async put(id: string, value: T): Promise<void> {
    checkId(id);
    // Serialise before talking to Redis: a value JSON cannot hold (a bigint) leaves nothing behind.
    const text: string | undefined = JSON.stringify(value);
    if (text === undefined) throw new ValidationError(`record '${id}' has no JSON representation (${typeof value})`);
    const client = await this.store.ready();
    await client.hSet(this.key, id, text);
  }

  async delete(id: string): Promise<boolean> {
    checkId(id);
    const client = await this.store.ready();
    return Number(await client.hDel(this.key, id)) > 0;
  }

  async list(): Promise<T[]> {
    const client = await this.store.ready();
    const out: T[] = [];
    let bad = 0;
    for (const text of await client.hVals(this.key)) {
      try {
        out.push(JSON.parse(String(text)) as T);
      } catch {
        bad++;
      }
    }
    // Like the FileStore, an unreadable record does not hide the others.
    if (bad > 0) this.store.log.warn('skipped records that are not JSON', { key: this.key, count: bad });
    return out;
  }
}

/** A Store whose collections are Redis hashes `<prefix><collection>` (field = id, value = JSON). */
export class RedisStore implements Store {
  readonly prefix: string;
  /** The URL without its password, for messages. */
  readonly where: string;
  /** @internal */
  readonly log: Logger;
  private readonly client: Client;
  private readonly collections = new Map<string, RedisCollection<unknown>>();
  private connecting: Promise<Client> | undefined;
  /** Set once the first connection succeeded: from then on a lost connection is retried. */
  private everReady = false;
  private down = false;
  private closed = false;

  /** A store on `url` (`redis://[user:password@]host:port/db`, or `rediss://`); it connects on first use. */
  constructor(url: string, opts: RedisStoreOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ValidationError('the Redis URL is not a valid URL (expected redis://host:port/db)');
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
      throw new ValidationError(`the Redis URL '${redactRedisUrl(url)}' must start with redis:// or rediss://`);
    }
    this.prefix = opts.prefix ?? 'qnfv:';
    this.where = redactRedisUrl(url);
    this.log = opts.logger ?? createLogger('nfvo.store');
    this.client = createClient({
      url,
      socket: {
        connectTimeout: opts.connectTimeoutMs ?? 5000,
        // The first connection fails fast (a wrong URL should say so); a connection that worked
        // once and dropped is retried with a capped backoff, commands waiting in the meantime.
        // `false` rather than returning the cause: node-redis tells an Error by instanceof,
        // which fails when the error comes from another realm (jest's VM contexts) and then
        // it retries forever.
        reconnectStrategy: (retries: number) => (this.everReady && !this.closed ? Math.min(50 * 2 ** Math.min(retries, 6), 3000) : false),
      },
    });
    this.client.on('error', (err: unknown) => {
      // Without a listener an 'error' event would crash the process; report an outage once.
      if (this.everReady && !this.down && !this.closed) {
        this.down = true;
        this.log.warn('lost the connection to Redis, reconnecting', { url: this.where, error: err instanceof Error ? err.message : String(err) });
      }
    });
    this.client.on('ready', () => {
      if (this.down) this.log.info('reconnected to Redis', { url: this.where });
      this.down = false;
    });
  }

  /** Connect to Redis (PING answered) or fail with an error naming the URL (password hidden). */
  static async connect(url: string, opts: RedisStoreOptions = {}): Promise<RedisStore> {
    const store = new RedisStore(url, opts);
    await store.ready();
    return store;
  }

  collection<T>(name: string): Collection<T> {
    checkId(name);
    let c = this.collections.get(name);
    if (!c) {
      c = new RedisCollection<unknown>(this, `${this.prefix}${name}`);
      this.collections.set(name, c);
    }
    return c as Collection<T>;
  }

  /** The connected client, connecting first when needed. @internal */
  ready(): Promise<Client> {
    if (this.closed) return Promise.reject(new QnfvError('CLOSED', `the Redis store on ${this.where} is closed`));
    this.connecting ??= this.open().catch((err: unknown) => {
      this.connecting = undefined; // the next operation tries again
      throw err;
    });
    return this.connecting;
  }

  private async open(): Promise<Client> {
    try {
      await this.client.connect();
      await this.client.ping();
    } catch (err) {
      if (this.client.isOpen) this.client.destroy();
      const reason = err instanceof Error ? err.message : String(err);
      throw new ProtocolError(`cannot connect to Redis at ${this.where}: ${reason}`, { cause: err });
    }
    this.everReady = true;
    return this.client;
  }

  /** Close the connection after the commands already sent have been answered. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.connecting;
    this.connecting = undefined;
    if (pending) await pending.catch(() => undefined);
    if (this.client.isOpen) await this.client.close();
  }
}
