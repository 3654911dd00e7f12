/**
 * The embedded store (nfvo/store/file-store.ts): the shared Store contract
 * (store-contract.ts), plus what only files have: one JSON file per record,
 * atomic writes (no temporary file left), owner-only permissions, writers to
 * one record serialised in issue order, ids that never reach outside the data
 * directory, and leftovers on disk skipped by list().
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../../common/index.js';
import { FileStore } from '../../../nfvo/store/index.js';
import { storeContract } from './store-contract.js';

interface Rec {
  id: string;
  n: number;
  tags?: string[];
}

storeContract('FileStore', async () => {
  const d = await mkdtemp(join(tmpdir(), 'qnfv-store-'));
  return {
    store: new FileStore(d),
    reopen: async () => new FileStore(d),
    cleanup: () => rm(d, { recursive: true, force: true }),
  };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qnfv-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const allFiles = async (d: string): Promise<string[]> => (await readdir(d, { recursive: true })).map(String).sort();

describe('FileStore (files on disk)', () => {
  it('one JSON file per record under <dataDir>/<collection>/, owner-only, no temporary file left', async () => {
    const c = new FileStore(dir).collection<Rec>('ns_instances');
    await c.put('3f2a-uuid', { id: '3f2a-uuid', n: 1 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.put(`r${i}`, { id: `r${i}`, n: i })));
    const files = await allFiles(dir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toContain(join('ns_instances', '3f2a-uuid.json'));
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(21);
    expect(JSON.parse(await readFile(join(dir, 'ns_instances', '3f2a-uuid.json'), 'utf8'))).toEqual({ id: '3f2a-uuid', n: 1 });
    expect((await stat(join(dir, 'ns_instances', 'r3.json'))).mode & 0o077).toBe(0);
    expect((await stat(join(dir, 'ns_instances'))).mode & 0o077).toBe(0);
  });

  it('a value that cannot be written leaves the old record and no temporary file', async () => {
    const c = new FileStore(dir).collection<unknown>('things');
    await c.put('a', { n: 1 });
    await expect(c.put('a', { n: 2n })).rejects.toThrow(/BigInt/);
    expect(await c.get('a')).toEqual({ n: 1 });
    expect((await allFiles(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // And the queue of that record still works.
    await c.put('a', { n: 3 });
    expect(await c.get('a')).toEqual({ n: 3 });
  });

  it.each(['../escape', '..', '.', 'a/b', 'a\\b', '', 'x'.repeat(129), 'a b', '/etc/passwd', 'name\0'])('writes no file for the refused id %p', async (bad) => {
    const c = new FileStore(dir).collection<Rec>('things');
    await expect(c.put(bad, { id: bad, n: 1 })).rejects.toThrow(ValidationError);
    await expect(c.delete(bad)).rejects.toThrow(ValidationError);
    expect((await allFiles(dir)).filter((f) => f !== 'things')).toEqual([]);
  });

  it('get of an id that cannot name a record finds nothing (and never reads outside the folder)', async () => {
    await writeFile(join(dir, 'secret.json'), JSON.stringify({ secret: true }));
    const c = new FileStore(dir).collection<unknown>('things');
    expect(await c.get('../secret')).toBeUndefined();
    expect(await c.get('..')).toBeUndefined();
  });

  it('serialises concurrent puts to one record: the last one issued wins, every one completes', async () => {
    const c = new FileStore(dir).collection<Rec>('things');
    const big = Array.from({ length: 2000 }, (_, i) => `tag-${i}`);
    const order: number[] = [];
    await Promise.all(Array.from({ length: 40 }, (_, i) => c.put('same', { id: 'same', n: i, tags: i % 2 ? big : [] }).then(() => order.push(i))));
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect((await c.get('same'))?.n).toBe(39);
    const del = c.delete('same');
    const put = c.put('same', { id: 'same', n: 100 });
    expect(await del).toBe(true);
    await put;
    expect(await c.get('same')).toEqual({ id: 'same', n: 100 });
    expect((await allFiles(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('list skips leftover temporary files and unreadable records', async () => {
    const c = new FileStore(dir).collection<Rec>('things');
    await c.put('ok', { id: 'ok', n: 1 });
    await writeFile(join(dir, 'things', 'ok.json.1234abcd.tmp'), '{"id":"half');
    await writeFile(join(dir, 'things', 'bad.json'), '{not json');
    expect(await c.list()).toEqual([{ id: 'ok', n: 1 }]);
  });
});
