/**
 * ML-DSA-65 signed messages of the HM-to-HM channel (FIPS 204 ML-DSA.Sign /
 * ML-DSA.Verify with a context string, `@noble/post-quantum`), JWS-like: the
 * message travels as the exact JSON text that was signed, so the receiver
 * verifies bytes, never a re-serialisation:
 *   { "message": "<JSON text>", "signature": "<base64>", "signer_key": "<base64 verification key>" }
 * The receiver first checks `signer_key` against its pin (the whole key, or its
 * SHA-256), then the signature under the context string of the expected message
 * kind (offers and answers use different ones), and only then parses the text.
 * Every failure is a `PeerAuthError` naming what did not hold.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ML_DSA_65_SIZES } from './constants.js';
import { matchesPin, verificationKeyFingerprint, type HmIdentity, type PeerPin } from './hm-identity.js';
import { PeerAuthError } from './peer-errors.js';

/** A signed message on the wire. */
export interface SignedEnvelope {
  message: string;
  signature: string;
  signer_key: string;
}

/** A verified message: its parsed JSON and the SHA-256 of its bytes. */
export interface OpenedEnvelope {
  body: Record<string, unknown>;
  digest: Uint8Array;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Sign `message` (JSON text) under `context`. */
export function signEnvelope(message: string, identity: HmIdentity, context: string): SignedEnvelope {
  const signature = ml_dsa65.sign(utf8(message), identity.secretKey, { context: utf8(context) });
  return { message, signature: Buffer.from(signature).toString('base64'), signer_key: Buffer.from(identity.publicKey).toString('base64') };
}

/** Verify an envelope against `pin` and `context`, then parse its message; `what` names it in errors. */
export function openEnvelope(envelope: unknown, pin: PeerPin | undefined, context: string, what: string): OpenedEnvelope {
  if (!pin) throw new PeerAuthError(`no verification key of the peer HM is pinned here: cannot accept its ${what}`);
  const e = envelope as Partial<Record<keyof SignedEnvelope, unknown>> | undefined;
  if (typeof e !== 'object' || e === null || typeof e.message !== 'string' || typeof e.signature !== 'string' || typeof e.signer_key !== 'string') {
    throw new PeerAuthError(`${what} is not a signed envelope {message, signature, signer_key}`);
  }
  const signerKey = new Uint8Array(Buffer.from(e.signer_key, 'base64'));
  const signature = new Uint8Array(Buffer.from(e.signature, 'base64'));
  if (signerKey.length !== ML_DSA_65_SIZES.publicKey || signature.length !== ML_DSA_65_SIZES.signature) {
    throw new PeerAuthError(`${what}: signer_key or signature has the wrong length for ML-DSA-65`);
  }
  if (!matchesPin(pin, signerKey)) {
    throw new PeerAuthError(`${what} is signed by key ${verificationKeyFingerprint(signerKey).slice(0, 16)}…, not by the pinned peer key ${pin.fingerprint.slice(0, 16)}…`);
  }
  const bytes = utf8(e.message);
  if (!ml_dsa65.verify(signature, bytes, signerKey, { context: utf8(context) })) {
    throw new PeerAuthError(`${what}: ML-DSA-65 signature does not verify (altered in transit?)`);
  }
  let body: unknown;
  try {
    body = JSON.parse(e.message);
  } catch {
    throw new PeerAuthError(`${what}: signed message is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PeerAuthError(`${what}: signed message is not a JSON object`);
  return { body: body as Record<string, unknown>, digest: sha256(bytes) };
}
