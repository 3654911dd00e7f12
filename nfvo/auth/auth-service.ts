/**
 * Users and bearer tokens of the NBI (OSM's `/admin/v1/tokens` model).
 * Users are stored with a scrypt hash, never the password. A token is 32
 * random bytes (base64url) handed out once; the store keeps only its SHA-256,
 * so a copy of the data directory or the Redis database lets nobody in.
 * Tokens expire, are revocable one by one, and die with their user. Validated
 * tokens are cached in memory until they expire or are revoked here. Logins
 * are throttled per username + client address and per address
 * (login-throttle.ts): a locked-out attempt is refused before any hashing.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError, createLogger, type Logger } from '../../common/index.js';
import type { Collection, Store } from '../store/index.js';
import { hashPassword, verifyPassword } from './password.js';
import { LoginThrottle, LoginThrottledError, type LoginThrottleSettings, type LoginTicket } from './login-throttle.js';
import { scopesOf, type Role } from './roles.js';

/** A user as stored. */
interface UserRecord {
  id: string;
  username: string;
  role: Role;
  passwordHash: string;
  createdAt: string;
}

/** A user as the API shows it. */
export type User = Omit<UserRecord, 'passwordHash'>;

/** A token as stored (keyed by the SHA-256 of the bearer value). */
interface TokenRecord {
  /** SHA-256 (hex) of the bearer value: the record's key. */
  hash: string;
  /** Public handle: the first 16 hex digits of the SHA-256 (the bearer itself is never stored). */
  tokenId: string;
  userId: string;
  username: string;
  role: Role;
  /** Epoch seconds, as OSM's token responses. */
  issued_at: number;
  expires: number;
}

/** What a login returns: the bearer value once, OSM's field names. */
export interface IssuedToken {
  id: string;
  _id: string;
  tokenId: string;
  username: string;
  role: Role;
  admin: boolean;
  issued_at: number;
  expires: number;
}

/** The hapi credentials of an authenticated request. */
export interface Credentials {
  user: { id: string; username: string; role: Role };
  tokenId: string;
  scope: Role[];
  [key: string]: unknown;
}

export interface AuthOptions {
  store: Store;
  /** Token lifetime in seconds (default 3600). */
  tokenTtlS?: number;
  logger?: Logger;
  /** Failed-login limits (defaults: LOGIN_THROTTLE_DEFAULTS) and clock. */
  loginThrottle?: LoginThrottleSettings;
}

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const MIN_PASSWORD = 8;
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const now = (): number => Math.floor(Date.now() / 1000);

/** Users, passwords and tokens. */
export class AuthService {
  private readonly users: Collection<UserRecord>;
  private readonly tokens: Collection<TokenRecord>;
  private readonly cache = new Map<string, TokenRecord>();
  private readonly ttl: number;
  private readonly log: Logger;
  /** Failed-login counters and lockouts (in memory, this process only). */
  readonly throttle: LoginThrottle;
  /** A hash to verify against when the user is unknown, so timing does not tell which users exist. */
  private dummyHash?: Promise<string>;

  constructor(opts: AuthOptions) {
    this.users = opts.store.collection<UserRecord>('users');
    this.tokens = opts.store.collection<TokenRecord>('tokens');
    this.ttl = opts.tokenTtlS ?? 3600;
    this.log = opts.logger ?? createLogger('nfvo.auth');
    this.throttle = new LoginThrottle(opts.loginThrottle, this.log);
  }

  /** True when no user exists yet. */
  async empty(): Promise<boolean> {
    return (await this.users.list()).length === 0;
  }

  /** Create the first admin when the store has no users; false when users exist already. */
  async bootstrapAdmin(username: string, password: string): Promise<boolean> {
    if (!(await this.empty())) return false;
    try {
      await this.createUser({ username, password, role: 'admin' });
    } catch (err) {
      if (err instanceof ValidationError) throw new ValidationError('the first admin (QNFV_ADMIN_USER / QNFV_ADMIN_PASSWORD) is not valid', err.problems);
      throw err;
    }
    this.log.info('created the first admin user', { username });
    return true;
  }

  async createUser(req: { username: string; password: string; role: Role }): Promise<User> {
    const problems = [];
    if (!USERNAME.test(req.username)) problems.push({ path: 'username', message: 'letters, digits and . _ @ - only, 1 to 64 characters' });
    if (req.password.length < MIN_PASSWORD) problems.push({ path: 'password', message: `at least ${MIN_PASSWORD} characters` });
    if (problems.length > 0) throw new ValidationError('invalid user', problems);
    if (await this.findUser(req.username)) throw new ConflictError(`a user named '${req.username}' exists`);
    const rec: UserRecord = { id: randomUUID(), username: req.username, role: req.role, passwordHash: await hashPassword(req.password), createdAt: new Date().toISOString() };
    await this.users.put(rec.id, rec);
    return publicUser(rec);
  }

  async listUsers(): Promise<User[]> {
    return (await this.users.list()).map(publicUser).sort((a, b) => a.username.localeCompare(b.username));
  }

  async getUser(idOrName: string): Promise<User> {
    const u = (await this.users.get(idOrName)) ?? (await this.findUser(idOrName));
    if (!u) throw new NotFoundError('user', idOrName);
    return publicUser(u);
  }

  /** Delete a user and revoke their tokens; the last admin cannot be deleted. */
  async deleteUser(idOrName: string): Promise<void> {
    const u = await this.getUser(idOrName);
    const all = await this.users.list();
    if (u.role === 'admin' && all.filter((x) => x.role === 'admin').length === 1) throw new ConflictError(`'${u.username}' is the last admin`);
    await this.users.delete(u.id);
    for (const t of await this.tokens.list()) if (t.userId === u.id) await this.dropToken(t);
  }

  /**
   * Check a user's password and issue a token; undefined when the user or the
   * password is wrong (the caller must not say which). `address` is the
   * client's; throws LoginThrottledError, before looking at the password,
   * while that username + address or that address is locked out.
   */
  async login(username: string, password: string, address = 'local'): Promise<IssuedToken | undefined> {
    const ticket = this.admit(username, address);
    let u: UserRecord | undefined;
    try {
      u = await this.checkPassword(username, password);
    } catch (err) {
      ticket.cancel();
      throw err;
    }
    if (!u) {
      const lockouts = ticket.failed();
      this.log.warn('login failed: wrong username or password', { username, address });
      for (const l of lockouts) this.log.warn('login locked out after repeated failures', { username, address, scope: l.scope, failures: l.failures, lockoutS: l.lockoutS });
      return undefined;
    }
    ticket.succeeded();
    await this.pruneExpired();
    const bearer = randomBytes(32).toString('base64url');
    const hash = sha256(bearer);
    const t: TokenRecord = { hash, tokenId: hash.slice(0, 16), userId: u.id, username: u.username, role: u.role, issued_at: now(), expires: now() + this.ttl };
    await this.tokens.put(hash, t);
    this.log.info('token issued', { username: u.username, address, tokenId: t.tokenId });
    return { id: bearer, _id: bearer, tokenId: t.tokenId, username: u.username, role: u.role, admin: u.role === 'admin', issued_at: t.issued_at, expires: t.expires };
  }

  /** Credentials for a bearer value, or undefined when it is unknown, expired or revoked. */
  async authenticate(bearer: string): Promise<Credentials | undefined> {
    const hash = sha256(bearer);
    let t = this.cache.get(hash);
    if (!t) {
      t = await this.tokens.get(hash);
      if (t) this.cache.set(hash, t);
    }
    if (!t) return undefined;
    if (t.expires <= now()) {
      await this.dropToken(t);
      return undefined;
    }
    return { user: { id: t.userId, username: t.username, role: t.role }, tokenId: t.tokenId, scope: scopesOf(t.role) };
  }

  /** Tokens (never their bearer values) of one user, or of everyone when `username` is undefined. */
  async listTokens(username?: string): Promise<Omit<TokenRecord, 'userId' | 'hash'>[]> {
    await this.pruneExpired();
    return (await this.tokens.list())
      .filter((t) => username === undefined || t.username === username)
      .map(({ userId: _u, hash: _h, ...rest }) => rest)
      .sort((a, b) => a.issued_at - b.issued_at);
  }

  /** Revoke a token by its bearer value or its tokenId; `owner` limits it to that user's tokens. */
  async revoke(idOrBearer: string, owner?: string): Promise<void> {
    const all = await this.tokens.list();
    const t = all.find((x) => x.tokenId === idOrBearer) ?? all.find((x) => x.tokenId === sha256(idOrBearer).slice(0, 16));
    if (!t || (owner !== undefined && t.username !== owner)) throw new NotFoundError('token', idOrBearer.length > 16 ? `${idOrBearer.slice(0, 4)}…` : idOrBearer);
    await this.dropToken(t);
    this.log.info('token revoked', { username: t.username, tokenId: t.tokenId });
  }

  /** Admit a login attempt or log and rethrow the throttle's refusal. */
  private admit(username: string, address: string): LoginTicket {
    try {
      return this.throttle.admit(username, address);
    } catch (err) {
      if (err instanceof LoginThrottledError) this.log.info('login refused: locked out', { username, address, scope: err.scope, retryAfterS: err.retryAfterS });
      throw err;
    }
  }

  /** The user when the password matches; an unknown user costs one scrypt too, so timing does not tell. */
  private async checkPassword(username: string, password: string): Promise<UserRecord | undefined> {
    const u = await this.findUser(username);
    if (!u) {
      this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await this.dummyHash);
      return undefined;
    }
    return (await verifyPassword(password, u.passwordHash)) ? u : undefined;
  }

  private async findUser(username: string): Promise<UserRecord | undefined> {
    return (await this.users.list()).find((u) => u.username === username);
  }

  private async dropToken(t: TokenRecord): Promise<void> {
    this.cache.delete(t.hash);
    await this.tokens.delete(t.hash);
  }

  private async pruneExpired(): Promise<void> {
    const t = now();
    for (const r of await this.tokens.list()) if (r.expires <= t) await this.dropToken(r);
  }
}

function publicUser(u: UserRecord): User {
  const { passwordHash: _h, ...rest } = u;
  return rest;
}
