/**
 * liboqs' ML-KEM (WebAssembly, qkd/hybrid/ml-kem-wasm.ts), which the
 * Hybridization Module's ML-KEM source uses, against the independent
 * `@noble/post-quantum` implementation that the NIST ACVP vectors check
 * (primitives.test.ts): key pairs, ciphertexts and shared secrets cross
 * between the two in both directions for 512/768/1024; the ACVP keyGen key
 * pair works with liboqs; implicit rejection of a substituted ciphertext
 * gives the same secret in both (FIPS 203 §6.3: J(z ‖ c)); a malformed
 * encapsulation key is refused (§7.2 modulus check); no secret stays in the
 * WASM heap after a call; and both decapsulate Wycheproof's ML-KEM vectors
 * for all three parameter sets, three of which take the implicit-rejection
 * path.
 */
import { ML_KEMS, NOBLE_ML_KEMS, ML_KEM_SIZES, type MlKemAlgorithm } from '../../../qkd/index.js';
import { WASM_ML_KEMS } from '../../../qkd/hybrid/ml-kem-wasm.js';
import { bytes, hex, vectors } from './fixtures.js';

const NAMES: MlKemAlgorithm[] = ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'];
const ROUNDS = 20;

/** True when `needle` occurs anywhere in `heap`. */
function occursIn(heap: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(heap.buffer, heap.byteOffset, heap.byteLength).indexOf(Buffer.from(needle)) >= 0;
}

describe.each(NAMES)('%s: liboqs (WASM) against noble', (name) => {
  const oqs = WASM_ML_KEMS[name];
  const noble = NOBLE_ML_KEMS[name];
  const size = ML_KEM_SIZES[name];

  it('is what the sources use', () => {
    expect(ML_KEMS[name]).toBe(oqs);
  });

  it(`liboqs key pairs, noble encapsulates, liboqs decapsulates — and the reverse (${ROUNDS} rounds each)`, () => {
    for (let i = 0; i < ROUNDS; i++) {
      const a = oqs.keygen();
      expect([a.publicKey.length, a.secretKey.length]).toEqual([size.encapsulationKey, size.decapsulationKey]);
      const e1 = noble.encapsulate(a.publicKey);
      expect(hex(oqs.decapsulate(e1.cipherText, a.secretKey))).toBe(hex(e1.sharedSecret));
      expect(hex(noble.decapsulate(e1.cipherText, a.secretKey))).toBe(hex(e1.sharedSecret));

      const b = noble.keygen();
      const e2 = oqs.encapsulate(b.publicKey);
      expect(e2.cipherText).toHaveLength(size.ciphertext);
      expect(hex(noble.decapsulate(e2.cipherText, b.secretKey))).toBe(hex(e2.sharedSecret));
    }
  });

  it('implicit rejection: a substituted ciphertext gives the same (other) secret in both implementations', () => {
    const { publicKey, secretKey } = oqs.keygen();
    const { cipherText, sharedSecret } = noble.encapsulate(publicKey);
    for (const at of [0, size.ciphertext - 1]) {
      const bad = Uint8Array.from(cipherText, (b, i) => (i === at ? b ^ 0x80 : b));
      const rejected = oqs.decapsulate(bad, secretKey);
      expect(hex(rejected)).not.toBe(hex(sharedSecret));
      expect(hex(rejected)).toBe(hex(noble.decapsulate(bad, secretKey)));
    }
  });

  it('refuses an encapsulation key whose coefficient is not below q (FIPS 203 §7.2), as noble does', () => {
    const { publicKey } = oqs.keygen();
    const bad = Uint8Array.from(publicKey);
    bad[0] = 0xff;
    bad[1] = bad[1]! | 0x0f; // first 12-bit coefficient = 4095 > q = 3329
    expect(() => oqs.encapsulate(bad)).toThrow(/encapsulation/);
    expect(() => noble.encapsulate(bad)).toThrow();
    expect(() => oqs.encapsulate(publicKey.subarray(1))).toThrow(/must be/);
  });

  it('leaves no decapsulation key or shared secret in the WASM heap', () => {
    const { publicKey, secretKey } = oqs.keygen();
    const { cipherText, sharedSecret } = oqs.encapsulate(publicKey);
    const secret = oqs.decapsulate(cipherText, secretKey);
    expect(hex(secret)).toBe(hex(sharedSecret));
    const heap = oqs.heap();
    // The secret key's ML-KEM.KeyGen_internal part (s-hat) and its z; the shared secret.
    expect(occursIn(heap, secretKey.subarray(0, 64))).toBe(false);
    expect(occursIn(heap, secretKey.subarray(secretKey.length - 32))).toBe(false);
    expect(occursIn(heap, sharedSecret)).toBe(false);
    // The public values may stay: they are public.
  });
});

describe('the NIST ACVP keyGen key pair (ML-KEM-512) with liboqs', () => {
  it('liboqs encapsulates to the ACVP ek, noble decapsulates with the ACVP dk, and the reverse', () => {
    const v = vectors<{ keyGen: { d: string; z: string; ek: string; dk: string }[] }>('fips203/ml-kem-acvp.json').keyGen[0]!;
    const ek = bytes(v.ek);
    const dk = bytes(v.dk);
    const e = WASM_ML_KEMS['ML-KEM-512'].encapsulate(ek);
    expect(hex(NOBLE_ML_KEMS['ML-KEM-512'].decapsulate(e.cipherText, dk))).toBe(hex(e.sharedSecret));
    const n = NOBLE_ML_KEMS['ML-KEM-512'].encapsulate(ek);
    expect(hex(WASM_ML_KEMS['ML-KEM-512'].decapsulate(n.cipherText, dk))).toBe(hex(n.sharedSecret));
  });
});

describe('Wycheproof ML-KEM decapsulation vectors (tests/vectors/wycheproof/mlkem-decaps.json)', () => {
  const file = vectors<{ source: string; tests: { parameterSet: MlKemAlgorithm; tcId: number; flags: string[]; seed: string; c: string; K: string }[] }>('wycheproof/mlkem-decaps.json');

  it('cover the three parameter sets, with provenance', () => {
    expect(file.source).toMatch(/wycheproof .*commit [0-9a-f]{40}/);
    expect([...new Set(file.tests.map((t) => t.parameterSet))]).toEqual(NAMES);
  });

  it.each(file.tests.map((t) => [t.parameterSet, t.tcId, t.flags.join(',') || 'none', t] as const))('%s tcId %d (flags: %s): both implementations decapsulate to K', (name, _id, _flags, t) => {
    // KeyGen_internal(d, z) from the 64-byte seed d || z: noble has the deterministic entry point.
    const { secretKey } = NOBLE_ML_KEMS[name].keygen(bytes(t.seed));
    const c = bytes(t.c);
    expect(c).toHaveLength(ML_KEM_SIZES[name].ciphertext);
    expect(hex(WASM_ML_KEMS[name].decapsulate(c, secretKey))).toBe(t.K);
    expect(hex(NOBLE_ML_KEMS[name].decapsulate(c, secretKey))).toBe(t.K);
  });
});
