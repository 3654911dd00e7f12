/**
 * liboqs' ML-DSA-65 (WebAssembly, qkd/hybrid/ml-dsa-wasm.ts), which signs and
 * verifies the HM-to-HM envelopes, against the independent
 * `@noble/post-quantum` implementation that the NIST ACVP keyGen vector checks
 * (primitives.test.ts): signatures cross between the two in both directions
 * with the empty FIPS 204 context; noble's key pairs (how HM identities are
 * made, from seeds) work in liboqs, the ACVP one included; an altered message,
 * signature or key is refused; wrong lengths give clear errors; no secret key
 * bytes stay in the WASM heap after signing.
 */
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ProtocolError } from '../../../common/index.js';
import { ML_DSA_65_SIZES, generateHmIdentity } from '../../../qkd/index.js';
import { WASM_ML_DSA_65 } from '../../../qkd/hybrid/ml-dsa-wasm.js';
import { bytes, vectors } from './fixtures.js';

const ROUNDS = 10;
const oqs = WASM_ML_DSA_65;

/** True when `needle` occurs anywhere in `heap`. */
function occursIn(heap: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength).indexOf(Buffer.from(needle)) >= 0;
}

const flip = (b: Uint8Array, at: number): Uint8Array => Uint8Array.from(b, (x, i) => (i === at ? x ^ 1 : x));

/** The thrown error of `f`, or undefined. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('ML-DSA-65: liboqs (WASM) against noble, empty context', () => {
  it(`liboqs signs with a noble key pair, noble verifies — and the reverse (${ROUNDS} rounds each)`, () => {
    for (let i = 0; i < ROUNDS; i++) {
      const { publicKey, secretKey } = ml_dsa65.keygen();
      const message = new Uint8Array(Buffer.from(`message ${i} ${'x'.repeat(i * 37)}`));
      const s1 = oqs.sign(message, secretKey);
      expect(s1).toHaveLength(ML_DSA_65_SIZES.signature);
      expect(ml_dsa65.verify(s1, message, publicKey)).toBe(true);
      expect(oqs.verify(s1, message, publicKey)).toBe(true);

      const s2 = ml_dsa65.sign(message, secretKey);
      expect(oqs.verify(s2, message, publicKey)).toBe(true);
    }
  });

  it('is ML-DSA with the empty context: noble refuses a liboqs signature checked under a non-empty context', () => {
    const { publicKey, secretKey } = ml_dsa65.keygen();
    const message = new Uint8Array([1, 2, 3]);
    const s = oqs.sign(message, secretKey);
    expect(ml_dsa65.verify(s, message, publicKey, { context: new Uint8Array([0]) })).toBe(false);
    expect(oqs.verify(ml_dsa65.sign(message, secretKey, { context: new Uint8Array([0]) }), message, publicKey)).toBe(false);
  });

  it('signs and verifies the empty message', () => {
    const { publicKey, secretKey } = ml_dsa65.keygen();
    const s = oqs.sign(new Uint8Array(0), secretKey);
    expect(ml_dsa65.verify(s, new Uint8Array(0), publicKey)).toBe(true);
    expect(oqs.verify(s, new Uint8Array(0), publicKey)).toBe(true);
    expect(oqs.verify(s, new Uint8Array(1), publicKey)).toBe(false);
  });

  it('works with HM identities (noble keygen from a seed), the NIST ACVP keyGen one included', () => {
    const v = vectors<{ keyGen: { seed: string; pk: string }[] }>('fips204/ml-dsa-65-acvp.json').keyGen[0]!;
    const acvp = generateHmIdentity(bytes(v.seed));
    for (const id of [acvp, generateHmIdentity()]) {
      const message = new Uint8Array(Buffer.from('{"type":"qnfv-hm-offer"}'));
      const s = oqs.sign(message, id.secretKey);
      expect(ml_dsa65.verify(s, message, id.publicKey)).toBe(true);
      expect(oqs.verify(s, message, id.publicKey)).toBe(true);
    }
  });

  describe('refuses what was altered', () => {
    const { publicKey, secretKey } = ml_dsa65.keygen();
    const other = ml_dsa65.keygen();
    const message = new Uint8Array(Buffer.from('{"index":0}'));
    const signature = oqs.sign(message, secretKey);

    it.each([
      ['a changed message byte', () => oqs.verify(signature, flip(message, 9), publicKey)],
      ['a longer message', () => oqs.verify(signature, new Uint8Array([...message, 0]), publicKey)],
      ['a changed signature byte (start)', () => oqs.verify(flip(signature, 0), message, publicKey)],
      ['a changed signature byte (middle)', () => oqs.verify(flip(signature, 1700), message, publicKey)],
      ['a changed signature byte (hint, end)', () => oqs.verify(flip(signature, ML_DSA_65_SIZES.signature - 1), message, publicKey)],
      ['a changed public key byte', () => oqs.verify(signature, message, flip(publicKey, 40))],
      ["another signer's key", () => oqs.verify(signature, message, other.publicKey)],
    ])('%s', (_what, check) => {
      expect(check()).toBe(false);
    });

    it('and noble agrees on each', () => {
      expect(ml_dsa65.verify(signature, flip(message, 9), publicKey)).toBe(false);
      expect(ml_dsa65.verify(flip(signature, 1700), message, publicKey)).toBe(false);
      expect(ml_dsa65.verify(signature, message, other.publicKey)).toBe(false);
    });
  });

  describe('wrong lengths give clear errors (ProtocolError), never a crash', () => {
    const { publicKey, secretKey } = ml_dsa65.keygen();
    const message = new Uint8Array([42]);
    const signature = oqs.sign(message, secretKey);

    it.each([
      ['a short secret key', () => oqs.sign(message, secretKey.subarray(1)), /secret key must be 4032 bytes, got 4031/],
      ['a long secret key', () => oqs.sign(message, new Uint8Array(4033)), /secret key must be 4032 bytes, got 4033/],
      ['a public key as secret key', () => oqs.sign(message, publicKey), /secret key must be 4032 bytes, got 1952/],
      ['a short signature', () => oqs.verify(signature.subarray(0, 100), message, publicKey), /signature must be 3309 bytes, got 100/],
      ['an empty signature', () => oqs.verify(new Uint8Array(0), message, publicKey), /signature must be 3309 bytes, got 0/],
      ['a long signature', () => oqs.verify(new Uint8Array([...signature, 0]), message, publicKey), /signature must be 3309 bytes, got 3310/],
      ['a short public key', () => oqs.verify(signature, message, publicKey.subarray(0, 1951)), /public key must be 1952 bytes, got 1951/],
      ['a secret key as public key', () => oqs.verify(signature, message, secretKey), /public key must be 1952 bytes, got 4032/],
      ['a message that is not bytes', () => oqs.sign('text' as unknown as Uint8Array, secretKey), /message must be a Uint8Array/],
    ])('%s', (_what, call, msg) => {
      const err = thrown(call);
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as Error).message).toMatch(msg);
    });

    it('and the binding still works afterwards', () => {
      expect(oqs.verify(oqs.sign(message, secretKey), message, publicKey)).toBe(true);
    });
  });

  it('leaves no secret key bytes in the WASM heap after signing', () => {
    const id = generateHmIdentity();
    const message = new Uint8Array(Buffer.from('heap check'));
    const signature = oqs.sign(message, id.secretKey);
    const heap = oqs.heap();
    const sk = id.secretKey;
    // FIPS 204 sk = rho ‖ K ‖ tr ‖ s1 ‖ s2 ‖ t0: the signing seed K, and 32-byte windows across the packed s1, s2 and t0.
    expect(occursIn(heap, sk.subarray(32, 64))).toBe(false);
    for (let at = 128; at + 32 <= sk.length; at += 128) expect(occursIn(heap, sk.subarray(at, at + 32))).toBe(false);
    expect(occursIn(heap, sk.subarray(sk.length - 32))).toBe(false);
    // Control: the search does find what is left there on purpose (verify frees the public key's copy unzeroed: it is public).
    expect(oqs.verify(signature, message, id.publicKey)).toBe(true);
    expect(occursIn(oqs.heap(), id.publicKey)).toBe(true);
  });
});
