/**
 * The behaviour every Store implementation shares (nfvo/store/store.ts), run
 * against each of them (file-store.test.ts, redis-store.test.ts) so the NFVO
 * can switch stores without noticing: put/get/list/delete, replace, collections
 * independent of each other, the same id rules, values JSON cannot hold refused
 * before anything is written, concurrent writers, a thousand records, and
 * persistence across a new Store on the same data. Not a test file itself.
 */
import { ValidationError } from '../../../common/index.js';
import type { Store } from '../../../nfvo/store/index.js';

/** One fresh, empty store; `reopen` makes a new Store on the same data; `cleanup` removes the data. */
export interface StoreFixture {
  store: Store;
  /** A new Store instance on the same directory / URL and prefix (a restarted NFVO). */
  reopen: () => Promise<Store>;
  /** Remove what the test stored. The contract closes `store` (and any reopened one) itself. */
  cleanup: () => Promise<void>;
}

interface Rec {
  id: string;
  n: number;
  tags?: string[];
}

const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function storeContract(name: string, make: () => Promise<StoreFixture>): void {
  describe(`${name} (Store contract)`, () => {
    let fx: StoreFixture;
    const opened: Store[] = [];
    const reopen = async (): Promise<Store> => {
      const s = await fx.reopen();
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      fx = await make();
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await fx.store.close();
      await fx.cleanup();
    });

    it('put, get, list, delete', async () => {
      const c = fx.store.collection<Rec>('things');
      expect(await c.get('a')).toBeUndefined();
      expect(await c.list()).toEqual([]);
      await c.put('a', { id: 'a', n: 1, tags: ['x'] });
      await c.put('b', { id: 'b', n: 2 });
      expect(await c.get('a')).toEqual({ id: 'a', n: 1, tags: ['x'] });
      expect((await c.list()).sort(byId)).toEqual([
        { id: 'a', n: 1, tags: ['x'] },
        { id: 'b', n: 2 },
      ]);
      expect(await c.delete('a')).toBe(true);
      expect(await c.get('a')).toBeUndefined();
      expect(await c.list()).toEqual([{ id: 'b', n: 2 }]);
    });

    it('keeps JSON values exactly (nesting, null, unicode, numbers, top-level non-objects)', async () => {
      const c = fx.store.collection<unknown>('values');
      const value = { s: 'ünïcødé ✓ "quoted" \\ \n', nested: { a: [1, null, true, -0.5, 1e21] }, empty: {}, list: [] };
      await c.put('v', value);
      expect(await c.get('v')).toEqual(value);
      await c.put('str', 'just a string');
      await c.put('num', 42);
      await c.put('nul', null);
      expect(await c.get('str')).toBe('just a string');
      expect(await c.get('num')).toBe(42);
      expect(await c.get('nul')).toBeNull();
      expect(await c.list()).toHaveLength(4);
    });

    it('put replaces a record', async () => {
      const c = fx.store.collection<Rec>('things');
      await c.put('a', { id: 'a', n: 1, tags: ['x', 'y'] });
      await c.put('a', { id: 'a', n: 3 });
      expect(await c.get('a')).toEqual({ id: 'a', n: 3 });
      expect(await c.list()).toEqual([{ id: 'a', n: 3 }]);
    });

    it('delete of a missing id is false', async () => {
      const c = fx.store.collection<Rec>('things');
      expect(await c.delete('nothing')).toBe(false);
      expect(await fx.store.collection<Rec>('never-used').delete('x')).toBe(false);
      await c.put('a', { id: 'a', n: 1 });
      expect(await c.delete('a')).toBe(true);
      expect(await c.delete('a')).toBe(false);
    });

    it('collections are independent', async () => {
      const a = fx.store.collection<Rec>('ns_instances');
      const b = fx.store.collection<Rec>('vim_accounts');
      await a.put('same', { id: 'same', n: 1 });
      await b.put('same', { id: 'same', n: 2 });
      await b.put('only-b', { id: 'only-b', n: 3 });
      expect(await a.get('same')).toEqual({ id: 'same', n: 1 });
      expect(await a.get('only-b')).toBeUndefined();
      expect(await a.list()).toEqual([{ id: 'same', n: 1 }]);
      expect(await a.delete('same')).toBe(true);
      expect(await b.get('same')).toEqual({ id: 'same', n: 2 });
      expect((await b.list()).sort(byId)).toEqual([
        { id: 'only-b', n: 3 },
        { id: 'same', n: 2 },
      ]);
      expect(fx.store.collection('ns_instances')).toBe(fx.store.collection('ns_instances'));
    });

    it.each(['../x', 'a/b', '', '.', '..', 'a\\b', 'x'.repeat(129), 'a b', '/etc/passwd', 'name\0', 'é'])('refuses the id %p on put and delete, finds nothing for it on get', async (bad) => {
      const c = fx.store.collection<Rec>('things');
      await expect(c.put(bad, { id: bad, n: 1 })).rejects.toThrow(ValidationError);
      await expect(c.delete(bad)).rejects.toThrow(ValidationError);
      expect(await c.get(bad)).toBeUndefined();
      expect(await c.list()).toEqual([]);
    });

    it('refuses collection names that are not valid ids', () => {
      expect(() => fx.store.collection('../x')).toThrow(ValidationError);
      expect(() => fx.store.collection('a/b')).toThrow(ValidationError);
      expect(() => fx.store.collection('')).toThrow(ValidationError);
    });

    it('refuses a value JSON cannot hold (bigint) before writing anything', async () => {
      const c = fx.store.collection<unknown>('things');
      await c.put('a', { n: 1 });
      await expect(c.put('a', { n: 2n })).rejects.toThrow(/BigInt/);
      await expect(c.put('b', { n: 3n })).rejects.toThrow(/BigInt/);
      expect(await c.get('a')).toEqual({ n: 1 });
      expect(await c.get('b')).toBeUndefined();
      expect(await c.list()).toEqual([{ n: 1 }]);
      // The record still takes writes.
      await c.put('a', { n: 4 });
      expect(await c.get('a')).toEqual({ n: 4 });
    });

    it('concurrent puts to one id end with one of the values, intact', async () => {
      const c = fx.store.collection<Rec>('things');
      const big = Array.from({ length: 2000 }, (_, i) => `tag-${i}`);
      const values: Rec[] = Array.from({ length: 40 }, (_, i) => ({ id: 'same', n: i, tags: i % 2 ? big : [] }));
      await Promise.all(values.map((v) => c.put('same', v)));
      const got = await c.get('same');
      expect(got).toBeDefined();
      expect(values).toContainEqual(got);
      const all = await c.list();
      expect(all).toHaveLength(1);
      expect(values).toContainEqual(all[0]);
    });

    it('lists 1000 records', async () => {
      const c = fx.store.collection<Rec>('many');
      const ids = Array.from({ length: 1000 }, (_, i) => `rec-${String(i).padStart(4, '0')}`);
      for (let i = 0; i < ids.length; i += 100) {
        await Promise.all(ids.slice(i, i + 100).map((id, j) => c.put(id, { id, n: i + j })));
      }
      const all = (await c.list()).sort(byId);
      expect(all).toHaveLength(1000);
      expect(all.map((r) => r.id)).toEqual(ids);
      expect(all.every((r, i) => r.n === i)).toBe(true);
      expect(await c.get('rec-0777')).toEqual({ id: 'rec-0777', n: 777 });
    });

    it('persists across a new Store on the same data (a restarted NFVO)', async () => {
      await fx.store.collection<Rec>('a').put('x', { id: 'x', n: 1 });
      await fx.store.collection<Rec>('b').put('y', { id: 'y', n: 2 });
      await fx.store.collection<Rec>('b').put('gone', { id: 'gone', n: 3 });
      await fx.store.collection<Rec>('b').delete('gone');
      await fx.store.close();
      const second = await reopen();
      expect(await second.collection<Rec>('a').get('x')).toEqual({ id: 'x', n: 1 });
      expect(await second.collection<Rec>('b').list()).toEqual([{ id: 'y', n: 2 }]);
      expect(await second.collection<Rec>('a').get('y')).toBeUndefined();
      // And it writes where the first one did.
      await second.collection<Rec>('a').put('z', { id: 'z', n: 4 });
      const third = await reopen();
      expect((await third.collection<Rec>('a').list()).sort(byId)).toEqual([
        { id: 'x', n: 1 },
        { id: 'z', n: 4 },
      ]);
    });
  });
}
