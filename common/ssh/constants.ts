/**
 * Constants of the SSH transport (RFC 4251–4254) as qnfv uses it: spec values
 * first, then tunables. Fingerprints follow OpenSSH (`ssh-keygen -l`): the
 * unpadded base64 SHA-256 of the public key blob (RFC 4253 §6.6 encoding).
 */

// --- Spec constants ---------------------------------------------------------

/** Prefix of an OpenSSH SHA-256 fingerprint. */
export const FINGERPRINT_PREFIX = 'SHA256:';
/** A SHA-256 fingerprint: prefix + 43 base64 characters (32 bytes, no padding). */
export const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;
/** RFC 4252 §5: authentication methods this server offers (and lists on failure). */
export const AUTH_METHODS = ['publickey', 'password'] as const;
/** The only host/user key type qnfv generates (RFC 8709). */
export const KEY_TYPE = 'ed25519';

// --- Tunables ---------------------------------------------------------------

/** Private key files are written with, and must have, this mode (as OpenSSH insists). */
export const PRIVATE_KEY_MODE = 0o600;
/** Public key files are written world-readable like `ssh-keygen` does. */
export const PUBLIC_KEY_MODE = 0o644;
/** Client: milliseconds to wait for the SSH handshake and authentication. */
export const DEFAULT_READY_TIMEOUT_MS = 10_000;
/** Server: a connection that has not authenticated within this time is dropped (OpenSSH LoginGraceTime). */
export const LOGIN_GRACE_MS = 30_000;
/** Server: failed authentication attempts per connection before it is dropped (OpenSSH MaxAuthTries). */
export const MAX_AUTH_ATTEMPTS = 6;
/** Server: milliseconds `close()` waits for clients to disconnect before destroying their sockets. */
export const CLOSE_GRACE_MS = 2_000;
