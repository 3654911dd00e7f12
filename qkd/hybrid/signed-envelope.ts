/**
 * ML-DSA-65 signed messages of the HM-to-HM channel (protocol v3; FIPS 204
 * ML-DSA.Sign / ML-DSA.Verify from liboqs, `ml-dsa-wasm.ts`), JWS-like: the
 * message travels as the exact JSON text that was signed, so the receiver
 * verifies bytes, never a re-serialisation:
 *   { "message": "<JSON text>", "signature": "<base64>", "signer_key": "<base64 verification key>" }
 * Domain separation is in the signed bytes, with the empty FIPS 204 context:
 *   signed bytes = u8(len(label)) ‖ label ‖ UTF-8 message text,
 * label "qnfv hm offer v3" or "qnfv hm answer v3". v2 used the labels as FIPS
 * 204 context strings instead; the liboqs WebAssembly build we sign with
 * exports no context-string API (no `OQS_SIG_sign_with_ctx_str`), so v3 moved
 * the label into the message. The label's length byte makes the framing
 * prefix-free: no byte string is `label ‖ message` under one label and
 * `label' ‖ message'` under another, so a signature over an offer never passes
 * as one over an answer, whatever the message texts.
 * The receiver first checks `signer_key` against its pin (the whole key, or its
 * SHA-256), then the signature under the label of the expected message kind,
 * and only then parses the text. Every failure is a `PeerAuthError` naming
 * what did not hold.
 */
import { ValidationError } from '../../common/index.js';
import { utf8 } from './bytes.js';
import { MAX_SIGNATURE_LABEL_BYTES, ML_DSA_65_SIZES } from './constants.js';
import { matchesPin, verificationKeyFingerprint, type HmIdentity, type PeerPin } from './hm-identity.js';
import { WASM_ML_DSA_65 } from './ml-dsa-wasm.js';
import { PeerAuthError } from './peer-errors.js';
import { sha256 } from './sha256.js';

/** A signed message on the wire. */
export interface SignedEnvelope {
  message: string;
  signature: string;
  signer_key: string;
}

/** A verified message: its parsed JSON and the SHA-256 of its bytes. */
export interface OpenedEnvelope {
  body: Record<string, unknown>;
  /** SHA-256 of the message bytes (computed when first read: only side B, which names the batch it answers, needs it). */
  readonly digest: Uint8Array;
  /** The pin the signer's key matched. */
  signer: PeerPin;
}

/** The bytes signed for `message` under `label`: u8(len(label)) ‖ label ‖ message. */
export function labelledMessage(label: string, message: Uint8Array): Uint8Array {
  const l = labelBytes(label);
  const out = new Uint8Array(1 + l.length + message.length);
  out[0] = l.length;
  out.set(l, 1);
  out.set(message, 1 + l.length);
  return out;
}

/** `labelledMessage(label, UTF-8 of text)`, the text encoded straight into place (messages are kilobytes). */
function labelledText(label: string, text: string): { signed: Uint8Array; message: Uint8Array } {
  const l = labelBytes(label);
  const signed = new Uint8Array(1 + l.length + Buffer.byteLength(text, 'utf8'));
  signed[0] = l.length;
  signed.set(l, 1);
  const message = signed.subarray(1 + l.length);
  Buffer.from(signed.buffer, signed.byteOffset + 1 + l.length, message.length).write(text, 'utf8');
  return { signed, message };
}

/** A signature label's UTF-8 bytes, checked to fit its length byte. */
function labelBytes(label: string): Uint8Array {
  const l = utf8(label);
  if (l.length === 0 || l.length > MAX_SIGNATURE_LABEL_BYTES) throw new ValidationError(`signature label must be 1..${MAX_SIGNATURE_LABEL_BYTES} bytes, got ${l.length}`);
  return l;
}

/** Base64 of `bytes` without copying them first. */
function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Sign `message` (JSON text) under `label`. */
export function signEnvelope(message: string, identity: HmIdentity, label: string): SignedEnvelope {
  const signature = WASM_ML_DSA_65.sign(labelledText(label, message).signed, identity.secretKey);
  return { message, signature: base64Of(signature), signer_key: base64Of(identity.publicKey) };
}

/**
 * Verify an envelope against `pin` (or any of several pins: an HM with several peers) and
 * `label`, then parse its message; `what` names it in errors.
 */
export function openEnvelope(envelope: unknown, pin: PeerPin | readonly PeerPin[] | undefined, label: string, what: string): OpenedEnvelope {
  const pins = pin === undefined ? [] : 'fingerprint' in pin ? [pin] : pin;
  if (pins.length === 0) throw new PeerAuthError(`no verification key of the peer HM is pinned here: cannot accept its ${what}`);
  const e = envelope as Partial<Record<keyof SignedEnvelope, unknown>> | undefined;
  if (typeof e !== 'object' || e === null || typeof e.message !== 'string' || typeof e.signature !== 'string' || typeof e.signer_key !== 'string') {
    throw new PeerAuthError(`${what} is not a signed envelope {message, signature, signer_key}`);
  }
  const signerKey = new Uint8Array(Buffer.from(e.signer_key, 'base64'));
  const signature = new Uint8Array(Buffer.from(e.signature, 'base64'));
  if (signerKey.length !== ML_DSA_65_SIZES.publicKey || signature.length !== ML_DSA_65_SIZES.signature) {
    throw new PeerAuthError(`${what}: signer_key or signature has the wrong length for ML-DSA-65`);
  }
  const signer = pins.find((p) => matchesPin(p, signerKey));
  if (!signer) {
    const pinned = pins.length === 1 ? `the pinned peer key ${pins[0]!.fingerprint.slice(0, 16)}…` : `any of the ${pins.length} pinned peer keys`;
    throw new PeerAuthError(`${what} is signed by key ${verificationKeyFingerprint(signerKey).slice(0, 16)}…, not by ${pinned}`);
  }
  const { signed, message } = labelledText(label, e.message);
  if (!WASM_ML_DSA_65.verify(signature, signed, signerKey)) {
    throw new PeerAuthError(`${what}: ML-DSA-65 signature does not verify (altered in transit?)`);
  }
  let body: unknown;
  try {
    body = JSON.parse(e.message);
  } catch {
    throw new PeerAuthError(`${what}: signed message is not JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PeerAuthError(`${what}: signed message is not a JSON object`);
  let digest: Uint8Array | undefined;
  return {
    body: body as Record<string, unknown>,
    get digest(): Uint8Array {
      digest ??= sha256(message);
      return digest;
    },
    signer,
  };
}
