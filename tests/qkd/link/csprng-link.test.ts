import { CsprngLink, KeyStore } from '../../../qkd/index.js';

describe('CsprngLink', () => {
  it('feeds both stores at the configured rate up to the pool size', async () => {
    const a = new KeyStore({ capacity: 1000, keySizeBits: 256, name: 'a' });
    const b = new KeyStore({ capacity: 1000, keySizeBits: 256, name: 'b' });
    const link = new CsprngLink({ stores: [a, b], keyRate: 200 });
    const t0 = Date.now();
    link.start();
    // Timers run late under load, never early: wait for 60 keys (300 ms at 200 keys/s), bounded.
    while (a.size < 60 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    const elapsed = Date.now() - t0;
    link.stop();
    // Credit follows wall time: the rate is reached (well within 5 s)...
    expect(a.size).toBeGreaterThanOrEqual(60);
    // ...and never exceeded.
    expect(a.size).toBeLessThanOrEqual(Math.ceil((200 * elapsed) / 1000) + 1);
    expect(b.size).toBe(a.size);
  });

  it('stops at the pool size', async () => {
    const a = new KeyStore({ capacity: 10, keySizeBits: 128, name: 'a' });
    const b = new KeyStore({ capacity: 10, keySizeBits: 128, name: 'b' });
    const link = new CsprngLink({ stores: [a, b], keyRate: 1000 });
    link.start();
    await new Promise((r) => setTimeout(r, 200));
    link.stop();
    expect([a.size, b.size]).toEqual([10, 10]);
  });

  it('zeroes its generated buffer after copying it into both stores', () => {
    const produced: Uint8Array[] = [];
    const a = new KeyStore({ capacity: 2, keySizeBits: 256 });
    const b = new KeyStore({ capacity: 2, keySizeBits: 256 });
    const link = new CsprngLink({
      stores: [a, b],
      keyRate: 0,
      random: (n) => {
        const u = new Uint8Array(n).fill(0xab);
        produced.push(u);
        return u;
      },
    });
    link.fill(1);
    expect(Array.from(produced[0]).every((x) => x === 0)).toBe(true);
    const [k] = a.takeNext(1, 'p');
    expect(Array.from(k.key).every((x) => x === 0xab)).toBe(true);
  });
});
