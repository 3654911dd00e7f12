/**
 * Combiners from official vectors (RFC 5869, RFC 4231) and cross-checked with
 * node:crypto, which does not share code with @noble/hashes.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  COMBINERS,
  encodeHybridContext,
  hkdfSha256,
  hmacCombiner,
  kdfCombiner,
  orderBySource,
  xorCombiner,
  type SecretInput,
} from '../../../qkd/index.js';
import { here } from '../helpers.js';

const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

interface HkdfVector {
  name: string;
  ikm: string;
  salt: string | null;
  info: string;
  length: number;
  okm: string;
}

describe('HKDF-SHA-256 (RFC 5869)', () => {
  const file = JSON.parse(readFileSync(here('vectors/rfc5869-hkdf-sha256.json'), 'utf8')) as { source: string; cases: HkdfVector[] };

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const okm = hkdfSha256(bytes(c.ikm), c.salt === null ? undefined : bytes(c.salt), bytes(c.info), c.length);
    expect(hex(okm)).toBe(c.okm);
  });

  it('refuses lengths HKDF cannot produce', () => {
    expect(() => hkdfSha256(new Uint8Array(32), undefined, new Uint8Array(0), 255 * 32 + 1)).toThrow(/length/);
  });
});

describe('hmac combiner', () => {
  const v = JSON.parse(readFileSync(here('vectors/rfc4231-hmac-sha256.json'), 'utf8')) as { key_utf8: string; data_utf8: string; mac: string };
  const qkd = { source: 'QKD', secret: utf8(v.key_utf8) };
  const kem = { source: 'ML-KEM-512', secret: utf8(v.data_utf8) };

  it('is HMAC-SHA-256 keyed by the QKD key over the KEM secret (RFC 4231 test case 2)', () => {
    expect(hex(hmacCombiner([qkd, kem], { length: 32 }))).toBe(v.mac);
  });

  it('fixes the key role by source, never by value or argument order', () => {
    expect(hex(hmacCombiner([kem, qkd], { length: 32 }))).toBe(v.mac);
    // QKD key larger by value than the KEM secret: sorting by value (QUBIP) would key the HMAC with the KEM secret.
    const q = { source: 'QKD', secret: new Uint8Array(32).fill(0xff) };
    const k = { source: 'ML-KEM-512', secret: new Uint8Array(32).fill(0x01) };
    const keyedByQkd = createHmac('sha256', Buffer.from(q.secret)).update(k.secret).digest('hex');
    const keyedByKem = createHmac('sha256', Buffer.from(k.secret)).update(q.secret).digest('hex');
    expect(hex(hmacCombiner([k, q], { length: 32 }))).toBe(keyedByQkd);
    expect(keyedByQkd).not.toBe(keyedByKem);
  });

  it('truncates on request and refuses more than 32 bytes', () => {
    expect(hex(hmacCombiner([qkd, kem], { length: 20 }))).toBe(v.mac.slice(0, 40));
    expect(() => hmacCombiner([qkd, kem], { length: 33 })).toThrow(/1..32/);
  });
});

describe('xor combiner', () => {
  it('XORs equal-length inputs', () => {
    const out = xorCombiner(
      [
        { source: 'QKD', secret: bytes('0f0f0f0f') },
        { source: 'ML-KEM-768', secret: bytes('ff00ff00') },
      ],
      { length: 4 },
    );
    expect(hex(out)).toBe('f00ff00f');
  });

  it('refuses unequal lengths instead of padding, and longer outputs', () => {
    const a = { source: 'QKD', secret: new Uint8Array(32) };
    expect(() => xorCombiner([a, { source: 'ML-KEM-512', secret: new Uint8Array(16) }], { length: 16 })).toThrow(/equal-length/);
    expect(() => xorCombiner([a, { source: 'ML-KEM-512', secret: new Uint8Array(32) }], { length: 33 })).toThrow(/1..32/);
  });
});

describe('kdf combiner', () => {
  const qkd: SecretInput = { source: 'QKD', secret: new Uint8Array(randomBytes(32)) };
  const kem: SecretInput = { source: 'ML-KEM-512', secret: new Uint8Array(randomBytes(32)) };
  const context = encodeHybridContext({
    ksid: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    index: 7,
    source: 'hybrid://SPI_1@aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa?hybridization=kdf&key_sources=ML-KEM-512,QKD',
    destination: 'hybrid://SPI_1@bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb?hybridization=kdf&key_sources=ML-KEM-512,QKD',
    bindings: [
      { source: 'QKD', keyIds: ['0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0'], transcriptHash: new Uint8Array(0) },
      { source: 'ML-KEM-512', keyIds: [], transcriptHash: new Uint8Array(32).fill(9) },
    ],
  });

  /** The documented layout, rebuilt with Buffer + node:crypto only. */
  function reference(length: number): string {
    const lp = (b: Uint8Array | Buffer): Buffer => {
      const n = Buffer.alloc(4);
      n.writeUInt32BE(b.length);
      return Buffer.concat([n, Buffer.from(b)]);
    };
    const ikm = Buffer.concat([lp(qkd.secret), lp(kem.secret)]);
    const info = Buffer.concat([lp(Buffer.from('qnfv hybrid v1')), lp(context)]);
    return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, length)).toString('hex');
  }

  it('matches HKDF-SHA-256 over the documented layout (node:crypto)', () => {
    expect(hex(kdfCombiner([kem, qkd], { length: 32, context }))).toBe(reference(32));
    expect(hex(kdfCombiner([qkd, kem], { length: 64, context }))).toBe(reference(64));
  });

  it('changes with every bound field', () => {
    const base = hex(kdfCombiner([qkd, kem], { length: 32, context }));
    const variants = [
      { index: 8 },
      { ksid: '1b4e28ba-2fa1-41d2-883f-0016d3cca428' },
      { source: 'hybrid://SPI_2@aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa?hybridization=kdf&key_sources=ML-KEM-512,QKD' },
    ];
    for (const v of variants) {
      const ctx = encodeHybridContext({
        ksid: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
        index: 7,
        source: 'hybrid://SPI_1@aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa?hybridization=kdf&key_sources=ML-KEM-512,QKD',
        destination: 'hybrid://SPI_1@bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb?hybridization=kdf&key_sources=ML-KEM-512,QKD',
        bindings: [
          { source: 'QKD', keyIds: ['0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0'], transcriptHash: new Uint8Array(0) },
          { source: 'ML-KEM-512', keyIds: [], transcriptHash: new Uint8Array(32).fill(9) },
        ],
        ...v,
      });
      expect(hex(kdfCombiner([qkd, kem], { length: 32, context: ctx }))).not.toBe(base);
    }
    const otherCt = encodeHybridContext({
      ksid: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
      index: 7,
      source: 'hybrid://SPI_1@aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa?hybridization=kdf&key_sources=ML-KEM-512,QKD',
      destination: 'hybrid://SPI_1@bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb?hybridization=kdf&key_sources=ML-KEM-512,QKD',
      bindings: [
        { source: 'QKD', keyIds: ['0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f1'], transcriptHash: new Uint8Array(0) },
        { source: 'ML-KEM-512', keyIds: [], transcriptHash: new Uint8Array(32).fill(8) },
      ],
    });
    expect(hex(kdfCombiner([qkd, kem], { length: 32, context: otherCt }))).not.toBe(base);
  });

  it('does not wipe or alter its inputs', () => {
    const copy = hex(qkd.secret);
    kdfCombiner([qkd, kem], { length: 32, context });
    expect(hex(qkd.secret)).toBe(copy);
  });
});

describe('source order', () => {
  it('is QKD first, then ML-KEM, whatever the values', () => {
    const big = { source: 'QKD', secret: new Uint8Array(4).fill(0xff) };
    const small = { source: 'ML-KEM-1024', secret: new Uint8Array(4) };
    expect(orderBySource([small, big]).map((i) => i.source)).toEqual(['QKD', 'ML-KEM-1024']);
  });

  it('refuses unknown and repeated sources, and single inputs', () => {
    const s = new Uint8Array(4);
    expect(() => orderBySource([{ source: 'RSA', secret: s }])).toThrow(/unknown key source 'RSA'/);
    expect(() => orderBySource([{ source: 'QKD', secret: s }, { source: 'QKD', secret: s }])).toThrow(/twice/);
    for (const c of Object.values(COMBINERS)) expect(() => c([{ source: 'QKD', secret: s }], { length: 4 })).toThrow(/at least 2/);
  });
});
