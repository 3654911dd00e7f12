/**
 * Group commit (`group-commit.ts`) and the QKD source's use of it: concurrent
 * requests share one ETSI 014 call, each still gets its own key, and a shared
 * call that fails falls back to one call per request so that only the
 * requests it concerns fail.
 */
import { Etsi014ClientError, GroupCommit, QkdEtsi014Source, SourceUnavailableError, type Etsi014Client, type Etsi014Key, type KeyRequestContext, type Settled } from '../../../qkd/index.js';
import { hex } from './fixtures.js';

describe('GroupCommit', () => {
  it('sends what arrives together as one batch, and the rest in the next', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommit<number, number>(
      async (items) => {
        sizes.push(items.length);
        await new Promise((r) => setTimeout(r, 5));
        return items.map((i): Settled<number> => ({ ok: true, value: i * 10 }));
      },
      { maxBatch: 4, maxInFlight: 1 },
    );
    const first = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => gc.submit(i)));
    expect(first).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(sizes).toEqual([4, 4, 2]);
    // Alone, a request does not wait for company.
    expect(await gc.submit(11)).toBe(110);
    expect(sizes).toEqual([4, 4, 2, 1]);
    expect(gc.waiting).toBe(0);
  });

  it('gives each item its own result or error, and fails every item when the batch throws', async () => {
    let throwAll = false;
    const gc = new GroupCommit<number, number>(
      async (items) => {
        if (throwAll) throw new Error('batch lost');
        return items.map((i): Settled<number> => (i % 2 ? { ok: true, value: i } : { ok: false, error: new Error(`even ${i}`) }));
      },
      { maxBatch: 8, maxInFlight: 2 },
    );
    const got = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
    expect(got.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([1, 'even 2', 3]);
    throwAll = true;
    const lost = await Promise.allSettled([5, 7].map((i) => gc.submit(i)));
    expect(lost.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'batch lost')).toBe(true);
  });
});

/** A stand-in ETSI 014 client: `stored` keys, counts calls, fails as told. */
class FakeKme {
  calls: { method: 'enc' | 'dec'; n: number }[] = [];
  stored: number;
  private next = 0;
  private readonly issued = new Map<string, Uint8Array>();
  constructor(stored: number) {
    this.stored = stored;
  }

  async encKeys(_slave: string, req: { number?: number }): Promise<Etsi014Key[]> {
    const n = req.number ?? 1;
    this.calls.push({ method: 'enc', n });
    if (n > this.stored) throw new Etsi014ClientError(503, `not enough keys: ${n} requested, ${this.stored} stored`);
    this.stored -= n;
    return Array.from({ length: n }, () => {
      const i = this.next++;
      const key_ID = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const key = new Uint8Array(32).fill(i + 1);
      this.issued.set(key_ID, Uint8Array.from(key));
      return { key_ID, key };
    });
  }

  async decKeys(_master: string, ids: readonly string[]): Promise<Etsi014Key[]> {
    this.calls.push({ method: 'dec', n: ids.length });
    if (ids.some((id) => !this.issued.has(id))) throw new Etsi014ClientError(400, 'unknown key_ID');
    return ids.map((key_ID) => {
      const key = this.issued.get(key_ID) as Uint8Array;
      this.issued.delete(key_ID);
      return { key_ID, key };
    });
  }
}

const ctx = (index: number): KeyRequestContext => ({ ksid: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', index, source: 's', destination: 'd', combiner: 'kdf', keyChunkSize: 32 });

describe('QkdEtsi014Source batching', () => {
  it('serves concurrent begins with one enc_keys call, one key each', async () => {
    const kme = new FakeKme(10);
    const src = new QkdEtsi014Source({ client: kme as unknown as Etsi014Client, peerSaeId: 'b' });
    const pending = await Promise.all([0, 1, 2, 3, 4].map((i) => src.begin(ctx(i))));
    expect(kme.calls).toEqual([{ method: 'enc', n: 5 }]);
    const ids = pending.map((p) => (p.offer.key_IDs as string[])[0]);
    expect(new Set(ids).size).toBe(5);
    const secrets = await Promise.all(pending.map((p) => p.finish({})));
    expect(new Set(secrets.map((m) => hex(m.secret))).size).toBe(5);
    for (const p of pending) p.discard();
    expect(secrets.every((m) => m.secret.every((b) => b === 0))).toBe(true);
  });

  it('splits calls at maxKeysPerRequest', async () => {
    const kme = new FakeKme(10);
    const src = new QkdEtsi014Source({ client: kme as unknown as Etsi014Client, peerSaeId: 'b', maxKeysPerRequest: 2 });
    await Promise.all([0, 1, 2, 3, 4].map((i) => src.begin(ctx(i))));
    expect(kme.calls.map((c) => c.n)).toEqual([2, 2, 1]);
  });

  it('when the store has fewer keys than requests, serves whom it can and reports the others unavailable (status 2)', async () => {
    const kme = new FakeKme(2);
    const src = new QkdEtsi014Source({ client: kme as unknown as Etsi014Client, peerSaeId: 'b' });
    const got = await Promise.allSettled([0, 1, 2].map((i) => src.begin(ctx(i))));
    expect(got.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const err = (got[2] as PromiseRejectedResult).reason as SourceUnavailableError;
    expect(err).toBeInstanceOf(SourceUnavailableError);
    expect(err).toMatchObject({ source: 'QKD', etsi004Status: 2 });
    expect(kme.calls.map((c) => c.n)).toEqual([3, 1, 1, 1]);
  });

  it('fetches side B keys for concurrent recovers with one dec_keys call; a bad key_ID fails only its own request', async () => {
    const kme = new FakeKme(10);
    const a = new QkdEtsi014Source({ client: kme as unknown as Etsi014Client, peerSaeId: 'b' });
    const b = new QkdEtsi014Source({ client: kme as unknown as Etsi014Client, peerSaeId: 'a' });
    const pending = await Promise.all([0, 1, 2].map((i) => a.begin(ctx(i))));
    const want = await Promise.all(pending.map(async (p) => hex((await p.finish({})).secret)));
    kme.calls = [];
    const offers = [...pending.map((p) => p.offer), { key_IDs: ['00000000-0000-4000-8000-999999999999'] }];
    const got = await Promise.allSettled(offers.map((o, i) => b.recover(ctx(i), o)));
    expect(got.slice(0, 3).map((r) => (r.status === 'fulfilled' ? hex(r.value.secret) : 'failed'))).toEqual(want);
    expect(got[3]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ httpStatus: 400 }) });
    // One shared call (refused because of the bad id), then one per request.
    expect(kme.calls.map((c) => c.n)).toEqual([4, 1, 1, 1, 1]);
  });
});
