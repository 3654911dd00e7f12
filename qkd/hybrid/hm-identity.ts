/**
 * The signing identity of a Hybridization Module on the HM-to-HM channel:
 * an ML-DSA-65 key pair (FIPS 204, `@noble/post-quantum`), and how a peer pins
 * it. Files, as OpenSSH does for host keys: `<path>` holds the 32-byte key
 * generation seed ξ (FIPS 204 Algorithm 1; the secret key is re-derived from it)
 * and is written, and must be, mode 0600; `<path>.pub` holds the verification
 * key for the peer's configuration (mode 0644). A peer is pinned either by its
 * whole verification key or by the SHA-256 of it (lowercase hex), e.g. in the
 * peer URL's fragment: `http://10.0.0.2:7100/#ml-dsa-65=<sha256 hex>`.
 * The secret key and seed are never logged and are zeroed when dropped (the
 * seed's hex text read from the file is a JavaScript string, which cannot be).
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ValidationError, zeroize } from '../../common/index.js';
import { ML_DSA_65_SIZES, PIN_FRAGMENT_PARAM } from './constants.js';
import { sha256 } from './sha256.js';

/** Algorithm name in identity files. */
export const HM_IDENTITY_ALGORITHM = 'ML-DSA-65';
const SECRET_FILE_MODE = 0o600;
const PUBLIC_FILE_MODE = 0o644;

/** An HM's ML-DSA-65 key pair. `secretKey` is secret: zero it when done. */
export interface HmIdentity {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  /** SHA-256 of `publicKey`, lowercase hex: what a peer may pin. */
  fingerprint: string;
}

/** How a peer's verification key is pinned: the key itself, or only its fingerprint. */
export interface PeerPin {
  fingerprint: string;
  publicKey?: Uint8Array;
}

/** SHA-256 of an ML-DSA-65 verification key, lowercase hex. */
export function verificationKeyFingerprint(publicKey: Uint8Array): string {
  return Buffer.from(sha256(publicKey)).toString('hex');
}

/** A new identity from a 32-byte seed (random when absent; the seed is not kept). */
export function generateHmIdentity(seed?: Uint8Array): HmIdentity {
  const xi = seed ? Uint8Array.from(seed) : new Uint8Array(randomBytes(ML_DSA_65_SIZES.seed));
  if (xi.length !== ML_DSA_65_SIZES.seed) throw new ValidationError(`ML-DSA-65 seed must be ${ML_DSA_65_SIZES.seed} bytes, got ${xi.length}`);
  try {
    const { publicKey, secretKey } = ml_dsa65.keygen(xi);
    return { publicKey, secretKey, fingerprint: verificationKeyFingerprint(publicKey) };
  } finally {
    zeroize(xi);
  }
}

/** The identity of an ML-DSA-65 secret key (the public key is re-derived). */
export function hmIdentityFromSecretKey(secretKey: Uint8Array): HmIdentity {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== ML_DSA_65_SIZES.secretKey) {
    throw new ValidationError(`signingKey must be an ML-DSA-65 secret key of ${ML_DSA_65_SIZES.secretKey} bytes`);
  }
  const publicKey = ml_dsa65.getPublicKey(secretKey);
  return { publicKey, secretKey: Uint8Array.from(secretKey), fingerprint: verificationKeyFingerprint(publicKey) };
}

/** A pin from a verification key (checks its length). */
export function pinOfKey(publicKey: Uint8Array): PeerPin {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ML_DSA_65_SIZES.publicKey) {
    throw new ValidationError(`peerVerificationKey must be an ML-DSA-65 verification key of ${ML_DSA_65_SIZES.publicKey} bytes`);
  }
  return { fingerprint: verificationKeyFingerprint(publicKey), publicKey: Uint8Array.from(publicKey) };
}

/** Whether `signerKey` is the pinned one (public keys: no need for a constant-time comparison). */
export function matchesPin(pin: PeerPin, signerKey: Uint8Array): boolean {
  if (pin.publicKey) return Buffer.from(pin.publicKey.buffer, pin.publicKey.byteOffset, pin.publicKey.byteLength).equals(signerKey);
  return verificationKeyFingerprint(signerKey) === pin.fingerprint;
}

/** `url` with the pin of `publicKey` in its fragment (`#ml-dsa-65=<sha256 hex>`). */
export function pinnedUrl(url: string, publicKey: Uint8Array): string {
  const u = new URL(url);
  u.hash = `${PIN_FRAGMENT_PARAM}=${verificationKeyFingerprint(publicKey)}`;
  return u.toString();
}

/** Split a peer URL into the URL to call (no fragment) and the pinned fingerprint, if it carries one. */
export function parsePeerUrl(url: string): { url: string; fingerprint?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError(`peer URL '${url}' is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ValidationError(`peer URL '${url}' must be http(s)`);
  const fragment = new URLSearchParams(u.hash.replace(/^#/, ''));
  const fp = fragment.get(PIN_FRAGMENT_PARAM) ?? undefined;
  if (fp !== undefined && !/^[0-9a-f]{64}$/.test(fp)) {
    throw new ValidationError(`peer URL pin '${PIN_FRAGMENT_PARAM}=' must be 64 lowercase hex digits (SHA-256 of the verification key)`);
  }
  u.hash = '';
  return fp === undefined ? { url: u.toString() } : { url: u.toString(), fingerprint: fp };
}

/** Write an identity: the seed to `path` (0600), the verification key to `path.pub` (0644). */
export async function writeHmIdentity(path: string, seed: Uint8Array): Promise<HmIdentity> {
  const id = generateHmIdentity(seed);
  const text = JSON.stringify({ algorithm: HM_IDENTITY_ALGORITHM, seed: Buffer.from(seed).toString('hex') });
  await writeFile(path, text + '\n', { mode: SECRET_FILE_MODE, flag: 'wx' });
  await chmod(path, SECRET_FILE_MODE);
  const pub = { algorithm: HM_IDENTITY_ALGORITHM, public_key: Buffer.from(id.publicKey).toString('base64'), fingerprint: id.fingerprint };
  await writeFile(`${path}.pub`, JSON.stringify(pub) + '\n', { mode: PUBLIC_FILE_MODE });
  await chmod(`${path}.pub`, PUBLIC_FILE_MODE);
  return id;
}

/** Read the identity at `path`; refused when group or others may read it. */
export async function readHmIdentity(path: string): Promise<HmIdentity> {
  const st = await stat(path);
  if ((st.mode & 0o077) !== 0) {
    throw new ValidationError(`HM identity file ${path} has mode ${(st.mode & 0o777).toString(8)}; it must not be accessible by group or others (chmod 600 ${path})`);
  }
  let parsed: { algorithm?: unknown; seed?: unknown };
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as { algorithm?: unknown; seed?: unknown };
  } catch {
    throw new ValidationError(`${path} is not an HM identity file (JSON)`);
  }
  if (parsed.algorithm !== HM_IDENTITY_ALGORITHM || typeof parsed.seed !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.seed)) {
    throw new ValidationError(`${path} must hold {"algorithm":"${HM_IDENTITY_ALGORITHM}","seed":"<64 hex>"}`);
  }
  const seed = new Uint8Array(Buffer.from(parsed.seed, 'hex'));
  try {
    return generateHmIdentity(seed);
  } finally {
    zeroize(seed);
  }
}

/** Read a peer's verification key from its `.pub` file (or any file of that JSON form). */
export async function readHmVerificationKey(path: string): Promise<Uint8Array> {
  let parsed: { algorithm?: unknown; public_key?: unknown };
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as { algorithm?: unknown; public_key?: unknown };
  } catch {
    throw new ValidationError(`${path} is not an HM verification key file (JSON)`);
  }
  if (parsed.algorithm !== HM_IDENTITY_ALGORITHM || typeof parsed.public_key !== 'string') {
    throw new ValidationError(`${path} must hold {"algorithm":"${HM_IDENTITY_ALGORITHM}","public_key":"<base64>"}`);
  }
  return pinOfKey(new Uint8Array(Buffer.from(parsed.public_key, 'base64'))).publicKey as Uint8Array;
}

/** Read the identity at `path`, or create one (random seed) with `path.pub` if `path` does not exist. */
export async function loadOrCreateHmIdentity(path: string): Promise<HmIdentity> {
  try {
    return await readHmIdentity(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const seed = new Uint8Array(randomBytes(ML_DSA_65_SIZES.seed));
  try {
    return await writeHmIdentity(path, seed);
  } finally {
    zeroize(seed);
  }
}
