/**
 * Brute-force protection of `POST /admin/v1/tokens` (OWASP Authentication
 * Cheat Sheet, "Login Throttling"; RFC 6585 §4 for the 429 the route answers).
 * Failed logins are counted per username + client address and per client
 * address across usernames, each in a fixed window that opens at its first
 * failure. When a counter reaches its limit, that key is locked out for
 * `lockoutS`; a locked-out attempt is refused before the password is checked
 * (no scrypt spent, nothing learnt). A success clears its username + address
 * counter. Unknown usernames count like wrong passwords.
 *
 * Caveats: the table is in memory, per NFVO process, and forgotten at restart.
 * It holds at most `maxEntries` keys: stale ones are swept as it is used, and
 * when it is full the least recently used key is evicted (a flood from very
 * many addresses can therefore shorten someone's lockout; it is logged). The
 * address is the TCP peer: behind a reverse proxy every client shares the
 * proxy's address, and an IPv6 client may own many addresses.
 */
import { QnfvError, ValidationError, createLogger, type Logger } from '../../common/index.js';

export interface LoginThrottleOptions {
  /** Failures per username + address within the window before a lockout. */
  maxFailures: number;
  /** Failures per address (any usernames) within the window before a lockout. */
  maxFailuresPerAddress: number;
  /** Counting window in seconds, opened by a key's first failure. */
  windowS: number;
  /** How long a key stays locked out once it reached its limit, seconds. */
  lockoutS: number;
  /** Most keys kept in memory. */
  maxEntries: number;
}

/** Tunables: 5 guesses per user and address, 20 per address, in 15 minutes; a 15-minute lockout. */
export const LOGIN_THROTTLE_DEFAULTS: Readonly<LoginThrottleOptions> = Object.freeze({
  maxFailures: 5,
  maxFailuresPerAddress: 20,
  windowS: 900,
  lockoutS: 900,
  maxEntries: 10_000,
});

/** What the NFVO's options may set: any limit, and the millisecond clock (tests inject a fake one). */
export type LoginThrottleSettings = Partial<LoginThrottleOptions> & { clock?: () => number };

/** Which counter refused an attempt. */
export type ThrottleScope = 'username+address' | 'address';

/** A login refused without checking the password; the route layer makes it a 429 with `Retry-After`. */
export class LoginThrottledError extends QnfvError {
  /** Whole seconds until an attempt may be admitted again (≥ 1). */
  readonly retryAfterS: number;
  readonly scope: ThrottleScope;
  constructor(scope: ThrottleScope, retryAfterS: number, retryAt: Date) {
    const who = scope === 'address' ? 'from this address' : 'for this user from this address';
    super('THROTTLED', `too many failed logins ${who}; try again in ${retryAfterS} s (after ${retryAt.toISOString()})`);
    this.retryAfterS = retryAfterS;
    this.scope = scope;
  }
}

/** A lockout that a failure started, for the log. */
export interface Lockout {
  scope: ThrottleScope;
  failures: number;
  lockoutS: number;
}

/** An admitted attempt: report its outcome exactly once. */
export interface LoginTicket {
  /** The password was wrong or the user unknown; returns the lockouts this failure started. */
  failed(): Lockout[];
  /** The login succeeded: clear the username + address counter. */
  succeeded(): void;
  /** The check itself failed (e.g. the store is down): count nothing. */
  cancel(): void;
}

/** One counter. Times are clock milliseconds. */
interface Entry {
  failures: number;
  /** Admitted attempts whose outcome is not known yet. */
  pending: number;
  windowEnds: number;
  /** 0 when not locked out. */
  lockedUntil: number;
}

/** How many of the least recently used keys each access inspects for staleness. */
const SWEEP = 8;

/** Failed-login counters with lockouts. */
export class LoginThrottle {
  readonly options: Readonly<LoginThrottleOptions>;
  /** Insertion order is use order: the first keys are the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly log: Logger;
  private lastEvictionWarning = -Infinity;

  constructor(settings: LoginThrottleSettings = {}, logger?: Logger) {
    const { clock, ...limits } = settings;
    const o = { ...LOGIN_THROTTLE_DEFAULTS, ...stripUndefined(limits) };
    const bad = (Object.keys(LOGIN_THROTTLE_DEFAULTS) as (keyof LoginThrottleOptions)[]).filter((k) => !(Number.isInteger(o[k]) && o[k] > 0));
    if (bad.length > 0) throw new ValidationError('invalid login throttle options', bad.map((k) => ({ path: `loginThrottle.${k}`, message: 'a whole number > 0' })));
    this.options = Object.freeze(o);
    this.now = clock ?? Date.now;
    this.log = logger ?? createLogger('nfvo.auth');
  }

  /** Keys held (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Admit an attempt of `username` from `address`, or throw LoginThrottledError without looking at the password. */
  admit(username: string, address: string): LoginTicket {
    const t = this.now();
    this.sweep(t);
    const keys = { user: userKey(username, address), addr: addrKey(address) };
    const u = this.touch(keys.user, t);
    const a = this.touch(keys.addr, t);
    // 1. A running lockout: refuse until the later one ends.
    const until = Math.max(u?.lockedUntil ?? 0, a?.lockedUntil ?? 0);
    if (until > t) throw this.refusal((a?.lockedUntil ?? 0) === until ? 'address' : 'username+address', until, t);
    // 2. Attempts still being checked could reach the limit: wait for them (concurrent guessing).
    const full = (e: Entry | undefined, max: number): boolean => e !== undefined && e.failures + e.pending >= max;
    if (full(a, this.options.maxFailuresPerAddress)) throw this.refusal('address', t + 1000, t);
    if (full(u, this.options.maxFailures)) throw this.refusal('username+address', t + 1000, t);
    // 3. Admit it, counted as pending until its outcome is known.
    this.upsert(keys.user, t).pending++;
    this.upsert(keys.addr, t).pending++;
    let done = false;
    const settle = (): boolean => {
      if (done) return false;
      done = true;
      for (const k of [keys.user, keys.addr]) {
        const e = this.entries.get(k);
        if (e) e.pending = Math.max(0, e.pending - 1);
      }
      return true;
    };
    return {
      failed: () => {
        if (!settle()) return [];
        const now = this.now();
        const out: Lockout[] = [];
        const u1 = this.fail(keys.user, this.options.maxFailures, now);
        if (u1) out.push({ scope: 'username+address', failures: u1, lockoutS: this.options.lockoutS });
        const a1 = this.fail(keys.addr, this.options.maxFailuresPerAddress, now);
        if (a1) out.push({ scope: 'address', failures: a1, lockoutS: this.options.lockoutS });
        return out;
      },
      succeeded: () => {
        if (settle()) this.entries.delete(keys.user);
      },
      cancel: () => void settle(),
    };
  }

  /** Count one failure on `key`; returns the failure count when it started a lockout. */
  private fail(key: string, max: number, t: number): number | undefined {
    const e = this.upsert(key, t);
    if (e.failures === 0) e.windowEnds = t + this.options.windowS * 1000;
    e.failures++;
    if (e.failures < max || e.lockedUntil > t) return undefined;
    e.lockedUntil = t + this.options.lockoutS * 1000;
    return e.failures;
  }

  private refusal(scope: ThrottleScope, until: number, t: number): LoginThrottledError {
    return new LoginThrottledError(scope, Math.max(1, Math.ceil((until - t) / 1000)), new Date(until));
  }

  /** The entry for `key`, brought up to date and marked most recently used; undefined when absent or stale. */
  private touch(key: string, t: number): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    expire(e, t);
    this.entries.delete(key);
    if (stale(e, t)) return undefined;
    this.entries.set(key, e);
    return e;
  }

  /** The entry for `key`, created (evicting the least recently used when full) if needed. */
  private upsert(key: string, t: number): Entry {
    const e = this.touch(key, t);
    if (e) return e;
    let evicted = 0;
    for (const k of this.entries.keys()) {
      if (this.entries.size < this.options.maxEntries) break;
      this.entries.delete(k);
      evicted++;
    }
    if (evicted > 0 && t - this.lastEvictionWarning >= this.options.windowS * 1000) {
      this.lastEvictionWarning = t;
      this.log.warn('login throttle table full: evicting the least recently used counters (many clients failing logins?)', { maxEntries: this.options.maxEntries });
    }
    const fresh: Entry = { failures: 0, pending: 0, windowEnds: 0, lockedUntil: 0 };
    this.entries.set(key, fresh);
    return fresh;
  }

  /** Drop stale keys among the least recently used few, so an idle table empties as it is used. */
  private sweep(t: number): void {
    let n = 0;
    for (const [k, e] of this.entries) {
      if (n++ >= SWEEP) break;
      expire(e, t);
      if (stale(e, t)) this.entries.delete(k);
    }
  }
}

const userKey = (username: string, address: string): string => `u\0${address}\0${username}`;
const addrKey = (address: string): string => `a\0${address}`;

/** End a finished lockout or window: the counter starts afresh. */
function expire(e: Entry, t: number): void {
  if (e.lockedUntil !== 0) {
    if (t >= e.lockedUntil) {
      e.lockedUntil = 0;
      e.failures = 0;
    }
  } else if (t >= e.windowEnds) {
    e.failures = 0;
  }
}

/** Nothing worth keeping: no failures, no lockout, nothing in flight. */
const stale = (e: Entry, t: number): boolean => e.failures === 0 && e.pending === 0 && e.lockedUntil <= t;

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
