/**
 * The hashes under the combiners, transcripts and signed batches
 * (qkd/hybrid/sha256.ts, on node:crypto): SHA-256 against FIPS 180-4 examples
 * (RFC 4231 HMAC and RFC 5869 HKDF vectors are in combiners.test.ts), and all
 * three against the `@noble/hashes` reference they replaced, at the lengths
 * where block and output boundaries fall, with HKDF infos beyond the 1024
 * bytes node's own `hkdfSync` accepts. The length-prefixed encoder of the
 * contexts is checked against the part-by-part encoding it replaced.
 */
import { randomBytes } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hkdfSha256, hmacSha256, sha256 } from '../../../qkd/hybrid/sha256.js';
import { encodeParts, u32be } from '../../../qkd/hybrid/bytes.js';
import { zeroize } from '../../../common/index.js';
import { encodeHybridContext, lengthPrefixed } from '../../../qkd/index.js';
import { hex, vectors } from './fixtures.js';

interface ShaVector {
  name: string;
  text?: string;
  repeat?: string;
  count?: number;
  digest: string;
}

const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
/** Lengths around SHA-256's 64-byte blocks and its 55/56-byte padding boundary. */
const EDGES = [0, 1, 31, 32, 33, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096];

describe('SHA-256 (FIPS 180-4)', () => {
  const file = vectors<{ source: string; cases: ShaVector[] }>('fips180-4/sha256.json');

  it('has its cases with their source', () => {
    expect(file.source).toMatch(/FIPS 180-4/);
    expect(file.cases.length).toBeGreaterThanOrEqual(4);
  });

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const text = c.text ?? (c.repeat ?? '').repeat(c.count ?? 0);
    expect(hex(sha256(new TextEncoder().encode(text)))).toBe(c.digest);
    expect(hex(sha256(text))).toBe(c.digest);
  });

  it('agrees with @noble/hashes at block and padding boundaries', () => {
    for (const n of EDGES) {
      const m = random(n);
      expect(hex(sha256(m))).toBe(hex(nobleSha256(m)));
    }
  });

  it('hashes a string as TextEncoder encodes it (non-ASCII, lone surrogates as U+FFFD)', () => {
    for (const s of ['é€😀', 'a\ud800b', '\udc00', `{"x":"${'\u00ff'.repeat(300)}"}`]) {
      expect(hex(sha256(s))).toBe(hex(nobleSha256(new TextEncoder().encode(s))));
    }
  });

  it('gives each digest its own memory: zeroing one leaves the others', () => {
    const a = sha256('a');
    const b = sha256('b');
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(32);
    zeroize(a);
    expect(hex(b)).toBe(hex(nobleSha256(new TextEncoder().encode('b'))));
  });
});

describe('HMAC-SHA-256 against @noble/hashes', () => {
  it('for keys shorter than, equal to and longer than the 64-byte block', () => {
    for (const k of [0, 1, 32, 63, 64, 65, 131]) {
      for (const n of [0, 32, 65, 1000]) {
        const key = random(k);
        const msg = random(n);
        expect(hex(hmacSha256(key, msg))).toBe(hex(hmac(nobleSha256, key, msg)));
      }
    }
  });
});

describe('HKDF-SHA-256 against @noble/hashes', () => {
  it('for output lengths around the 32-byte blocks, up to 255 blocks', () => {
    const ikm = random(72);
    const salt = random(32);
    const info = random(40);
    for (const n of [1, 31, 32, 33, 64, 65, 100, 1024, 255 * 32]) {
      expect(hex(hkdfSha256(ikm, salt, info, n))).toBe(hex(hkdf(nobleSha256, ikm, salt, info, n)));
    }
  });

  it('for infos beyond the 1024 bytes node:crypto hkdfSync takes, and empty ones', () => {
    const ikm = random(72);
    for (const n of [0, 1, 1024, 1025, 3000]) {
      const info = random(n);
      expect(hex(hkdfSha256(ikm, undefined, info, 32))).toBe(hex(hkdf(nobleSha256, ikm, undefined, info, 32)));
    }
  });

  it('treats an absent salt as HashLen zeros, and an empty salt the same (RFC 5869 §2.2)', () => {
    const ikm = random(64);
    const info = random(20);
    const none = hex(hkdfSha256(ikm, undefined, info, 42));
    expect(hex(hkdfSha256(ikm, new Uint8Array(32), info, 42))).toBe(none);
    expect(hex(hkdfSha256(ikm, new Uint8Array(0), info, 42))).toBe(none);
    expect(hex(hkdf(nobleSha256, ikm, undefined, info, 42))).toBe(none);
  });

  it('does not alter its inputs', () => {
    const ikm = random(64);
    const salt = random(16);
    const copy = hex(ikm) + hex(salt);
    hkdfSha256(ikm, salt, random(10), 100);
    expect(hex(ikm) + hex(salt)).toBe(copy);
  });
});

describe('length-prefixed encoding in one pass', () => {
  type RefPart = Uint8Array | string | readonly RefPart[];
  /** The part-by-part encoding it replaced: a buffer per string, per level. */
  const reference = (parts: readonly RefPart[]): Uint8Array =>
    lengthPrefixed(parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : p instanceof Uint8Array ? p : reference(p))));

  it('matches it for bytes, strings (non-ASCII, lone surrogates) and nested lists', () => {
    const parts = ['ksid', u32be(7), 'hybrid://SPI_é@x?y', '\ud800', [random(32), 'QKD', ['id-1', 'id-2', '€'], new Uint8Array(0)], [], ''];
    expect(hex(encodeParts(parts))).toBe(hex(reference(parts)));
  });

  it('gives the hybrid context the same bytes for URIs of any characters', () => {
    const f = {
      ksid: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
      index: 0x01020304,
      source: 'hybrid://S%C3%A9@aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa?hybridization=kdf&key_sources=ML-KEM-512,QKD',
      destination: 'hybrid://名前\ud800@bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb?hybridization=kdf&key_sources=ML-KEM-512,QKD',
      bindings: [
        { source: 'ML-KEM-512', keyIds: [], transcriptHash: random(32) },
        { source: 'QKD', status: 'ok' as const, keyIds: ['0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0', 'ü'], transcriptHash: new Uint8Array(0) },
      ],
    };
    const [kem, qkd] = f.bindings;
    const want = reference([
      f.ksid,
      u32be(f.index),
      f.source,
      f.destination,
      ...[qkd, kem].map((b) => [b.source, 'ok', lengthPrefixed(b.keyIds.map((id) => new TextEncoder().encode(id))), b.transcriptHash]),
    ]);
    expect(hex(encodeHybridContext(f))).toBe(hex(want));
  });
});
