/**
 * Known-answer tests of the two ESP transforms against published vectors:
 * draft-mcgrew-gcm-test-01 (RFC 4106 AES-GCM in ESP, incl. ESN AAD),
 * RFC 3602 §4 (AES-CBC in ESP) and RFC 4868 §2.7.2.1 (HMAC-SHA-256-128).
 */
import { AesCbcHmacSha256Transform, cbcDecryptInPlace, cbcEncryptInPlace, hmacSha256_128 } from '../../../virtual-router/esp/aes-cbc-hmac.js';
import { AesGcmTransform } from '../../../virtual-router/esp/aes-gcm.js';
import { hex, loadVectors, type CbcCase, type GcmCase } from './helpers/fixtures.js';

interface HmacCase {
  name: string;
  key: string;
  data: string;
  icv: string;
}

const gcm = loadVectors<{ source: string; cases: GcmCase[] }>('draft-mcgrew-gcm-test-01/esp-aes-gcm.json');
const cbc = loadVectors<{ source: string; cases: CbcCase[] }>('rfc3602/aes-cbc-esp.json');
const hmac = loadVectors<{ source: string; cases: HmacCase[] }>('rfc4868/hmac-sha-256-128.json');

/** SPI ‖ seq-low ‖ IV ‖ body ‖ 16 spare bytes for the ICV, as the transforms see an ESP packet. */
function espBuffer(spi: string, seqLow: string, iv: string, body: string): Buffer {
  return Buffer.concat([hex(spi), hex(seqLow), hex(iv), hex(body), Buffer.alloc(16)]);
}

describe('AES-GCM-16 ESP transform (RFC 4106) — draft-mcgrew-gcm-test-01', () => {
  it('has a cited source', () => expect(gcm.source).toMatch(/draft-mcgrew-gcm-test-01/));

  it.each(gcm.cases.map((c) => [c.case, c] as const))('case %i: seal gives the ciphertext and tag, open gives the plaintext', (_n, c) => {
    const seqHi = c.esn ? parseInt(c.seqHigh!, 16) : 0;
    const t = new AesGcmTransform(Buffer.concat([hex(c.key), hex(c.salt)]), c.esn);
    const buf = espBuffer(c.spi, c.seqLow, c.iv, c.plaintext);
    const icvStart = buf.length - 16;
    t.seal(buf, 0, icvStart, seqHi);
    expect(buf.subarray(16, icvStart).toString('hex')).toBe(c.ciphertext);
    expect(buf.subarray(icvStart).toString('hex')).toBe(c.tag);

    expect(t.open(buf, 0, icvStart, seqHi)).toBe(true);
    expect(buf.subarray(16, icvStart).toString('hex')).toBe(c.plaintext);
  });

  it.each(gcm.cases.filter((c) => c.esn).map((c) => [c.case, c] as const))(
    'case %i (ESN): the wrong seq-high in the AAD fails the ICV',
    (_n, c) => {
      const seqHi = parseInt(c.seqHigh!, 16);
      const t = new AesGcmTransform(Buffer.concat([hex(c.key), hex(c.salt)]), true);
      const buf = Buffer.concat([hex(c.spi), hex(c.seqLow), hex(c.iv), hex(c.ciphertext), hex(c.tag)]);
      expect(t.open(buf, 0, buf.length - 16, (seqHi + 1) >>> 0)).toBe(false);
      expect(buf.subarray(16, buf.length - 16).toString('hex')).toBe(c.ciphertext); // untouched on failure
      expect(t.open(buf, 0, buf.length - 16, seqHi)).toBe(true);
    },
  );

  it('writes the 64-bit sequence number as the IV', () => {
    const t = new AesGcmTransform(new Uint8Array(20), true);
    const b = Buffer.alloc(8);
    t.writeIv(b, 0, 0x01020304, 0xa0b0c0d0);
    expect(b.toString('hex')).toBe('01020304a0b0c0d0');
  });

  it('dispose zeroes the key it holds', () => {
    const key = new Uint8Array(36).fill(0x42);
    const t = new AesGcmTransform(key, false);
    t.dispose();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reaching into the private key to check it is zeroed
    const inner = t as any;
    expect((inner.key as Buffer).every((x: number) => x === 0)).toBe(true);
    expect(key[0]).toBe(0x42); // the caller's copy is the caller's
  });
});

describe('AES-CBC (RFC 3602 §4 cases 5-8)', () => {
  it('has a cited source', () => expect(cbc.source).toMatch(/RFC 3602/));

  it.each(cbc.cases.map((c) => [c.case, c] as const))('case %i: decrypts to payload ‖ 1,2,3… ‖ pad length ‖ next header, and re-encrypts', (_n, c) => {
    const key = hex(c.key);
    const buf = Buffer.concat([hex(c.iv), hex(c.ciphertext)]);
    cbcDecryptInPlace(key, buf, 0, 16, buf.length);
    const pt = buf.subarray(16);
    expect(pt.toString('hex')).toBe(c.plaintext);
    const padLen = pt[pt.length - 2];
    expect(pt[pt.length - 1]).toBe(c.nextHeader);
    expect(pt.subarray(0, pt.length - 2 - padLen).toString('hex')).toBe(c.payload);
    expect([...pt.subarray(pt.length - 2 - padLen, pt.length - 2)]).toEqual(Array.from({ length: padLen }, (_, i) => i + 1));
    cbcEncryptInPlace(key, buf, 0, 16, buf.length);
    expect(buf.subarray(16).toString('hex')).toBe(c.ciphertext);
  });
});

describe('HMAC-SHA-256-128 (RFC 4868 §2.7.2.1)', () => {
  it('has a cited source', () => expect(hmac.source).toMatch(/RFC 4868/));

  it.each(hmac.cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(hmacSha256_128(hex(c.key), hex(c.data)).toString('hex')).toBe(c.icv);
  });
});

describe('AES-CBC + HMAC-SHA-256-128 ESP transform', () => {
  const encKey = new Uint8Array(32).fill(7);
  const integKey = new Uint8Array(32).fill(9);
  const body = Buffer.alloc(32, 0x61); // two blocks

  it('ICV = HMAC-SHA-256-128 over SPI ‖ seq ‖ IV ‖ ciphertext (‖ seq-high with ESN, RFC 4303 §2.2.1)', () => {
    for (const esn of [false, true]) {
      const t = new AesCbcHmacSha256Transform(encKey, integKey, esn);
      const buf = Buffer.concat([hex('0000100100000005'), Buffer.alloc(16), body, Buffer.alloc(16)]);
      t.writeIv(buf, 8, 0, 5);
      const icvStart = buf.length - 16;
      t.seal(buf, 0, icvStart, 3);
      const covered = buf.subarray(0, icvStart);
      const expected = esn ? hmacSha256_128(integKey, covered, hex('00000003')) : hmacSha256_128(integKey, covered);
      expect(buf.subarray(icvStart).equals(expected)).toBe(true);
      expect(t.open(buf, 0, icvStart, 3)).toBe(true);
      expect(buf.subarray(24, icvStart).equals(body)).toBe(true);
    }
  });

  it('refuses a flipped ciphertext bit before decrypting, and a wrong seq-high with ESN', () => {
    const t = new AesCbcHmacSha256Transform(encKey, integKey, true);
    const buf = Buffer.concat([hex('0000100100000005'), Buffer.alloc(16), body, Buffer.alloc(16)]);
    t.writeIv(buf, 8, 0, 5);
    t.seal(buf, 0, buf.length - 16, 0);
    const sealed = Buffer.from(buf);
    expect(t.open(buf, 0, buf.length - 16, 1)).toBe(false);
    buf[30] ^= 1;
    expect(t.open(buf, 0, buf.length - 16, 0)).toBe(false);
    expect(buf.subarray(24, 56).equals(Buffer.from(sealed.subarray(24, 56)).fill(sealed[30] ^ 1, 6, 7))).toBe(true);
  });

  it('draws a fresh random IV per packet', () => {
    const t = new AesCbcHmacSha256Transform(encKey, integKey, false);
    const seen = new Set<string>();
    const b = Buffer.alloc(16);
    for (let i = 0; i < 600; i++) {
      t.writeIv(b, 0, 0, i);
      seen.add(b.toString('hex'));
    }
    expect(seen.size).toBe(600);
  });
});
