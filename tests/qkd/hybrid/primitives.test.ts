/**
 * The primitives under the key sources and the peer channel, against official
 * vectors: ML-KEM-512/768/1024 (FIPS 203, NIST ACVP encapsulation and keyGen on
 * the noble reference; liboqs, which the sources use, is checked against it in
 * ml-kem-wasm.test.ts),
 * ML-DSA-65 (FIPS 204, NIST ACVP keyGen on noble; liboqs, which signs, is
 * checked against it in ml-dsa-wasm.test.ts; envelopes signed under
 * length-prefixed labels, label separation and tampering), X25519 (RFC 7748 §5.2, §6.1). The sources use exactly these
 * implementations (`ML_KEMS`, `x25519SharedSecret`, `signEnvelope`).
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import {
  ANSWER_SIGNATURE_LABEL,
  ML_DSA_65_SIZES,
  ML_KEMS,
  NOBLE_ML_KEMS,
  ML_KEM_SIZES,
  OFFER_SIGNATURE_LABEL,
  PeerAuthError,
  generateHmIdentity,
  labelledMessage,
  openEnvelope,
  pinOfKey,
  signEnvelope,
  x25519RawPublicKey,
  x25519SharedSecret,
  type MlKemAlgorithm,
} from '../../../qkd/index.js';
import { bytes, hex, vectors } from './fixtures.js';

interface KemFile {
  source: string;
  encapsulation: { tcId: number; parameterSet: MlKemAlgorithm; ek: string; m: string; c: string; k: string }[];
  keyGen: { tcId: number; parameterSet: MlKemAlgorithm; d: string; z: string; ek: string; dk: string }[];
}

describe('ML-KEM (FIPS 203) against NIST ACVP vectors', () => {
  const file = vectors<KemFile>('fips203/ml-kem-acvp.json');

  it('covers the three parameter sets, with provenance', () => {
    expect(file.source).toMatch(/ACVP-Server .*commit [0-9a-f]{40}/);
    expect(file.encapsulation.map((v) => v.parameterSet)).toEqual(['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024']);
  });

  it.each(file.encapsulation.map((v) => [v.parameterSet, v.tcId, v] as const))('%s encapsulation (tcId %d)', (name, _tc, v) => {
    const kem = NOBLE_ML_KEMS[name];
    expect(bytes(v.ek)).toHaveLength(ML_KEM_SIZES[name].encapsulationKey);
    const { cipherText, sharedSecret } = kem.encapsulate(bytes(v.ek), bytes(v.m));
    expect(hex(cipherText)).toBe(v.c);
    expect(hex(sharedSecret)).toBe(v.k);
  });

  it.each(file.keyGen.map((v) => [v.parameterSet, v.tcId, v] as const))('%s keyGen (tcId %d), then a round trip', (name, _tc, v) => {
    const kem = NOBLE_ML_KEMS[name];
    const { publicKey, secretKey } = kem.keygen(new Uint8Array([...bytes(v.d), ...bytes(v.z)]));
    expect(hex(publicKey)).toBe(v.ek);
    expect(hex(secretKey)).toBe(v.dk);
    const { cipherText, sharedSecret } = kem.encapsulate(publicKey);
    expect(hex(kem.decapsulate(cipherText, secretKey))).toBe(hex(sharedSecret));
  });

  it.each(['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'] as const)('%s decapsulates a substituted ciphertext to another secret (implicit rejection)', (name) => {
    const kem = ML_KEMS[name];
    const { publicKey, secretKey } = kem.keygen();
    const { cipherText, sharedSecret } = kem.encapsulate(publicKey);
    const bad = Uint8Array.from(cipherText, (b, i) => (i === 0 ? b ^ 1 : b));
    expect(hex(kem.decapsulate(bad, secretKey))).not.toBe(hex(sharedSecret));
  });
});

describe('ML-DSA-65 (FIPS 204)', () => {
  const file = vectors<{ source: string; keyGen: { tcId: number; seed: string; pk: string; sk_prefix: string }[] }>('fips204/ml-dsa-65-acvp.json');

  it('derives the ACVP keyGen vector from its seed (the identity of an HM)', () => {
    expect(file.source).toMatch(/ML-DSA-keyGen-FIPS204 .*commit [0-9a-f]{40}/);
    const v = file.keyGen[0];
    const id = generateHmIdentity(bytes(v.seed));
    expect(hex(id.publicKey)).toBe(v.pk);
    expect(hex(id.secretKey.slice(0, 128))).toBe(v.sk_prefix);
    expect(id.publicKey).toHaveLength(ML_DSA_65_SIZES.publicKey);
    expect(id.secretKey).toHaveLength(ML_DSA_65_SIZES.secretKey);
  });

  const id = generateHmIdentity();
  const other = generateHmIdentity();
  const message = JSON.stringify({ type: 'qnfv-hm-offer', offers: [{ key_stream_id: 'x', index: 0 }] });
  const env = signEnvelope(message, id, OFFER_SIGNATURE_LABEL);

  it('signs and verifies; noble agrees that the signed bytes are u8(len) ‖ label ‖ message under the empty context', () => {
    expect(OFFER_SIGNATURE_LABEL).toBe('qnfv hm offer v3');
    expect(ANSWER_SIGNATURE_LABEL).toBe('qnfv hm answer v3');
    expect(Buffer.from(env.signature, 'base64')).toHaveLength(ML_DSA_65_SIZES.signature);
    expect(openEnvelope(env, pinOfKey(id.publicKey), OFFER_SIGNATURE_LABEL, 'offer').body).toEqual(JSON.parse(message));
    // Built here by hand, independently of signed-envelope.ts.
    const signed = Buffer.concat([Buffer.from([OFFER_SIGNATURE_LABEL.length]), Buffer.from(OFFER_SIGNATURE_LABEL), Buffer.from(message)]);
    const sig = Buffer.from(env.signature, 'base64');
    expect(ml_dsa65.verify(sig, signed, id.publicKey)).toBe(true);
    // Not the bare message, not v2's FIPS 204 context string.
    expect(ml_dsa65.verify(sig, new TextEncoder().encode(message), id.publicKey)).toBe(false);
    expect(ml_dsa65.verify(sig, new TextEncoder().encode(message), id.publicKey, { context: new TextEncoder().encode('qnfv hm offer v2') })).toBe(false);
    // And an envelope noble signed over those bytes opens.
    const byNoble = { ...env, signature: Buffer.from(ml_dsa65.sign(signed, id.secretKey)).toString('base64') };
    expect(openEnvelope(byNoble, pinOfKey(id.publicKey), OFFER_SIGNATURE_LABEL, 'offer').body).toEqual(JSON.parse(message));
  });

  it('signs the UTF-8 of a non-ASCII message (as TextEncoder gives it), and the digest is its SHA-256', () => {
    // Raw text, not JSON.stringify's: it would escape the lone surrogate, which must become U+FFFD here.
    const text = '{"name":"SPI_é€😀","odd":"a\ud800b"}';
    const e = signEnvelope(text, id, OFFER_SIGNATURE_LABEL);
    const bytes = new TextEncoder().encode(text);
    expect(Buffer.from(bytes).includes(Buffer.from([0x61, 0xef, 0xbf, 0xbd, 0x62]))).toBe(true);
    expect(ml_dsa65.verify(Buffer.from(e.signature, 'base64'), labelledMessage(OFFER_SIGNATURE_LABEL, bytes), id.publicKey)).toBe(true);
    const opened = openEnvelope(e, pinOfKey(id.publicKey), OFFER_SIGNATURE_LABEL, 'offer');
    expect(opened.body).toEqual(JSON.parse(text));
    expect(Buffer.from(opened.digest).toString('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('separates offers from answers: an offer envelope is refused as an answer, and the reverse', () => {
    expect(() => openEnvelope(env, pinOfKey(id.publicKey), ANSWER_SIGNATURE_LABEL, 'answer')).toThrow(PeerAuthError);
    expect(() => openEnvelope(env, pinOfKey(id.publicKey), ANSWER_SIGNATURE_LABEL, 'answer')).toThrow(/answer: ML-DSA-65 signature does not verify/);
    const answer = signEnvelope(message, id, ANSWER_SIGNATURE_LABEL);
    expect(openEnvelope(answer, pinOfKey(id.publicKey), ANSWER_SIGNATURE_LABEL, 'answer').body).toEqual(JSON.parse(message));
    expect(() => openEnvelope(answer, pinOfKey(id.publicKey), OFFER_SIGNATURE_LABEL, 'offer')).toThrow(/offer: ML-DSA-65 signature does not verify/);
  });

  it('frames labels prefix-free: moving bytes between label and message does not carry a signature over', () => {
    // Without the length byte, label "qnfv hm offer v3" + message "X…" and label "qnfv hm offer v" + message "3X…" would sign the same bytes.
    expect(Buffer.from(labelledMessage('ab', new Uint8Array([0x63]))).toString('hex')).toBe('02616263');
    expect(Buffer.from(labelledMessage('abc', new Uint8Array(0))).toString('hex')).toBe('03616263');
    const shifted = `3${message}`;
    const env2 = signEnvelope(shifted, id, 'qnfv hm offer v');
    expect(ml_dsa65.verify(Buffer.from(env2.signature, 'base64'), labelledMessage('qnfv hm offer v', new TextEncoder().encode(shifted)), id.publicKey)).toBe(true);
    expect(() => openEnvelope({ ...env2, message }, pinOfKey(id.publicKey), OFFER_SIGNATURE_LABEL, 'offer')).toThrow(/signature does not verify/);
    expect(() => labelledMessage('', new Uint8Array(1))).toThrow(/label must be 1..255 bytes/);
    expect(() => labelledMessage('x'.repeat(256), new Uint8Array(1))).toThrow(/label must be 1..255 bytes, got 256/);
  });

  it.each([
    ['a changed message byte', { ...env, message: env.message.replace('"index":0', '"index":1') }, /signature does not verify/],
    ['a changed signature byte', { ...env, signature: Buffer.from(Buffer.from(env.signature, 'base64').map((b, i) => (i === 10 ? b ^ 1 : b))).toString('base64') }, /signature does not verify/],
    ['another signer (re-signed)', signEnvelope(message, other, OFFER_SIGNATURE_LABEL), /not by the pinned peer key/],
    ['another signer key but the old signature', { ...env, signer_key: Buffer.from(other.publicKey).toString('base64') }, /not by the pinned peer key/],
    ['a truncated signature', { ...env, signature: env.signature.slice(0, 100) }, /wrong length/],
    ['no envelope at all', { message }, /not a signed envelope/],
  ])('refuses %s', (_what, envelope, msg) => {
    const err = (() => {
      try {
        openEnvelope(envelope, pinOfKey(id.publicKey), OFFER_SIGNATURE_LABEL, 'offer');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PeerAuthError);
    expect((err as Error).message).toMatch(msg);
  });

  it('accepts a pin by fingerprint only, and refuses without a pin', () => {
    expect(openEnvelope(env, { fingerprint: id.fingerprint }, OFFER_SIGNATURE_LABEL, 'offer').digest).toHaveLength(32);
    expect(() => openEnvelope(env, { fingerprint: other.fingerprint }, OFFER_SIGNATURE_LABEL, 'offer')).toThrow(/not by the pinned peer key/);
    expect(() => openEnvelope(env, undefined, OFFER_SIGNATURE_LABEL, 'offer')).toThrow(/no verification key of the peer HM is pinned/);
  });
});

describe('X25519 (RFC 7748)', () => {
  const file = vectors<{
    source: string;
    scalarmult: { scalar: string; u: string; output: string }[];
    diffieHellman: { alicePrivate: string; alicePublic: string; bobPrivate: string; bobPublic: string; shared: string };
  }>('rfc7748/x25519.json');
  // An X25519 private key object from a raw 32-byte scalar (RFC 8410 PKCS#8 prefix).
  const priv = (h: string) => createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), Buffer.from(h, 'hex')]), format: 'der', type: 'pkcs8' });

  it.each(file.scalarmult.map((v, i) => [i + 1, v] as const))('§5.2 vector %d', (_n, v) => {
    expect(hex(x25519SharedSecret(priv(v.scalar), bytes(v.u)))).toBe(v.output);
  });

  it('§6.1: both public keys and the shared secret', () => {
    const d = file.diffieHellman;
    expect(hex(x25519RawPublicKey(priv(d.alicePrivate)))).toBe(d.alicePublic);
    expect(hex(x25519RawPublicKey(priv(d.bobPrivate)))).toBe(d.bobPublic);
    expect(hex(x25519SharedSecret(priv(d.alicePrivate), bytes(d.bobPublic)))).toBe(d.shared);
    expect(hex(x25519SharedSecret(priv(d.bobPrivate), bytes(d.alicePublic)))).toBe(d.shared);
  });

  it('refuses small-order public keys (all-zero shared secret)', () => {
    const d = file.diffieHellman;
    expect(() => x25519SharedSecret(priv(d.alicePrivate), new Uint8Array(32))).toThrow(/small-order|all-zero/);
    const one = new Uint8Array(32);
    one[0] = 1;
    expect(() => x25519SharedSecret(priv(d.alicePrivate), one)).toThrow(/small-order|all-zero/);
  });
});
