/**
 * ML-KEM (FIPS 203) from liboqs, the Open Quantum Safe project's C library
 * (its mlkem-native implementation), as the WebAssembly build that
 * `@oqs/liboqs-js` ships: about six times faster than the pure-JavaScript
 * `@noble/post-quantum` on these machines (keygen + encaps + decaps of
 * ML-KEM-512: 0.8 ms against 4.7 ms).
 *
 * We load the package's Emscripten modules ourselves instead of its JS
 * wrapper, because the wrapper frees the secret key and shared secret copies
 * it puts in the WASM heap without zeroing them. Here every heap buffer that
 * held a decapsulation key or a shared secret is zeroed before it is freed.
 * Randomness comes from liboqs' randombytes, which the build wires to
 * `crypto.getRandomValues` (Node's CSPRNG).
 *
 * The API mirrors noble's (`keygen`, `encapsulate`, `decapsulate`) so the
 * sources can use either; noble stays the reference the tests check this
 * against, beside the NIST ACVP vectors. One WASM instance per parameter set
 * and thread; loaded once with top-level await.
 */
import { ProtocolError } from '../../common/index.js';
import { ML_KEM_SIZES } from './constants.js';
import { instantiateLiboqs, withCString, type OqsModuleBase } from './liboqs-wasm.js';

/** The parts of an Emscripten module of liboqs-js that this binding uses. */
interface OqsModule extends OqsModuleBase {
  _OQS_KEM_new(namePtr: number): number;
  _OQS_KEM_keypair(kem: number, pk: number, sk: number): number;
  _OQS_KEM_encaps(kem: number, ct: number, ss: number, pk: number): number;
  _OQS_KEM_decaps(kem: number, ss: number, ct: number, sk: number): number;
}

/** An ML-KEM parameter set with noble's call shapes. */
export interface MlKemImpl {
  keygen(): { publicKey: Uint8Array; secretKey: Uint8Array };
  encapsulate(publicKey: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array };
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

type Name = 'ML-KEM-512' | 'ML-KEM-768' | 'ML-KEM-1024';

/** A copy of `len` heap bytes at `ptr`, then the heap bytes zeroed and freed when `secret`. */
function takeOut(m: OqsModule, ptr: number, len: number, secret: boolean): Uint8Array {
  const out = m.HEAPU8.slice(ptr, ptr + len);
  if (secret) m.HEAPU8.fill(0, ptr, ptr + len);
  m._free(ptr);
  return out;
}

async function load(name: Name): Promise<MlKemImpl & { heap(): Uint8Array }> {
  const m = await instantiateLiboqs<OqsModule>(`${name.toLowerCase()}.min.js`);
  const kem = withCString(m, name, (namePtr) => m._OQS_KEM_new(namePtr));
  if (!kem) throw new ProtocolError(`liboqs has no ${name}`);
  const size = ML_KEM_SIZES[name];
  const put = (bytes: Uint8Array): number => {
    const ptr = m._malloc(bytes.length);
    m.HEAPU8.set(bytes, ptr);
    return ptr;
  };
  const check = (rc: number, what: string, ptrs: [number, number][]): void => {
    if (rc === 0) return;
    for (const [p, n] of ptrs) {
      m.HEAPU8.fill(0, p, p + n);
      m._free(p);
    }
    throw new ProtocolError(`${name} ${what} failed (liboqs status ${rc})`);
  };
  return {
    keygen() {
      const pk = m._malloc(size.encapsulationKey);
      const sk = m._malloc(size.decapsulationKey);
      check(m._OQS_KEM_keypair(kem, pk, sk), 'key generation', [[pk, size.encapsulationKey], [sk, size.decapsulationKey]]);
      return { publicKey: takeOut(m, pk, size.encapsulationKey, false), secretKey: takeOut(m, sk, size.decapsulationKey, true) };
    },
    encapsulate(publicKey) {
      if (publicKey.length !== size.encapsulationKey) throw new ProtocolError(`${name} encapsulation key must be ${size.encapsulationKey} bytes`);
      const pk = put(publicKey);
      const ct = m._malloc(size.ciphertext);
      const ss = m._malloc(size.sharedSecret);
      // A malformed key (FIPS 203 §7.2 modulus check) makes liboqs return an error.
      const rc = m._OQS_KEM_encaps(kem, ct, ss, pk);
      m._free(pk);
      check(rc, 'encapsulation (is the encapsulation key well formed?)', [[ct, size.ciphertext], [ss, size.sharedSecret]]);
      return { cipherText: takeOut(m, ct, size.ciphertext, false), sharedSecret: takeOut(m, ss, size.sharedSecret, true) };
    },
    decapsulate(cipherText, secretKey) {
      if (cipherText.length !== size.ciphertext) throw new ProtocolError(`${name} ciphertext must be ${size.ciphertext} bytes`);
      if (secretKey.length !== size.decapsulationKey) throw new ProtocolError(`${name} decapsulation key must be ${size.decapsulationKey} bytes`);
      const ct = put(cipherText);
      const sk = put(secretKey);
      const ss = m._malloc(size.sharedSecret);
      const rc = m._OQS_KEM_decaps(kem, ss, ct, sk);
      m._free(ct);
      m.HEAPU8.fill(0, sk, sk + size.decapsulationKey);
      m._free(sk);
      check(rc, 'decapsulation', [[ss, size.sharedSecret]]);
      return takeOut(m, ss, size.sharedSecret, true);
    },
    heap: () => m.HEAPU8,
  };
}

/** liboqs' ML-KEM by FIPS 203 name (loaded once per thread). */
export const WASM_ML_KEMS: Readonly<Record<Name, MlKemImpl & { heap(): Uint8Array }>> = {
  'ML-KEM-512': await load('ML-KEM-512'),
  'ML-KEM-768': await load('ML-KEM-768'),
  'ML-KEM-1024': await load('ML-KEM-1024'),
};
