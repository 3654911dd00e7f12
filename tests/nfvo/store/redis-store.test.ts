/**
 * The Redis store (nfvo/store/redis-store.ts) against a real redis-server
 * started for this file (tests/helpers/redis-server.ts; Debian package
 * redis-server, installed by scripts/setup.sh --test): the shared Store
 * contract with a fresh key prefix per test, the key layout (one hash per
 * collection), and a clear error when Redis cannot be reached.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { createLogger, ProtocolError } from '../../../common/index.js';
import { openStore, RedisStore, FileStore } from '../../../nfvo/store/index.js';
import { freePort, startRedisServer, type RedisServer } from '../../helpers/redis-server.js';
import { storeContract } from './store-contract.js';

let server: RedisServer | undefined;
let admin: ReturnType<typeof createClient> | undefined;

beforeAll(async () => {
  // Fails (never skips) with "run scripts/setup.sh --test" when redis-server is missing.
  server = await startRedisServer();
  admin = createClient({ url: server.url });
  admin.on('error', () => undefined);
  await admin.connect();
});

afterAll(async () => {
  if (admin?.isOpen) await admin.close();
  await server?.stop();
});

/** The running server, or the reason it is not there (beforeAll failed). */
function running(): { server: RedisServer; admin: ReturnType<typeof createClient> } {
  if (!server || !admin) throw new Error('redis-server did not start (see the beforeAll error above)');
  return { server, admin };
}

const uniquePrefix = (): string => `t-${randomBytes(6).toString('hex')}:`;

/** Every key under a prefix. */
async function keysUnder(prefix: string): Promise<string[]> {
  return (await running().admin.keys(`${prefix}*`)).map(String).sort();
}

storeContract('RedisStore', async () => {
  const { server: srv } = running();
  const prefix = uniquePrefix();
  return {
    store: await RedisStore.connect(srv.url, { prefix }),
    reopen: () => RedisStore.connect(srv.url, { prefix }),
    cleanup: async () => {
      const keys = await keysUnder(prefix);
      if (keys.length > 0) await running().admin.del(keys);
    },
  };
});

describe('RedisStore (Redis specifics)', () => {
  it('keeps one hash per collection: <prefix><collection>, field = id, value = JSON text', async () => {
    const prefix = uniquePrefix();
    const store = await RedisStore.connect(running().server.url, { prefix });
    try {
      await store.collection('ns_instances').put('3f2a-uuid', { id: '3f2a-uuid', n: 1 });
      await store.collection('ns_instances').put('other', { id: 'other', n: 2 });
      await store.collection('vim_accounts').put('v1', { id: 'v1' });
      expect(await keysUnder(prefix)).toEqual([`${prefix}ns_instances`, `${prefix}vim_accounts`]);
      const { admin: a } = running();
      expect(String(await a.type(`${prefix}ns_instances`))).toBe('hash');
      expect(JSON.parse(String(await a.hGet(`${prefix}ns_instances`, '3f2a-uuid')))).toEqual({ id: '3f2a-uuid', n: 1 });
      expect(Number(await a.hLen(`${prefix}ns_instances`))).toBe(2);
      // Deleting the last record leaves no empty key behind (Redis removes empty hashes).
      await store.collection('vim_accounts').delete('v1');
      expect(await keysUnder(prefix)).toEqual([`${prefix}ns_instances`]);
    } finally {
      await store.close();
      const keys = await keysUnder(prefix);
      if (keys.length > 0) await running().admin.del(keys);
    }
  });

  it('uses the prefix qnfv: by default, and two prefixes do not see each other', async () => {
    const url = running().server.url;
    const plain = await RedisStore.connect(url);
    const other = await RedisStore.connect(url, { prefix: uniquePrefix() });
    try {
      expect(plain.prefix).toBe('qnfv:');
      await plain.collection('things').put('a', { n: 1 });
      expect(await other.collection('things').get('a')).toBeUndefined();
      expect(await other.collection('things').list()).toEqual([]);
      expect(await keysUnder('qnfv:')).toEqual(['qnfv:things']);
    } finally {
      await plain.collection('things').delete('a');
      await plain.close();
      await other.close();
    }
  });

  it('skips a record that is not JSON in list(), like the FileStore skips an unreadable file, and says so', async () => {
    const prefix = uniquePrefix();
    const warnings: string[] = [];
    const logger = createLogger('test.store');
    logger.warn = (msg: string) => void warnings.push(msg);
    const store = await RedisStore.connect(running().server.url, { prefix, logger });
    try {
      await store.collection('things').put('ok', { n: 1 });
      await running().admin.hSet(`${prefix}things`, 'bad', '{not json');
      expect(await store.collection('things').list()).toEqual([{ n: 1 }]);
      expect(warnings).toEqual(['skipped records that are not JSON']);
    } finally {
      await store.close();
      await running().admin.del(`${prefix}things`);
    }
  });

  it('connect to a port nothing listens on fails with an error naming the URL, password hidden', async () => {
    const port = await freePort();
    const url = `redis://qnfv:s3cret-pw@127.0.0.1:${port}/0`;
    const err: unknown = await RedisStore.connect(url).then(
      () => new Error('connect succeeded'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProtocolError);
    const msg = (err as Error).message;
    expect(msg).toContain(`cannot connect to Redis at redis://qnfv:***@127.0.0.1:${port}/0`);
    expect(msg).toMatch(/ECONNREFUSED/);
    expect(msg).not.toContain('s3cret-pw');
  });

  it('a store used without connect() connects on first use, and reports an unreachable server on that use', async () => {
    const prefix = uniquePrefix();
    const lazy = new RedisStore(running().server.url, { prefix });
    try {
      await lazy.collection('things').put('a', { n: 1 });
      expect(await lazy.collection('things').get('a')).toEqual({ n: 1 });
    } finally {
      await lazy.close();
      await running().admin.del(`${prefix}things`);
    }
    await expect(lazy.collection('things').get('a')).rejects.toThrow(/closed/);
    const dead = new RedisStore(`redis://127.0.0.1:${await freePort()}/0`);
    await expect(dead.collection('things').list()).rejects.toThrow(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+\/0/);
    await dead.close();
  });

  it('refuses a URL that is not redis:// or rediss://', () => {
    expect(() => new RedisStore('http://127.0.0.1:6379')).toThrow(/redis:\/\//);
    expect(() => new RedisStore('not a url')).toThrow(/not a valid URL/);
  });

  it('openStore picks Redis when a URL is given, else the FileStore', async () => {
    const prefix = uniquePrefix();
    const redis = await openStore({ dataDir: '/nonexistent', redisUrl: running().server.url, redisPrefix: prefix });
    expect(redis).toBeInstanceOf(RedisStore);
    await redis.close();
    expect(await openStore({ dataDir: '/tmp/unused' })).toBeInstanceOf(FileStore);
    await expect(openStore({ dataDir: '/tmp/unused', redisUrl: `redis://127.0.0.1:${await freePort()}/0` })).rejects.toThrow(/cannot connect to Redis/);
  });
});
