/**
 * deriveSaKeys (vca/key-expansion.ts): HKDF-SHA-256 (RFC 5869) with the
 * CONTRACTS labels, checked against three independent computations — an HMAC
 * implementation of RFC 5869 written here (itself checked with the RFC's
 * Appendix A vectors), @noble/hashes' hkdf and node:crypto's hkdfSync — and the RFC 9061 key leaf
 * layouts: AES-GCM key ‖ 4-byte salt (36 / 20 bytes), AES-CBC key plus a
 * 32-byte HMAC-SHA-256 integrity key.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { AUTH, ENCR } from '../../common/ikeless/index.js';
import { ValidationError } from '../../common/index.js';
import { deriveSaKeys, type KeyDirection } from '../../vca/index.js';

const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

/** RFC 5869 §2.2 and §2.3 with node:crypto's HMAC only. */
function rfc5869(ikm: Uint8Array, salt: Uint8Array | null, info: Uint8Array, length: number): Uint8Array {
  const prk = createHmac('sha256', salt && salt.length > 0 ? salt : Buffer.alloc(32)).update(ikm).digest();
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; out.length * 32 < length; i++) {
    t = createHmac('sha256', prk).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    out.push(t);
  }
  return new Uint8Array(Buffer.concat(out).subarray(0, length));
}

const label = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'ascii'));

describe('the reference HKDF used by these tests', () => {
  const vectors = JSON.parse(readFileSync(new URL('../vectors/rfc5869/hkdf-sha256.json', import.meta.url), 'utf8')) as {
    source: string;
    cases: { name: string; ikm: string; salt: string | null; info: string; length: number; okm: string }[];
  };
  it.each(vectors.cases.map((c) => [c.name, c] as const))('matches RFC 5869 %s', (_n, c) => {
    const okm = rfc5869(Buffer.from(c.ikm, 'hex'), c.salt === null ? null : Buffer.from(c.salt, 'hex'), Buffer.from(c.info, 'hex'), c.length);
    expect(hex(okm)).toBe(c.okm);
  });
});

describe('deriveSaKeys', () => {
  const secret = new Uint8Array(randomBytes(32));

  it.each(['in', 'out'] as const)('AES-GCM-16 256: key leaf = HKDF("qnfv esp enc %s", 32) ‖ HKDF("qnfv esp salt …", 4)', (dir) => {
    const k = deriveSaKeys(secret, dir, ENCR.AES_GCM_16, AUTH.NONE, 256);
    expect(k.encryptionKey).toHaveLength(36);
    expect(k.integrityKey).toBeUndefined();
    const key = rfc5869(secret, null, label(`qnfv esp enc ${dir}`), 32);
    const salt = rfc5869(secret, null, label(`qnfv esp salt ${dir}`), 4);
    expect(hex(k.encryptionKey)).toBe(hex(key) + hex(salt));
    // Second independent implementation (salt undefined = RFC 5869 zero salt).
    expect(hex(k.encryptionKey.subarray(0, 32))).toBe(hex(nobleHkdf(sha256, secret, undefined, label(`qnfv esp enc ${dir}`), 32)));
    expect(hex(k.encryptionKey.subarray(32))).toBe(hex(nobleHkdf(sha256, secret, undefined, label(`qnfv esp salt ${dir}`), 4)));
    // Third: OpenSSL's HKDF through node:crypto (an empty salt is the zero salt, RFC 5869 §2.2).
    expect(hex(k.encryptionKey.subarray(0, 32))).toBe(Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), label(`qnfv esp enc ${dir}`), 32)).toString('hex'));
  });

  it('AES-GCM-16 128: 20 bytes = 16-byte key ‖ 4-byte salt', () => {
    const k = deriveSaKeys(secret, 'out', ENCR.AES_GCM_16, AUTH.NONE, 128);
    expect(k.encryptionKey).toHaveLength(20);
    expect(hex(k.encryptionKey)).toBe(hex(rfc5869(secret, null, label('qnfv esp enc out'), 16)) + hex(rfc5869(secret, null, label('qnfv esp salt out'), 4)));
    // HKDF output is a prefix-stable stream: the 128-bit key is the first half of the 256-bit one.
    expect(hex(k.encryptionKey.subarray(0, 16))).toBe(hex(deriveSaKeys(secret, 'out', ENCR.AES_GCM_16, AUTH.NONE, 256).encryptionKey.subarray(0, 16)));
  });

  it.each([
    [128, 16],
    [256, 32],
  ])('AES-CBC %i + HMAC-SHA2-256-128: %i-byte enc key and a separate 32-byte integ key', (bits, bytes) => {
    for (const dir of ['in', 'out'] as const) {
      const k = deriveSaKeys(secret, dir, ENCR.AES_CBC, AUTH.HMAC_SHA2_256_128, bits);
      expect(k.encryptionKey).toHaveLength(bytes);
      expect(k.integrityKey).toHaveLength(32);
      expect(hex(k.encryptionKey)).toBe(hex(nobleHkdf(sha256, secret, undefined, label(`qnfv esp enc ${dir}`), bytes)));
      expect(hex(k.integrityKey!)).toBe(hex(rfc5869(secret, null, label(`qnfv esp integ ${dir}`), 32)));
    }
  });

  it('in ≠ out, enc ≠ integ, and different secrets give different keys; same input gives the same bytes', () => {
    const gIn = deriveSaKeys(secret, 'in', ENCR.AES_GCM_16, AUTH.NONE, 256).encryptionKey;
    const gOut = deriveSaKeys(secret, 'out', ENCR.AES_GCM_16, AUTH.NONE, 256).encryptionKey;
    expect(hex(gIn)).not.toBe(hex(gOut));
    expect(hex(gIn.subarray(32))).not.toBe(hex(gOut.subarray(32)));
    const cIn = deriveSaKeys(secret, 'in', ENCR.AES_CBC, AUTH.HMAC_SHA2_256_128, 256);
    const cOut = deriveSaKeys(secret, 'out', ENCR.AES_CBC, AUTH.HMAC_SHA2_256_128, 256);
    const all = [gIn.subarray(0, 32), gOut.subarray(0, 32), cIn.integrityKey!, cOut.integrityKey!].map(hex);
    expect(new Set(all).size).toBe(4);
    // The GCM key and the CBC key of one direction share the "enc" label (one SA never has both).
    expect(hex(cIn.encryptionKey)).toBe(hex(gIn.subarray(0, 32)));
    const other = new Uint8Array(randomBytes(32));
    expect(hex(deriveSaKeys(other, 'in', ENCR.AES_GCM_16, AUTH.NONE, 256).encryptionKey)).not.toBe(hex(gIn));
    expect(hex(deriveSaKeys(Uint8Array.from(secret), 'in', ENCR.AES_GCM_16, AUTH.NONE, 256).encryptionKey)).toBe(hex(gIn));
  });

  it('uses the whole secret (a 64-byte secret is not truncated to 32) and does not modify it', () => {
    const long = new Uint8Array(randomBytes(64));
    const copy = Uint8Array.from(long);
    const a = deriveSaKeys(long, 'out', ENCR.AES_GCM_16, AUTH.NONE, 256).encryptionKey;
    expect(hex(a)).toBe(hex(rfc5869(long, null, label('qnfv esp enc out'), 32)) + hex(rfc5869(long, null, label('qnfv esp salt out'), 4)));
    expect(hex(a)).not.toBe(hex(deriveSaKeys(long.subarray(0, 32), 'out', ENCR.AES_GCM_16, AUTH.NONE, 256).encryptionKey));
    expect(hex(long)).toBe(hex(copy));
  });

  it('rejects bad inputs with a ValidationError that names the problem', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => deriveSaKeys(new Uint8Array(31), 'in', ENCR.AES_GCM_16, AUTH.NONE, 256), /at least 32 bytes, got 31/],
      [() => deriveSaKeys(new Uint8Array(0), 'in', ENCR.AES_GCM_16, AUTH.NONE, 256), /at least 32 bytes, got 0/],
      [() => deriveSaKeys(secret, 'in', ENCR.AES_GCM_16, AUTH.NONE, 192), /key length 192 bits is not supported/],
      [() => deriveSaKeys(secret, 'in', ENCR.AES_GCM_16, AUTH.NONE, 0), /key length 0 bits/],
      [() => deriveSaKeys(secret, 'in', ENCR.AES_GCM_16, AUTH.HMAC_SHA2_256_128, 256), /AEAD: integrity-algorithm must be 0/],
      [() => deriveSaKeys(secret, 'in', ENCR.AES_CBC, AUTH.NONE, 256), /AES-CBC needs integrity-algorithm 12/],
      [() => deriveSaKeys(secret, 'in', 3, AUTH.NONE, 256), /encryption-algorithm 3 is not supported/],
      // Directions arrive over JSON-RPC: anything but in/out must not silently derive a third key.
      [() => deriveSaKeys(secret, 'IN' as KeyDirection, ENCR.AES_GCM_16, AUTH.NONE, 256), /direction 'IN'/],
      [() => deriveSaKeys(secret, '' as KeyDirection, ENCR.AES_CBC, AUTH.HMAC_SHA2_256_128, 256), /direction ''/],
    ];
    for (const [f, msg] of bad) {
      expect(f).toThrow(ValidationError);
      expect(f).toThrow(msg);
    }
  });
});
