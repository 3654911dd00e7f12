/**
 * Password hashing with scrypt (RFC 7914), the slow hash the NBI stores
 * instead of passwords: `scrypt$N$r$p$<salt b64>$<hash b64>`, a 16-byte random
 * salt and a 32-byte output. Verification recomputes with the stored
 * parameters and compares in constant time, so the cost can be raised later
 * without invalidating existing users.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, len: number, opts: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(password, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))));

/** OWASP's scrypt minimum (N=2^17, r=8, p=1) costs 128 MiB per hash; 2^15 keeps a login near 50 ms on 2 cores. */
const DEFAULT = { N: 1 << 15, r: 8, p: 1 };

/** A storable hash of `password`. */
export async function hashPassword(password: string, cost: { N: number; r: number; p: number } = DEFAULT): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** True when `password` matches `stored` (false for a malformed record, never an exception). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, saltB64, hashB64] = stored.split('$');
  if (kind !== 'scrypt' || !saltB64 || !hashB64) return false;
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (![cost.N, cost.r, cost.p].every((v) => Number.isInteger(v) && v > 0)) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length, { ...cost, maxmem: 256 * cost.N * cost.r });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
