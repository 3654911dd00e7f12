/**
 * IPv4 address management for management links: hands out /30 subnets from
 * a pool (RFC 6598 100.64.0.0/10 by default) that overlap nothing already
 * in use — the host's addresses and routes and the subnets of other live
 * instances. Candidates are picked at random first, so that two processes
 * allocating at the same moment (parallel test files, two VCAs on one host)
 * rarely pick the same one; an in-process lock serialises pick-and-assign.
 * Prefixes that cover the whole pool (the default route, a route for all of
 * 100.64.0.0/10 as a CGNAT VPN installs) do not block: a connected /30 is more
 * specific and wins. Every host address blocks at least its own /32.
 */
import { ValidationError } from '../common/index.js';
import { IPAM_RANDOM_TRIES } from './constants.js';
import { namedLock } from './lock.js';

/** An IPv4 prefix as numbers. */
export interface Cidr {
  /** Network address as an unsigned 32-bit integer (host bits cleared). */
  network: number;
  prefixLength: number;
}

/** A /30 (or other) subnet handed out, with its two usable addresses. */
export interface Allocation {
  /** `a.b.c.d/len` of the subnet. */
  subnet: string;
  /** First usable address (host side). */
  hostAddress: string;
  /** Second usable address (router side). */
  routerAddress: string;
  prefixLength: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True when `s` is a dotted-quad IPv4 address. */
export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** A dotted quad as an unsigned integer; `field` names the input in errors. */
export function ipv4ToInt(s: string, field = 'address'): number {
  if (!isIpv4(s)) throw new ValidationError(`${field} '${s}' is not an IPv4 address`);
  return s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** An unsigned integer as a dotted quad. */
export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Parse `a.b.c.d/len` (or a bare address, as /32); the host bits are cleared. */
export function parseCidr(s: string, field = 'prefix'): Cidr {
  if (typeof s !== 'string') throw new ValidationError(`${field} must be a string a.b.c.d/len`);
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined || (len !== undefined && !/^(3[0-2]|[12]?\d)$/.test(len))) {
    throw new ValidationError(`${field} '${s}' is not an IPv4 prefix a.b.c.d/len`);
  }
  const prefixLength = len === undefined ? 32 : Number(len);
  const value = ipv4ToInt(addr, field);
  return { network: value - (value % 2 ** (32 - prefixLength)), prefixLength };
}

/** Check an interface address `a.b.c.d/len` (a prefix length is required). */
export function checkInterfaceAddress(s: string, field: string): void {
  if (typeof s !== 'string' || !s.includes('/')) throw new ValidationError(`${field} '${s}' needs a prefix length (a.b.c.d/len)`);
  parseCidr(s, field);
}

/** `a.b.c.d/len` of a Cidr. */
export function formatCidr(c: Cidr): string {
  return `${intToIpv4(c.network)}/${c.prefixLength}`;
}

function lastAddress(c: Cidr): number {
  return c.network + 2 ** (32 - c.prefixLength) - 1;
}

/** True when the two prefixes share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/** Options of `allocateSubnet`. */
export interface AllocateOptions {
  /** Prefix length of the subnet to hand out (default 30). */
  prefixLength?: number;
  /** Source of randomness in [0, 1) (tests make it deterministic). */
  random?: () => number;
}

/**
 * Pick a subnet of the pool that overlaps none of `used`. Used prefixes that
 * cover the whole pool are ignored (see the file comment). Throws
 * ValidationError when the pool is exhausted.
 */
export function allocateSubnet(pool: string, used: readonly Cidr[], opts: AllocateOptions = {}): Allocation {
  const p = parseCidr(pool, 'pool');
  const len = opts.prefixLength ?? 30;
  if (len < p.prefixLength || len > 30) throw new ValidationError(`cannot cut /${len} subnets from pool ${pool}`);
  const random = opts.random ?? Math.random;
  const blocking = used.filter((u) => u.prefixLength > p.prefixLength && overlaps(u, p));
  const count = 2 ** (len - p.prefixLength);
  const size = 2 ** (32 - len);
  const free = (i: number): boolean => {
    const c: Cidr = { network: p.network + i * size, prefixLength: len };
    return !blocking.some((u) => overlaps(u, c));
  };
  const pick = (i: number): Allocation => {
    const network = p.network + i * size;
    return { subnet: formatCidr({ network, prefixLength: len }), hostAddress: intToIpv4(network + 1), routerAddress: intToIpv4(network + 2), prefixLength: len };
  };
  for (let t = 0; t < IPAM_RANDOM_TRIES; t++) {
    const i = Math.floor(random() * count) % count;
    if (free(i)) return pick(i);
  }
  const start = Math.floor(random() * count) % count;
  for (let k = 0; k < count; k++) {
    const i = (start + k) % count;
    if (free(i)) return pick(i);
  }
  throw new ValidationError(`no free /${len} left in pool ${pool}`);
}

/** A JSON record of `ip -j addr show` (only what is read). */
interface IpAddrJson {
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** A JSON record of `ip -j route show table all` (only what is read). */
interface IpRouteJson {
  dst?: string;
}

/** IPv4 prefixes in `ip -j -4 addr show` output: each address's subnet and the address itself as a /32. */
export function prefixesFromAddrJson(json: string): Cidr[] {
  const links = JSON.parse(json || '[]') as IpAddrJson[];
  return links.flatMap((l) =>
    (l.addr_info ?? [])
      .filter((a) => a.family === 'inet' && a.local)
      .flatMap((a) => [parseCidr(`${a.local}/${a.prefixlen ?? 32}`, 'addr'), parseCidr(a.local as string, 'addr')]),
  );
}

/** IPv4 destinations in `ip -j -4 route show table all` output (`default` is skipped). */
export function prefixesFromRouteJson(json: string): Cidr[] {
  const routes = JSON.parse(json || '[]') as IpRouteJson[];
  return routes.filter((r) => r.dst && r.dst !== 'default' && isIpv4(r.dst.split('/')[0])).map((r) => parseCidr(r.dst as string, 'route'));
}

/** Run `fn` while holding the process-wide IPAM lock (pick-and-assign must not interleave). */
export function withIpamLock<T>(fn: () => Promise<T>): Promise<T> {
  return namedLock('vim.ipam')(fn);
}
