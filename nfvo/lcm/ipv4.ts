/**
 * IPv4 prefix arithmetic for the address plan: parse `a.b.c.d/len`, take the
 * n-th host of a subnet, test containment and overlap. Pure functions.
 */
import { ValidationError } from '../../common/index.js';

export interface Ipv4Prefix {
  /** Network address as an unsigned 32-bit integer. */
  network: number;
  length: number;
}

/** Parse a dotted-quad address to an unsigned 32-bit integer. */
export function parseIpv4(addr: string, field = 'address'): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr.trim());
  if (!m) throw new ValidationError(`${field}: '${addr}' is not an IPv4 address`);
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) throw new ValidationError(`${field}: '${addr}' is not an IPv4 address`);
  return ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
}

/** Format an unsigned 32-bit integer as a dotted quad. */
export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parse `a.b.c.d/len`; the host bits must be zero. */
export function parsePrefix(cidr: string, field = 'prefix'): Ipv4Prefix {
  const [addr, lenText, extra] = cidr.split('/');
  // Decimal digits only: Number() would read '' as 0 and '0x18' as 24.
  const length = /^\d{1,2}$/.test(lenText ?? '') ? Number(lenText) : NaN;
  if (addr === undefined || lenText === undefined || extra !== undefined || !Number.isInteger(length) || length < 0 || length > 32) {
    throw new ValidationError(`${field}: '${cidr}' is not an IPv4 prefix (a.b.c.d/len)`);
  }
  const network = parseIpv4(addr, field);
  const mask = maskOf(length);
  if ((network & ~mask) >>> 0 !== 0) {
    throw new ValidationError(`${field}: '${cidr}' has host bits set (did you mean ${formatIpv4((network & mask) >>> 0)}/${length}?)`);
  }
  return { network, length };
}

/** Netmask of a prefix length as an unsigned integer. */
export function maskOf(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** The n-th address in a prefix (1 = first host), checked to be a usable host address. */
export function hostAddress(prefix: Ipv4Prefix, n: number): string {
  const size = 2 ** (32 - prefix.length);
  if (n < 1 || n >= size - 1) {
    throw new ValidationError(`host number ${n} does not fit in ${formatPrefix(prefix)}`);
  }
  return formatIpv4((prefix.network + n) >>> 0);
}

/** `a.b.c.d/len` text of a prefix. */
export function formatPrefix(p: Ipv4Prefix): string {
  return `${formatIpv4(p.network)}/${p.length}`;
}

/** True when the address is inside the prefix. */
export function contains(prefix: Ipv4Prefix, addr: string): boolean {
  return ((parseIpv4(addr) & maskOf(prefix.length)) >>> 0) === prefix.network;
}

/** True when two prefixes share any address. */
export function overlaps(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
  const len = Math.min(a.length, b.length);
  const m = maskOf(len);
  return ((a.network & m) >>> 0) === ((b.network & m) >>> 0);
}
