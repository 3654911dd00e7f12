/**
 * Interoperability with an independent ESP implementation, Scapy
 * (scapy.layers.ipsec): (a) our packets decrypt and authenticate in Scapy back
 * to the original inner packets; (b) Scapy's packets are accepted by our
 * engine; (c) tampered, replayed, too-old and wrong-SPI packets from Scapy are
 * dropped under the right reason. GCM-128, GCM-256, CBC-128/256 + HMAC-SHA-256-128,
 * each with 32-bit and extended sequence numbers, on both crypto backends
 * (the native addon on OpenSSL, and node:crypto).
 */
import { EspEngine, Verdict, dropReasonName, type CryptoChoice } from '../../../virtual-router/esp/index.js';
import { GW_A, GW_B, HOST_A, HOST_B, run, sadEntry, spdEntry, udpPacket, type Suite } from './helpers/fixtures.js';
import { ScapyPeer, scapySa } from './helpers/scapy-peer.js';

let scapy: ScapyPeer;
beforeAll(async () => {
  scapy = await ScapyPeer.start();
});
afterAll(async () => {
  await scapy?.close();
});

const cases: [Suite, boolean][] = [
  ['gcm256', false],
  ['gcm256', true],
  ['gcm128', false],
  ['gcm128', true],
  ['cbc256', false],
  ['cbc256', true],
  ['cbc128', false],
  ['cbc128', true],
];

/** Inner packets of assorted sizes (every padding length for GCM and several for CBC). */
const inners = [0, 1, 2, 3, 13, 100, 1000].map((n, i) => udpPacket(HOST_A, HOST_B, 5000 + i, 7000, Buffer.alloc(n, 0x41 + i)));

describe.each(['native', 'node'] as CryptoChoice[])('crypto backend %s', (crypto) => {
  describe('(a) Scapy decrypts what the engine encrypts', () => {
    it.each(cases)('%s esn=%s', async (suite, esn) => {
      const entry = sadEntry({ name: 'ab', spi: 0x1001, suite, esn, seed: 5 });
      const a = new EspEngine({ localAddresses: [GW_A], crypto });
      // With ESN, start just below 2^32 so the batch crosses into seq-high 1 (RFC 4303 §2.2.1).
      a.addSa(entry, { seqNumberCounter: esn ? 0xfffffffcn : 0n });
      a.addPolicy(spdEntry({ name: 'p', action: 'protect' }));
      const enc = run(a, inners);
      expect(enc.every((r) => r.verdict === Verdict.Encrypted)).toBe(true);
      const esnHis = enc.map((_, i) => (esn && i >= 3 ? 1 : 0));
      const res = await scapy.decrypt(
        scapySa(entry),
        enc.map((r, i) => ({ packet: r.out!, esnHi: esnHis[i] })),
      );
      res.forEach((r, i) => {
        expect(r.error).toBeUndefined();
        expect(r.inner).toBe(inners[i].toString('hex'));
        expect(r).toMatchObject({ ok: true, spi: 0x1001, ttl: 64, proto: 50, next_header: 4 });
        const padLen = parseInt(r.trailer!.slice(-4, -2), 16);
        expect(r.trailer).toBe(Buffer.from([...Array.from({ length: padLen }, (_, k) => k + 1), padLen, 4]).toString('hex'));
      });
      expect(res.map((r) => r.seq)).toEqual(esn ? [0xfffffffd, 0xfffffffe, 0xffffffff, 0, 1, 2, 3] : [1, 2, 3, 4, 5, 6, 7]);
      if (esn) {
        // Negative control: the high half is really authenticated.
        const wrong = await scapy.decrypt(scapySa(entry), [{ packet: enc[4].out!, esnHi: 0 }]);
        expect(wrong[0].ok).toBe(false);
      }
    });
  });

  describe('(b) the engine accepts what Scapy encrypts', () => {
    it.each(cases)('%s esn=%s', async (suite, esn) => {
      const entry = sadEntry({ name: 'ab', spi: 0x1001, suite, esn, seed: 9 });
      const b = new EspEngine({ localAddresses: [GW_B], crypto });
      b.addSa(entry);
      // 32-bit: 1..7. ESN: climb through subspace 0, then wrap into seq-high 1 (inferred, RFC 4303 A2.2).
      const seqs = esn
        ? [[0, 1], [0, 2], [0, 0x80000000], [0, 0xfffffff0], [0, 0xffffffef], [1, 5], [0, 0xfffffff1]]
        : [[0, 1], [0, 2], [0, 3], [0, 5], [0, 4], [0, 6], [0, 7]];
      const pkts = await scapy.encrypt(
        scapySa(entry),
        inners.map((inner, i) => ({ inner, seq: seqs[i][1], esnHi: seqs[i][0] })),
      );
      const out = run(b, pkts);
      out.forEach((r, i) => {
        expect(dropReasonName(r.reason)).toBe('none');
        expect(r.out!.equals(inners[i])).toBe(true);
      });
      expect(b.saState('ab')!.replayStats.seqNumberCounter).toBe(esn ? 0x100000005n : 7n);
    });
  });

  describe('(c) tampered, replayed, too-old and wrong-SPI packets from Scapy are dropped', () => {
    it.each([
      ['gcm256', false],
      ['gcm128', true],
      ['cbc256', false],
      ['cbc256', true],
    ] as [Suite, boolean][])('%s esn=%s', async (suite, esn) => {
      const entry = sadEntry({ name: 'ab', spi: 0x1001, suite, esn, seed: 13, window: 64 });
      const b = new EspEngine({ localAddresses: [GW_B], crypto });
      b.addSa(entry);
      const inner = udpPacket(HOST_A, HOST_B, 1, 2, 'payload for tampering');
      const [s200, s100, s150, s151, s152] = await scapy.encrypt(scapySa(entry), [200, 100, 150, 151, 152].map((seq) => ({ inner, seq })));
      const [stranger] = await scapy.encrypt({ ...scapySa(entry), spi: 0x0bad }, [{ inner, seq: 1 }]);
      const flip = (p: Buffer, at: number): Buffer => {
        const c = Buffer.from(p);
        c[at] ^= 0x80;
        return c;
      };
      const ivLen = suite.startsWith('gcm') ? 8 : 16;
      const out = run(b, [
        s200,
        s200, // replay
        s100, // 100 < 200 − 64 + 1: too old
        flip(s150, 20 + 8 + ivLen + 5), // one flipped ciphertext byte
        flip(s151, s151.length - 3), // one flipped ICV byte
        stranger, // unknown SPI
        s152,
      ]);
      // With ESN a packet left of the window is inferred to belong to the next 2^32 subspace
      // (RFC 4303 Appendix A2.2 case A: Seqh = Th + 1), so it fails the ICV instead.
      const old = esn ? 'auth-failed' : 'too-old';
      expect(out.map((r) => dropReasonName(r.reason))).toEqual(['none', 'replay', old, 'auth-failed', 'auth-failed', 'bad-spi', 'none']);
      expect(b.saCounters('ab')).toMatchObject({ packets: 2, replayDrops: 1, tooOldDrops: esn ? 0 : 1, authFailures: esn ? 3 : 2 });
      expect(b.counters().drops).toMatchObject({ replay: 1, 'too-old': esn ? 0 : 1, 'auth-failed': esn ? 3 : 2, 'bad-spi': 1 });
      // The forgeries did not consume their sequence numbers: the genuine 150 and 151 still get in.
      expect(run(b, [s150, s151]).map((r) => r.verdict)).toEqual([Verdict.Decrypted, Verdict.Decrypted]);
    });
  });
});
