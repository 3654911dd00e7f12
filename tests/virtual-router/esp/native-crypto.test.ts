/**
 * The native ESP crypto (native/esp-crypto.c on Node's OpenSSL, through
 * native-transforms.ts): draft-mcgrew-gcm-test-01 ESP vectors (RFC 4106,
 * incl. ESN AAD), RFC 3602 §4 AES-CBC vectors with the RFC 4868 ICV, and
 * byte-for-byte agreement with the node:crypto transforms on random keys,
 * sequence numbers and payload lengths in both directions; refusals leave the
 * buffer unchanged; disposed contexts and bad arguments throw; the engine
 * frees an SA's context when the SA goes.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { AesCbcHmacSha256Transform, hmacSha256_128 } from '../../../virtual-router/esp/aes-cbc-hmac.js';
import { AesGcmTransform } from '../../../virtual-router/esp/aes-gcm.js';
import { EspEngine } from '../../../virtual-router/esp/index.js';
import type { EspTransform } from '../../../virtual-router/esp/esp-transform.js';
import { loadEspCryptoAddon } from '../../../virtual-router/esp/native-crypto.js';
import { NativeAesCbcHmacSha256Transform, NativeAesGcmTransform } from '../../../virtual-router/esp/native-transforms.js';
import { GW_A, hex, loadVectors, sadEntry, type CbcCase, type GcmCase } from './helpers/fixtures.js';


const gcm = loadVectors<{ source: string; cases: GcmCase[] }>('draft-mcgrew-gcm-test-01/esp-aes-gcm.json');
const cbc = loadVectors<{ source: string; cases: CbcCase[] }>('rfc3602/aes-cbc-esp.json');
const addon = loadEspCryptoAddon();

/** SPI ‖ seq-low ‖ IV ‖ body ‖ 16 spare bytes for the ICV. */
function espBuffer(spi: string, seqLow: string, iv: string, body: Buffer | string): Buffer {
  return Buffer.concat([hex(spi), hex(seqLow), hex(iv), typeof body === 'string' ? hex(body) : body, Buffer.alloc(16)]);
}

it('runs on the OpenSSL that Node links', () => {
  expect(addon.opensslVersion.startsWith(`OpenSSL ${process.versions.openssl} `)).toBe(true);
});

describe('native AES-GCM-16 (RFC 4106) — draft-mcgrew-gcm-test-01', () => {
  it('has a cited source', () => expect(gcm.source).toMatch(/draft-mcgrew-gcm-test-01/));

  it.each(gcm.cases.map((c) => [c.case, c] as const))('case %i: seal gives the ciphertext and tag, open the plaintext', (_n, c) => {
    const seqHi = c.esn ? parseInt(c.seqHigh!, 16) : 0;
    const t = new NativeAesGcmTransform(addon, Buffer.concat([hex(c.key), hex(c.salt)]), c.esn);
    const buf = espBuffer(c.spi, c.seqLow, c.iv, c.plaintext);
    const icvStart = buf.length - 16;
    t.seal(buf, 0, icvStart, seqHi);
    expect(buf.subarray(16, icvStart).toString('hex')).toBe(c.ciphertext);
    expect(buf.subarray(icvStart).toString('hex')).toBe(c.tag);
    expect(t.open(buf, 0, icvStart, seqHi)).toBe(true);
    expect(buf.subarray(16, icvStart).toString('hex')).toBe(c.plaintext);
    t.dispose();
  });

  it.each(gcm.cases.map((c) => [c.case, c] as const))('case %i: a flipped ciphertext, tag or AAD bit fails and leaves the packet as it was', (_n, c) => {
    const seqHi = c.esn ? parseInt(c.seqHigh!, 16) : 0;
    const t = new NativeAesGcmTransform(addon, Buffer.concat([hex(c.key), hex(c.salt)]), c.esn);
    const sealed = Buffer.concat([hex(c.spi), hex(c.seqLow), hex(c.iv), hex(c.ciphertext), hex(c.tag)]);
    const icvStart = sealed.length - 16;
    for (const at of [16, icvStart - 1, icvStart, sealed.length - 1, 0, 7]) {
      const buf = Buffer.from(sealed);
      buf[at] ^= 0x01;
      const before = Buffer.from(buf);
      expect(t.open(buf, 0, icvStart, seqHi)).toBe(false);
      expect(buf.equals(before)).toBe(true);
    }
    if (c.esn) {
      const buf = Buffer.from(sealed);
      expect(t.open(buf, 0, icvStart, (seqHi + 1) >>> 0)).toBe(false); // seq-high is authenticated
      expect(buf.equals(sealed)).toBe(true);
    }
    t.dispose();
  });
});

describe('native AES-CBC + HMAC-SHA-256-128 (RFC 3602 §4, RFC 4868)', () => {
  it('has a cited source', () => expect(cbc.source).toMatch(/RFC 3602/));

  it.each(cbc.cases.map((c) => [c.case, c] as const))('case %i: seal gives the RFC 3602 ciphertext and the HMAC-SHA-256-128 ICV; open reverses it', (_n, c) => {
    const integKey = randomBytes(32);
    for (const esn of [false, true]) {
      const t = new NativeAesCbcHmacSha256Transform(addon, hex(c.key), integKey, esn);
      const buf = espBuffer(c.spi, c.seq, c.iv, c.plaintext);
      const icvStart = buf.length - 16;
      t.seal(buf, 0, icvStart, 0x01020304);
      expect(buf.subarray(24, icvStart).toString('hex')).toBe(c.ciphertext);
      const covered = buf.subarray(0, icvStart);
      const icv = esn ? hmacSha256_128(integKey, covered, hex('01020304')) : hmacSha256_128(integKey, covered);
      expect(buf.subarray(icvStart).equals(icv)).toBe(true);
      const sealed = Buffer.from(buf);
      expect(t.open(buf, 0, icvStart, esn ? 0x01020305 : 0)).toBe(esn ? false : true);
      if (esn) {
        expect(buf.equals(sealed)).toBe(true);
        expect(t.open(buf, 0, icvStart, 0x01020304)).toBe(true);
      }
      expect(buf.subarray(24, icvStart).toString('hex')).toBe(c.plaintext);
      t.dispose();
    }
  });
});

type Suite = 'gcm128' | 'gcm256' | 'cbc128' | 'cbc256';

/** A native and a node:crypto transform with the same random keys. */
function pair(suite: Suite, esn: boolean): [EspTransform, EspTransform] {
  if (suite.startsWith('gcm')) {
    const km = randomBytes(suite === 'gcm128' ? 20 : 36);
    return [new NativeAesGcmTransform(addon, km, esn), new AesGcmTransform(km, esn)];
  }
  const ek = randomBytes(suite === 'cbc128' ? 16 : 32);
  const ik = randomBytes(32);
  return [new NativeAesCbcHmacSha256Transform(addon, ek, ik, esn), new AesCbcHmacSha256Transform(ek, ik, esn)];
}

describe('native and node:crypto transforms agree on random inputs', () => {
  const cases: [Suite, boolean][] = (['gcm128', 'gcm256', 'cbc128', 'cbc256'] as const).flatMap((s) => [[s, false], [s, true]] as [Suite, boolean][]);

  it.each(cases)('%s esn=%s: same bytes sealed, and each opens what the other sealed', (suite, esn) => {
    const [native, node] = pair(suite, esn);
    for (let n = 0; n < 60; n++) {
      const align = native.padAlign;
      const ctLen = align * randomInt(0, 100) + (n === 0 ? 0 : align); // includes a minimal packet
      const espStart = randomInt(0, 64);
      const seqHi = randomInt(0, 2 ** 32);
      const seqLo = randomInt(0, 2 ** 32);
      const buf = randomBytes(espStart + 8 + native.ivLength + ctLen + 16 + randomInt(0, 16));
      buf.writeUInt32BE(0x1001, espStart);
      buf.writeUInt32BE(seqLo, espStart + 4);
      native.writeIv(buf, espStart + 8, seqHi, seqLo);
      const icvStart = espStart + 8 + native.ivLength + ctLen;
      const plain = Buffer.from(buf);
      const a = Buffer.from(buf);
      const b = Buffer.from(buf);
      native.seal(a, espStart, icvStart, seqHi);
      node.seal(b, espStart, icvStart, seqHi);
      expect(a.equals(b)).toBe(true);
      if (ctLen > 0) expect(a.equals(plain)).toBe(false);
      expect(native.open(b, espStart, icvStart, seqHi)).toBe(ctLen > 0 || suite.startsWith('gcm'));
      if (ctLen === 0) continue; // CBC refuses an empty ciphertext (RFC 3602: at least one block)
      expect(node.open(a, espStart, icvStart, seqHi)).toBe(true);
      // Everything but the ICV is as before sealing (the bytes after the ICV were never touched).
      for (const x of [a, b]) {
        expect(x.subarray(0, icvStart).equals(plain.subarray(0, icvStart))).toBe(true);
        expect(x.subarray(icvStart + 16).equals(plain.subarray(icvStart + 16))).toBe(true);
      }
    }
    native.dispose();
    node.dispose();
  });
});

describe('native context lifetime and arguments', () => {
  it('a disposed context throws instead of using freed keys; dispose is idempotent', () => {
    const t = new NativeAesGcmTransform(addon, randomBytes(36), false);
    const buf = Buffer.alloc(64);
    t.seal(buf, 0, 48, 0);
    t.dispose();
    t.dispose();
    expect(() => t.seal(buf, 0, 48, 0)).toThrow(/disposed/);
    expect(() => t.open(buf, 0, 48, 0)).toThrow(/disposed/);
  });

  it('rejects key lengths RFC 4106 / RFC 3602 / RFC 4868 do not allow', () => {
    expect(() => addon.gcmCreate(new Uint8Array(32), false)).toThrow(/20 or 36 bytes/);
    expect(() => addon.gcmCreate(new Uint8Array(28), false)).toThrow(/20 or 36 bytes/); // AES-192 is not offered
    expect(() => addon.cbcHmacCreate(new Uint8Array(24), new Uint8Array(32), false)).toThrow(/16 or 32 bytes/);
    expect(() => addon.cbcHmacCreate(new Uint8Array(16), new Uint8Array(20), false)).toThrow(/32 bytes/);
  });

  it('refuses offsets that do not frame a packet inside the buffer (nothing is read or written out of bounds)', () => {
    const g = addon.gcmCreate(new Uint8Array(36), false);
    const c = addon.cbcHmacCreate(new Uint8Array(32), new Uint8Array(32), false);
    const buf = Buffer.alloc(100);
    expect(() => addon.seal(g, buf, 0, 90, 0)).toThrow(/do not frame/); // ICV past the end
    expect(() => addon.seal(g, buf, 20, 30, 0)).toThrow(/do not frame/); // ICV inside the header/IV
    expect(() => addon.seal(g, buf, 200, 210, 0)).toThrow(/do not frame/);
    expect(() => addon.seal(c, buf, 0, 24 + 17, 0)).toThrow(/do not frame/); // not whole CBC blocks
    expect(() => addon.open(g, new Uint16Array(50) as unknown as Uint8Array, 0, 40, 0)).toThrow(/Uint8Array/);
    expect(() => addon.seal({}, buf, 0, 40, 0)).toThrow(/ctx/);
    addon.dispose(g);
    addon.dispose(c);
  });

  it('the engine uses the native backend by default and frees an SA’s context when the SA goes', () => {
    const engine = new EspEngine({ localAddresses: [GW_A] });
    expect(engine.cryptoBackend).toBe('native');
    expect(new EspEngine({ localAddresses: [GW_A], crypto: 'node' }).cryptoBackend).toBe('node');
    engine.addSa(sadEntry({ name: 'gcm', spi: 0x1001, suite: 'gcm256' }));
    engine.addSa(sadEntry({ name: 'cbc', spi: 0x1002, suite: 'cbc256', reqid: 2n }));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reaching into the SAD to keep the SAs' transforms
    const sad = (engine as any).sad as { get(name: string): { transform: EspTransform } };
    const gcmT = sad.get('gcm').transform;
    const cbcT = sad.get('cbc').transform;
    expect(gcmT).toBeInstanceOf(NativeAesGcmTransform);
    expect(cbcT).toBeInstanceOf(NativeAesCbcHmacSha256Transform);
    const buf = Buffer.alloc(80);
    gcmT.seal(buf, 0, 48, 0);
    engine.deleteSa('gcm');
    expect(() => gcmT.seal(buf, 0, 48, 0)).toThrow(/disposed/);
    cbcT.seal(buf, 0, 56, 0);
    engine.close();
    expect(() => cbcT.seal(buf, 0, 56, 0)).toThrow(/disposed/);
  });
});
