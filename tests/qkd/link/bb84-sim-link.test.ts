/**
 * The BB84 simulator as a QKD link feed (`QkdLink` with `feed: bb84-simulator`):
 * runs in a worker thread (needs `npm run build`: the worker is compiled JS),
 * fills both nodes' stores with the same keys under the same key_IDs (checked
 * through ETSI 014 enc_keys at A and dec_keys at B), keeps the KME's event loop
 * free while it computes, paces blocks to link time, and reports stats().
 */
import { Bb84SimLink, Etsi014Client, KeyStore, QkdLink } from '../../../qkd/index.js';
import type { Bb84SimulatorOptions } from '../../../qkd/sim/index.js';
import { quietLogs } from '../helpers.js';

const simulator: Bb84SimulatorOptions = { channel: { kind: 'fibre', lengthKm: 25 }, siftedBitsPerBlock: 70_000, seed: '5eed5eed5eed5eed5eed5eed5eed5eed' };

describe('QkdLink fed by the BB84 simulator', () => {
  let link: QkdLink;
  beforeAll(async () => {
    quietLogs();
    link = await QkdLink.start({
      feed: { kind: 'bb84-simulator', simulator, realTime: false },
      prefill: 12,
      poolSize: 200,
      nodes: [
        { kmeId: 'KME_A', saeIds: ['SAE_A'] },
        { kmeId: 'KME_B', saeIds: ['SAE_B'] },
      ],
    });
  });
  afterAll(() => link.stop());

  it('fills both stores with the same keys: enc_keys at A equal dec_keys at B', async () => {
    const a = new Etsi014Client({ baseUrl: link.nodes[0].kme014Url, saeId: 'SAE_A' });
    const b = new Etsi014Client({ baseUrl: link.nodes[1].kme014Url, saeId: 'SAE_B' });
    expect((await a.status('SAE_B')).stored_key_count).toBeGreaterThanOrEqual(12);
    const enc = await a.encKeys('SAE_B', { number: 4 });
    const dec = await b.decKeys('SAE_A', enc.map((k) => k.key_ID));
    expect(dec.map((k) => k.key_ID)).toEqual(enc.map((k) => k.key_ID));
    expect(dec.map((k) => Buffer.from(k.key).toString('hex'))).toEqual(enc.map((k) => Buffer.from(k.key).toString('hex')));
    expect(new Set(enc.map((k) => Buffer.from(k.key).toString('hex'))).size).toBe(4);
  });

  it('reports rate, QBER, FER, f and pool levels', () => {
    const s = link.stats();
    if (s.source !== 'bb84-simulator') throw new Error('wrong feed');
    expect(s.blocks).toBeGreaterThanOrEqual(1);
    expect(s.secretBits).toBeGreaterThan(0);
    expect(s.secretKeyRateBps).toBeCloseTo(s.secretBits / s.simulatedSeconds, 6);
    expect(s.qber).toBeGreaterThan(0.02);
    expect(s.qber).toBeLessThan(0.05);
    expect(s.fer).toBeGreaterThanOrEqual(0);
    expect(s.fer).toBeLessThanOrEqual(1);
    expect(s.reconciliationEfficiency).toBeGreaterThan(1);
    expect(s.expected.bitsPerPulse).toBeGreaterThan(0);
    expect(s.pool[0].available).toBe(s.pool[1].available);
    expect(s.pool[0].capacity).toBe(200);
    expect(s.keysAdded).toBeGreaterThanOrEqual(12);
    const text = link.describe().join('\n');
    expect(text).toMatch(/BB84 simulator: \d+ blocks/);
    expect(text).toMatch(/QBER 3\.\d\d %/);
    expect(text).toMatch(/KME_A-KME_B@KME_A: \d+ keys available/);
  });

  it('produce() adds keys; the synchronous stand-in fill() is refused', async () => {
    const before = link.stats().pool[0].available;
    const added = await link.produce(5);
    expect(added).toBeGreaterThanOrEqual(5);
    expect(link.stats().pool[0].available).toBe(before + added);
    expect(() => link.fill(1)).toThrow(/produce/);
  });
});

describe('Bb84SimLink', () => {
  function stores(): [KeyStore, KeyStore] {
    return [new KeyStore({ capacity: 500, keySizeBits: 256, name: 'a' }), new KeyStore({ capacity: 500, keySizeBits: 256, name: 'b' })];
  }

  it('keeps the event loop free while a block runs in the worker (inline, it would not be)', async () => {
    quietLogs();
    const lag = async (inline: boolean): Promise<number> => {
      const l = await Bb84SimLink.create({ stores: stores(), simulator: { ...simulator, siftedBitsPerBlock: 100_000 }, realTime: false, inline });
      // The longest gap between ticks of a 5 ms timer while one block is produced.
      let last = performance.now();
      let worst = 0;
      const tick = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
      }, 5);
      try {
        await l.fill(1);
        // Let a timer held up by a blocked loop fire and be counted.
        await new Promise((r) => setTimeout(r, 30));
      } finally {
        clearInterval(tick);
        await l.stop();
      }
      return worst;
    };
    const worker = await lag(false);
    const inline = await lag(true);
    expect(worker).toBeLessThan(inline / 3);
  });

  it('gives up filling when blocks keep giving no key', async () => {
    const l = await Bb84SimLink.create({
      stores: stores(),
      simulator: { ...simulator, siftedBitsPerBlock: 5_000, channel: { kind: 'fibre', lengthKm: 25, misalignment: 0.2 } },
      realTime: false,
      inline: true,
    });
    try {
      await expect(l.fill(1)).rejects.toThrow(/no key in 5 blocks in a row: sampled QBER .* above the threshold/);
      expect(l.stats().abortedBlocks).toBe(5);
    } finally {
      await l.stop();
    }
  });

  it('paces blocks to link time', async () => {
    // 70 000 sifted bits at 25 km need ≈ 5e7 pulses: 50 s at a 1 MHz clock.
    const l = await Bb84SimLink.create({ stores: stores(), simulator: { ...simulator, clockRateHz: 1e6 } });
    try {
      l.start();
      const t0 = Date.now();
      while (l.stats().blocks < 1 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
      expect(l.stats().blocks).toBe(1);
      await new Promise((r) => setTimeout(r, 600));
      expect(l.stats().blocks).toBe(1);
      expect(l.stats().simulatedSeconds).toBeGreaterThan(10);
    } finally {
      await l.stop();
    }
  });
});
