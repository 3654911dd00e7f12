import { CsprngLink, KeyStore } from '../../../qkd/index.js';

describe('CsprngLink', () => {
  it('feeds both stores at the configured rate up to the pool size', async () => {
    const a = new KeyStore({ capacity: 1000, keySizeBits: 256, name: 'a' });
    const b = new KeyStore({ capacity: 1000, keySizeBits: 256, name: 'b' });
    const link = new CsprngLink({ stores: [a, b], keyRate: 200 });
    const t0 = Date.now();
    link.start();
    await new Promise((r) => setTimeout(r, 500));
    link.stop();
    const expected = (200 * (Date.now() - t0)) / 1000;
    // Credit follows wall time; the last tick (50 ms = 10 keys) may not have run yet.
    expect(a.size).toBeGreaterThanOrEqual(Math.floor(expected * 0.8) - 10);
    expect(a.size).toBeLessThanOrEqual(Math.ceil(expected) + 1);
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
