/**
 * SSH user authentication (RFC 4252): who may log in, and as whom. The server
 * (ssh-server.ts) verifies the publickey signature itself (RFC 4252 §7: the
 * proof of possession; ssh2 does not check it) before it asks an
 * authenticator; an authenticator only decides whether this user may use
 * this key or password, and returns the identity {user, groups} the session
 * runs as (NETCONF access control uses the groups, RFC 8341 §2.5).
 * `userTable` is the ready-made authenticator: passwords are kept as SHA-256
 * digests and compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../errors.js';
import { publicKeyBlob } from './host-keys.js';

/** Who a session runs as. */
export interface SshIdentity {
  user: string;
  groups: string[];
}

/** One login attempt, as an authenticator sees it (the signature is already verified). */
export type SshAuthRequest =
  | { method: 'password'; user: string; password: string }
  | { method: 'publickey'; user: string; /** SSH wire-format public key blob. */ publicKey: Buffer };

/** Decide a login attempt: the identity to run as, or undefined to refuse. */
export type SshAuthenticator = (req: SshAuthRequest) => SshIdentity | undefined | Promise<SshIdentity | undefined>;

/** One entry of a static user table. */
export interface SshUser {
  user: string;
  groups?: string[];
  /** Plain password (kept only as a digest); omit to disable password login. */
  password?: string;
  /** OpenSSH public key lines (`ssh-ed25519 AAAA…`) or blobs this user may log in with. */
  authorizedKeys?: (string | Buffer)[];
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** An authenticator over a fixed list of users (publickey and/or password). */
export function userTable(users: readonly SshUser[]): SshAuthenticator {
  const table = new Map<string, { groups: string[]; pw?: Buffer; keys: Buffer[] }>();
  for (const u of users) {
    if (u.user === '') throw new ValidationError('SSH user name must not be empty');
    if (table.has(u.user)) throw new ValidationError(`SSH user '${u.user}' is listed twice`);
    table.set(u.user, {
      groups: [...(u.groups ?? [])],
      pw: u.password === undefined ? undefined : digest(u.password),
      keys: (u.authorizedKeys ?? []).map((k) => publicKeyBlob(k)),
    });
  }
  // Compared against when the user is unknown, so that unknown and known users take the same time.
  const decoy = digest('qnfv: no such user');
  return (req) => {
    const entry = table.get(req.user);
    if (req.method === 'password') {
      const ok = timingSafeEqual(digest(req.password), entry?.pw ?? decoy);
      return ok && entry?.pw !== undefined ? { user: req.user, groups: [...entry.groups] } : undefined;
    }
    if (entry === undefined) return undefined;
    return entry.keys.some((k) => k.equals(req.publicKey)) ? { user: req.user, groups: [...entry.groups] } : undefined;
  };
}
