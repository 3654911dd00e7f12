/**
 * LoginThrottle (nfvo/auth/login-throttle.ts) on a fake clock: lockout per
 * username + address and per address, Retry-After arithmetic, window and
 * lockout expiry, reset on success, concurrent attempts, and the bound on
 * the table.
 */
import { ValidationError, configureLogging } from '../../../common/index.js';
import { LoginThrottle, LoginThrottledError, LOGIN_THROTTLE_DEFAULTS, type LoginThrottleSettings } from '../../../nfvo/auth/index.js';

configureLogging({ console: false });

const A = '192.0.2.1';
const B = '192.0.2.2';

function setup(limits: LoginThrottleSettings = {}) {
  const clock = { t: 1_700_000_000_000 };
  const throttle = new LoginThrottle({ maxFailures: 3, maxFailuresPerAddress: 5, windowS: 60, lockoutS: 120, maxEntries: 100, clock: () => clock.t, ...limits });
  const fail = (user: string, addr: string) => throttle.admit(user, addr).failed();
  const refusal = (user: string, addr: string): LoginThrottledError => {
    try {
      throttle.admit(user, addr).cancel();
    } catch (err) {
      if (err instanceof LoginThrottledError) return err;
      throw err;
    }
    throw new Error(`${user}@${addr} was admitted`);
  };
  const admitted = (user: string, addr: string): boolean => {
    try {
      throttle.admit(user, addr).cancel();
      return true;
    } catch (err) {
      if (err instanceof LoginThrottledError) return false;
      throw err;
    }
  };
  return { clock, throttle, fail, refusal, admitted };
}

describe('LoginThrottle', () => {
  it('defaults: 5 per username + address, 20 per address, 15-minute window and lockout', () => {
    expect(LOGIN_THROTTLE_DEFAULTS).toEqual({ maxFailures: 5, maxFailuresPerAddress: 20, windowS: 900, lockoutS: 900, maxEntries: 10_000 });
    expect(new LoginThrottle().options).toEqual(LOGIN_THROTTLE_DEFAULTS);
  });

  it('rejects limits that are not whole numbers > 0, naming them', () => {
    expect(() => new LoginThrottle({ maxFailures: 0, windowS: 1.5 })).toThrow(ValidationError);
    expect(() => new LoginThrottle({ maxFailures: 0 })).toThrow(/loginThrottle\.maxFailures/);
  });

  it('locks a username + address out after maxFailures, with the seconds left until the lockout ends', () => {
    const { clock, fail, refusal } = setup();
    expect(fail('alice', A)).toEqual([]);
    expect(fail('alice', A)).toEqual([]);
    expect(fail('alice', A)).toEqual([{ scope: 'username+address', failures: 3, lockoutS: 120 }]);
    const r = refusal('alice', A);
    expect(r).toMatchObject({ scope: 'username+address', retryAfterS: 120, code: 'THROTTLED' });
    expect(r.message).toBe(`too many failed logins for this user from this address; try again in 120 s (after ${new Date(clock.t + 120_000).toISOString()})`);
    clock.t += 100_500;
    expect(refusal('alice', A).retryAfterS).toBe(20);
  });

  it('lets the attempt in again when the lockout ends, with a fresh count', () => {
    const { clock, fail, refusal, admitted } = setup();
    for (let i = 0; i < 3; i++) fail('alice', A);
    clock.t += 119_999;
    expect(refusal('alice', A).retryAfterS).toBe(1);
    clock.t += 1;
    expect(admitted('alice', A)).toBe(true);
    fail('alice', A);
    fail('alice', A);
    expect(admitted('alice', A)).toBe(true);
  });

  it('forgets failures once their window has passed', () => {
    const { clock, fail, admitted } = setup();
    fail('alice', A);
    fail('alice', A);
    clock.t += 60_000;
    fail('alice', A);
    fail('alice', A);
    expect(admitted('alice', A)).toBe(true);
  });

  it('a success clears the username + address counter but not the address counter', () => {
    const { fail, throttle, admitted, refusal } = setup();
    fail('alice', A);
    fail('alice', A);
    throttle.admit('alice', A).succeeded();
    fail('alice', A);
    fail('alice', A);
    expect(admitted('alice', A)).toBe(true);
    // Address A has 4 failures (alice's 4; the success did not count): one more from anyone locks it.
    fail('bob', A);
    expect(refusal('carol', A).scope).toBe('address');
  });

  it('the username + address counter does not lock the same user from another address', () => {
    const { fail, refusal, admitted } = setup();
    for (let i = 0; i < 3; i++) fail('alice', A);
    expect(refusal('alice', A).scope).toBe('username+address');
    expect(admitted('alice', B)).toBe(true);
    expect(admitted('bob', A)).toBe(true);
  });

  it('the per-address cap locks every username from that address, and only that address', () => {
    const { fail, refusal, admitted } = setup();
    const lockouts = ['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => fail(u, A));
    expect(lockouts.slice(0, 4).flat()).toEqual([]);
    expect(lockouts[4]).toEqual([{ scope: 'address', failures: 5, lockoutS: 120 }]);
    const r = refusal('someone-else', A);
    expect(r.scope).toBe('address');
    expect(r.message).toContain('from this address;');
    expect(admitted('u1', B)).toBe(true);
  });

  it('counts concurrent attempts as they are admitted, so parallel guesses cannot outrun the limit', () => {
    const { throttle, refusal } = setup();
    const tickets = [throttle.admit('alice', A), throttle.admit('alice', A), throttle.admit('alice', A)];
    // Three checks are in flight: a fourth waits for them (Retry-After 1 s).
    expect(refusal('alice', A).retryAfterS).toBe(1);
    expect(tickets.map((t) => t.failed()).flat()).toEqual([{ scope: 'username+address', failures: 3, lockoutS: 120 }]);
    expect(refusal('alice', A).retryAfterS).toBe(120);
  });

  it('cancel counts nothing; a ticket settles once', () => {
    const { throttle, admitted } = setup();
    for (let i = 0; i < 10; i++) throttle.admit('alice', A).cancel();
    expect(admitted('alice', A)).toBe(true);
    const t = throttle.admit('alice', A);
    t.failed();
    expect(t.failed()).toEqual([]);
    t.succeeded();
    throttle.admit('alice', A).failed();
    // 2 failures: the second failed() and the succeeded() of a settled ticket were no-ops.
    expect(throttle.admit('alice', A).failed()).toEqual([{ scope: 'username+address', failures: 3, lockoutS: 120 }]);
  });

  it('stays within maxEntries under a flood of usernames and addresses, and empties as entries go stale', () => {
    const { clock, throttle, fail } = setup({ maxEntries: 50 });
    for (let i = 0; i < 1000; i++) fail(`user${i}`, `198.51.100.${i % 250}`);
    expect(throttle.size).toBeLessThanOrEqual(50);
    // The most recent attacker is still tracked.
    for (let i = 0; i < 2; i++) fail('user999', '198.51.100.249');
    expect(() => throttle.admit('user999', '198.51.100.249')).toThrow(LoginThrottledError);
    clock.t += 3600_000;
    for (let i = 0; i < 20; i++) throttle.admit('alice', A).succeeded();
    expect(throttle.size).toBeLessThan(50);
  });
});
