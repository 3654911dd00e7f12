/**
 * ML-DSA-65 (FIPS 204) signing and verification from liboqs, the Open Quantum
 * Safe project's C library, as the WebAssembly build that `@oqs/liboqs-js`
 * ships: on these machines a signature takes about 1 ms and a verification
 * 0.4 ms, against 16 ms and 3.9 ms for the pure-JavaScript
 * `@noble/post-quantum`. The HM-to-HM channel signs with it
 * (`signed-envelope.ts`).
 *
 * As for ML-KEM (`ml-kem-wasm.ts`), we bind the Emscripten module ourselves
 * instead of using the package's JS wrapper, which frees the heap copy of the
 * secret key without zeroing it: here it is zeroed before it is freed. What
 * liboqs leaves of its own intermediate values on its stack inside the WASM
 * memory is not ours to zero (this build exports no stack helpers); the
 * memory belongs to this module alone. `OQS_SIG_sign`/`OQS_SIG_verify` are
 * ML-DSA.Sign/ML-DSA.Verify with the empty context string (FIPS 204 §5.2,
 * hedged signing with liboqs' randombytes, which the build wires to
 * `crypto.getRandomValues`); this build exports no `*_with_ctx_str` variant,
 * so callers that need domain separation put it into the message
 * (`signed-envelope.ts` does). Signatures verify with noble's
 * `ml_dsa65.verify(sig, msg, pk)` and the reverse, and noble's key pairs work
 * here: key generation stays with noble (identities from seeds,
 * `hm-identity.ts`). One WASM instance per thread; loaded once with top-level
 * await.
 */
import { ProtocolError } from '../../common/index.js';
import { ML_DSA_65_SIZES } from './constants.js';
import { instantiateLiboqs, withCString, type OqsModuleBase } from './liboqs-wasm.js';

/** The parts of the ML-DSA-65 Emscripten module of liboqs-js that this binding uses. */
interface OqsSigModule extends OqsModuleBase {
  _OQS_SIG_new(namePtr: number): number;
  _OQS_SIG_sign(sig: number, signature: number, signatureLen: number, message: number, messageLen: number, secretKey: number): number;
  _OQS_SIG_verify(sig: number, message: number, messageLen: number, signature: number, signatureLen: number, publicKey: number): number;
}

/** ML-DSA-65 with the empty context string. */
export interface MlDsa65Impl {
  /** ML-DSA.Sign(sk, message, ctx = ""): a 3309-byte signature. */
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /** ML-DSA.Verify(pk, message, signature, ctx = ""). */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

const NAME = 'ML-DSA-65';

/** Refuse anything but a Uint8Array of exactly `length` bytes. */
function checkLength(what: string, v: unknown, length: number): asserts v is Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ProtocolError(`${NAME} ${what} must be a Uint8Array`);
  if (v.length !== length) throw new ProtocolError(`${NAME} ${what} must be ${length} bytes, got ${v.length}`);
}

async function load(): Promise<MlDsa65Impl & { heap(): Uint8Array }> {
  const m = await instantiateLiboqs<OqsSigModule>('ml-dsa-65.min.js');
  const sig = withCString(m, NAME, (namePtr) => m._OQS_SIG_new(namePtr));
  if (!sig) throw new ProtocolError(`liboqs has no ${NAME}`);
  /** A heap copy of `bytes` (at least one byte allocated, so an empty message has a valid pointer). */
  const put = (bytes: Uint8Array): number => {
    const ptr = m._malloc(Math.max(1, bytes.length));
    if (!ptr) throw new ProtocolError(`${NAME}: out of WASM memory for ${bytes.length} bytes`);
    m.HEAPU8.set(bytes, ptr);
    return ptr;
  };
  return {
    sign(message, secretKey) {
      if (!(message instanceof Uint8Array)) throw new ProtocolError(`${NAME} message must be a Uint8Array`);
      checkLength('secret key', secretKey, ML_DSA_65_SIZES.secretKey);
      // Every heap buffer is freed whatever fails, the secret key's copy zeroed first.
      let msg = 0;
      let sk = 0;
      let out = 0;
      let outLen = 0;
      let rc: number;
      let len: number;
      let signature: Uint8Array;
      try {
        msg = put(message);
        sk = put(secretKey);
        out = put(new Uint8Array(ML_DSA_65_SIZES.signature));
        // size_t *signature_len (4 bytes on wasm32; 8 zeroed bytes, so a wider size_t reads the same value).
        outLen = put(new Uint8Array(8));
        new DataView(m.HEAPU8.buffer).setUint32(outLen, ML_DSA_65_SIZES.signature, true);
        rc = m._OQS_SIG_sign(sig, out, outLen, msg, message.length, sk);
        len = new DataView(m.HEAPU8.buffer).getUint32(outLen, true);
        signature = m.HEAPU8.slice(out, out + ML_DSA_65_SIZES.signature);
      } finally {
        if (sk) {
          m.HEAPU8.fill(0, sk, sk + ML_DSA_65_SIZES.secretKey);
          m._free(sk);
        }
        for (const p of [msg, out, outLen]) if (p) m._free(p);
      }
      if (rc !== 0) throw new ProtocolError(`${NAME} signing failed (liboqs status ${rc})`);
      if (len !== ML_DSA_65_SIZES.signature) throw new ProtocolError(`${NAME} signing gave ${len} bytes, not ${ML_DSA_65_SIZES.signature}`);
      return signature;
    },
    verify(signature, message, publicKey) {
      checkLength('signature', signature, ML_DSA_65_SIZES.signature);
      if (!(message instanceof Uint8Array)) throw new ProtocolError(`${NAME} message must be a Uint8Array`);
      checkLength('public key', publicKey, ML_DSA_65_SIZES.publicKey);
      let msg = 0;
      let s = 0;
      let pk = 0;
      try {
        msg = put(message);
        s = put(signature);
        pk = put(publicKey);
        return m._OQS_SIG_verify(sig, msg, message.length, s, signature.length, pk) === 0;
      } finally {
        for (const p of [msg, s, pk]) if (p) m._free(p);
      }
    },
    heap: () => m.HEAPU8,
  };
}

/** liboqs' ML-DSA-65 (loaded once per thread). */
export const WASM_ML_DSA_65: Readonly<MlDsa65Impl & { heap(): Uint8Array }> = await load();
