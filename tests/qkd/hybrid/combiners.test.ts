/**
 * Combiners from official vectors (RFC 5869, RFC 4231), from qnfv's own vectors
 * (tests/vectors/qnfv-hybrid, generated on node:crypto by an independent
 * re-implementation of the layout), and the inputs each combiner refuses.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import {
  COMBINERS,
  auxiliaryKey,
  encodeHybridContext,
  hkdfSha256,
  hmacCombiner,
  hmacSha256,
  kdfCombiner,
  orderBySource,
  peerTranscriptHash,
  xorCombiner,
  type CombinerName,
  type SecretInput,
  type SourceBinding,
} from '../../../qkd/index.js';
import { bytes, hex, vectors } from './fixtures.js';

interface HkdfVector {
  name: string;
  ikm: string;
  salt: string | null;
  info: string;
  length: number;
  okm: string;
}

interface HmacVector {
  name: string;
  key: string;
  data: string;
  mac: string;
  truncated_to?: number;
}

describe('HKDF-SHA-256 (RFC 5869 Appendix A)', () => {
  const file = vectors<{ source: string; cases: HkdfVector[] }>('rfc5869/hkdf-sha256.json');

  it('has the three SHA-256 cases with their source', () => {
    expect(file.source).toMatch(/RFC 5869/);
    expect(file.cases).toHaveLength(3);
  });

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const okm = hkdfSha256(bytes(c.ikm), c.salt === null ? undefined : bytes(c.salt), bytes(c.info), c.length);
    expect(hex(okm)).toBe(c.okm);
  });

  it('refuses lengths HKDF cannot produce', () => {
    expect(() => hkdfSha256(new Uint8Array(32), undefined, new Uint8Array(0), 255 * 32 + 1)).toThrow(/length/);
    expect(() => hkdfSha256(new Uint8Array(32), undefined, new Uint8Array(0), 0)).toThrow(/length/);
  });
});

describe('HMAC-SHA-256 (RFC 4231 §4.2–4.8)', () => {
  const file = vectors<{ source: string; cases: HmacVector[] }>('rfc4231/hmac-sha256.json');

  it('has the seven cases with their source', () => {
    expect(file.source).toMatch(/RFC 4231/);
    expect(file.cases).toHaveLength(7);
  });

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const mac = hmacSha256(bytes(c.key), bytes(c.data));
    expect(hex(mac.slice(0, c.truncated_to ?? 32))).toBe(c.mac);
  });

  it('is the hmac combiner keyed by the QKD input (RFC 4231 test case 2)', () => {
    const c = file.cases[1];
    const out = hmacCombiner(
      [
        { source: 'ML-KEM-512', secret: bytes(c.data) },
        { source: 'QKD', secret: bytes(c.key) },
      ],
      { length: 32 },
    );
    expect(hex(out)).toBe(c.mac);
  });
});

interface CombinerCase {
  name: string;
  combiner: CombinerName;
  length: number;
  ksid: string;
  index: number;
  source: string;
  destination: string;
  inputs: { source: string; secret: string; key_ids: string[]; transcript_a?: string; transcript_b?: string }[];
  context: string;
  key: string;
}

describe("qnfv's combiner vectors (tests/vectors/qnfv-hybrid)", () => {
  const file = vectors<{ source: string; produced: string; aux_key: { ksid: string; index: number; source: string; destination: string; key: string }; cases: CombinerCase[] }>(
    'qnfv-hybrid/combiners.json',
  );

  it('cover every combiner, three sources, and degraded mode', () => {
    expect(file.produced).toMatch(/generate\.mjs/);
    expect(new Set(file.cases.map((c) => c.combiner))).toEqual(new Set(['kdf', 'hmac', 'xor']));
    expect(file.cases.some((c) => c.inputs.length === 3)).toBe(true);
    expect(file.cases.some((c) => c.inputs.some((i) => i.source === 'AUX'))).toBe(true);
  });

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const bindings: SourceBinding[] = c.inputs.map((i) => ({
      source: i.source,
      status: i.source === 'AUX' ? 'aux' : 'ok',
      keyIds: i.key_ids,
      transcriptHash: i.transcript_a && i.transcript_b ? peerTranscriptHash(i.source, bytes(i.transcript_a), bytes(i.transcript_b)) : new Uint8Array(0),
    }));
    const context = encodeHybridContext({ ksid: c.ksid, index: c.index, source: c.source, destination: c.destination, bindings });
    expect(hex(context)).toBe(c.context);
    const inputs: SecretInput[] = c.inputs.map((i) => ({ source: i.source, secret: bytes(i.secret) }));
    expect(hex(COMBINERS[c.combiner](inputs, { length: c.length, context }))).toBe(c.key);
  });

  it('derives the auxiliary key of degraded mode', () => {
    const a = file.aux_key;
    expect(hex(auxiliaryKey(a))).toBe(a.key);
    expect(hex(auxiliaryKey({ ...a, index: a.index + 1 }))).not.toBe(a.key);
  });
});

describe('xor combiner', () => {
  const q = (s: Uint8Array): SecretInput => ({ source: 'QKD', secret: s });
  const k = (s: Uint8Array): SecretInput => ({ source: 'ML-KEM-512', secret: s });

  it('XORs two equal-length keys, in either argument order', () => {
    const a = new Uint8Array(randomBytes(32));
    const b = new Uint8Array(randomBytes(32));
    const want = hex(a.map((v, i) => v ^ b[i]));
    expect(hex(xorCombiner([q(a), k(b)], { length: 32 }))).toBe(want);
    expect(hex(xorCombiner([k(b), q(a)], { length: 16 }))).toBe(want.slice(0, 32));
  });

  it.each([
    ['unequal lengths (never padded)', () => [q(new Uint8Array(randomBytes(32))), k(new Uint8Array(randomBytes(16)))], /equal-length/],
    ['inputs shorter than 128 bits', () => [q(new Uint8Array(randomBytes(8))), k(new Uint8Array(randomBytes(8)))], /at least 16 bytes/],
    ['an all-zero input', () => [q(new Uint8Array(32)), k(new Uint8Array(randomBytes(32)))], /all zero/],
    ['two identical inputs', () => { const s = new Uint8Array(randomBytes(32)); return [q(s), k(Uint8Array.from(s))]; }, /identical, not independent/],
    ['three inputs', () => [q(new Uint8Array(randomBytes(32))), k(new Uint8Array(randomBytes(32))), { source: 'X25519', secret: new Uint8Array(randomBytes(32)) }], /exactly 2/],
  ])('refuses %s', (_what, make, msg) => {
    expect(() => xorCombiner(make() as SecretInput[], { length: 16 })).toThrow(msg);
  });

  it('refuses to extend its output', () => {
    expect(() => xorCombiner([q(new Uint8Array(randomBytes(32))), k(new Uint8Array(randomBytes(32)))], { length: 33 })).toThrow(/1..32/);
  });
});

describe('hmac combiner', () => {
  it('fixes the key role by source, never by value or argument order', () => {
    const big = { source: 'QKD', secret: new Uint8Array(32).fill(0xff) };
    const small = { source: 'ML-KEM-512', secret: new Uint8Array(32).fill(0x01) };
    const keyedByQkd = createHmac('sha256', Buffer.from(big.secret)).update(small.secret).digest('hex');
    expect(hex(hmacCombiner([small, big], { length: 32 }))).toBe(keyedByQkd);
    expect(hex(hmacCombiner([big, small], { length: 32 }))).toBe(keyedByQkd);
    expect(keyedByQkd).not.toBe(createHmac('sha256', Buffer.from(small.secret)).update(big.secret).digest('hex'));
  });

  it('truncates on request, refuses more than 32 bytes and other than two inputs', () => {
    const s = (source: string): SecretInput => ({ source, secret: new Uint8Array(randomBytes(32)) });
    const [a, b] = [s('QKD'), s('X25519')];
    expect(hex(hmacCombiner([a, b], { length: 20 }))).toBe(hex(hmacCombiner([a, b], { length: 32 })).slice(0, 40));
    expect(() => hmacCombiner([a, b], { length: 33 })).toThrow(/1..32/);
    expect(() => hmacCombiner([a, b, s('ML-KEM-768')], { length: 32 })).toThrow(/exactly 2/);
  });
});

describe('kdf combiner', () => {
  const qkd: SecretInput = { source: 'QKD', secret: new Uint8Array(randomBytes(32)) };
  const kem: SecretInput = { source: 'ML-KEM-512', secret: new Uint8Array(randomBytes(32)) };
  const ek = new Uint8Array(randomBytes(800));
  const ct = new Uint8Array(randomBytes(768));
  const base = {
    ksid: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    index: 7,
    source: 'hybrid://SPI_1@aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa?hybridization=kdf&key_sources=ML-KEM-512,QKD',
    destination: 'hybrid://SPI_1@bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb?hybridization=kdf&key_sources=ML-KEM-512,QKD',
  };
  const bindings = (over: { keyId?: string; ek?: Uint8Array; ct?: Uint8Array } = {}): SourceBinding[] => [
    { source: 'QKD', keyIds: [over.keyId ?? '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0'], transcriptHash: new Uint8Array(0) },
    { source: 'ML-KEM-512', keyIds: [], transcriptHash: peerTranscriptHash('ML-KEM-512', over.ek ?? ek, over.ct ?? ct) },
  ];
  const context = encodeHybridContext({ ...base, bindings: bindings() });

  it('matches HKDF-SHA-256 over the documented layout (node:crypto)', () => {
    const lp = (b: Uint8Array | Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (b.length >>> (24 - 8 * i)) & 0xff)), Buffer.from(b)]);
    const ref = (n: number): string =>
      Buffer.from(hkdfSync('sha256', Buffer.concat([lp(qkd.secret), lp(kem.secret)]), Buffer.alloc(0), Buffer.concat([lp(Buffer.from('qnfv hybrid v2')), lp(context)]), n)).toString('hex');
    expect(hex(kdfCombiner([kem, qkd], { length: 32, context }))).toBe(ref(32));
    expect(hex(kdfCombiner([qkd, kem], { length: 64, context }))).toBe(ref(64));
  });

  it('binds KSID, index, URIs (SA name), QKD key ids, the KEM public key and the KEM ciphertext', () => {
    const key = (ctx: Uint8Array): string => hex(kdfCombiner([qkd, kem], { length: 32, context: ctx }));
    const k0 = key(context);
    const flip = (b: Uint8Array): Uint8Array => Uint8Array.from(b, (v, i) => (i === 100 ? v ^ 1 : v));
    const variants = [
      encodeHybridContext({ ...base, index: 8, bindings: bindings() }),
      encodeHybridContext({ ...base, ksid: '1b4e28ba-2fa1-41d2-883f-0016d3cca428', bindings: bindings() }),
      encodeHybridContext({ ...base, source: base.source.replace('SPI_1', 'SPI_2'), bindings: bindings() }),
      encodeHybridContext({ ...base, bindings: bindings({ keyId: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f1' }) }),
      encodeHybridContext({ ...base, bindings: bindings({ ek: flip(ek) }) }),
      encodeHybridContext({ ...base, bindings: bindings({ ct: flip(ct) }) }),
      encodeHybridContext({ ...base, bindings: [...bindings().slice(1), { source: 'AUX', status: 'aux', keyIds: [], transcriptHash: new Uint8Array(0) }] }),
    ];
    const keys = variants.map(key);
    expect(new Set([k0, ...keys]).size).toBe(variants.length + 1);
  });

  it('extends a shorter output when asked for more (HKDF-Expand: so a stream has one fixed length), and another index gives other bytes', () => {
    const k32 = hex(kdfCombiner([qkd, kem], { length: 32, context }));
    const k64 = hex(kdfCombiner([qkd, kem], { length: 64, context }));
    expect(k64.startsWith(k32)).toBe(true);
    const other = encodeHybridContext({ ...base, index: 9, bindings: bindings() });
    expect(hex(kdfCombiner([qkd, kem], { length: 32, context: other }))).not.toBe(k32);
  });

  it('does not wipe or alter its inputs', () => {
    const copy = hex(qkd.secret);
    kdfCombiner([qkd, kem], { length: 32, context });
    expect(hex(qkd.secret)).toBe(copy);
  });
});

describe('source order', () => {
  it('is QKD, ML-KEM-512/768/1024, X25519, AUX, whatever the values', () => {
    const s = (source: string, v: number): SecretInput => ({ source, secret: new Uint8Array(4).fill(v) });
    expect(orderBySource([s('AUX', 0), s('X25519', 1), s('ML-KEM-1024', 2), s('QKD', 0xff)]).map((i) => i.source)).toEqual(['QKD', 'ML-KEM-1024', 'X25519', 'AUX']);
  });

  it('refuses unknown and repeated sources, and single inputs', () => {
    const s = new Uint8Array(4);
    expect(() => orderBySource([{ source: 'RSA', secret: s }])).toThrow(/unknown key source 'RSA'/);
    expect(() => orderBySource([{ source: 'QKD', secret: s }, { source: 'QKD', secret: s }])).toThrow(/twice/);
    for (const c of Object.values(COMBINERS)) expect(() => c([{ source: 'QKD', secret: s }], { length: 4 })).toThrow(/at least 2/);
  });
});
