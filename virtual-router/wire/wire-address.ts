/**
 * Where a member of a UDP wire listens. Linux routes all of 127.0.0.0/8 to
 * `lo` and lets any user bind any of its addresses (RFC 1122 §3.2.1.3), so
 * every port gets its own loopback address: the low 24 bits of its IPv4
 * address on the link behind 127, and the link's UDP port:
 *     10.1.0.10 on a link with port 24123  →  127.1.0.10:24123
 * A link's members are then unique as long as its subnet is /8 or longer,
 * and a router or host finds any member from its IPv4 address alone — a
 * peer that does not exist yet included. The reverse mapping checks that a
 * datagram came from a member of the link.
 */
import { formatIpv4, parseIpv4 } from '../esp/ipv4-packet.js';

/** 127.0.0.0/8 (RFC 1122 §3.2.1.3). */
export const LOOPBACK_NETWORK = 0x7f000000;
/** Host bits of the loopback network that carry a member's address. */
const MEMBER_BITS = 0x00ffffff;

/** A UDP socket address. */
export interface WireEndpoint {
  host: string;
  port: number;
}

/** An IPv4 address with its prefix length, as numbers. */
export interface Ipv4Cidr {
  address: number;
  length: number;
  mask: number;
  network: number;
}

/** Parse `a.b.c.d/len`; undefined when it is not one. */
export function parseCidrText(text: string): Ipv4Cidr | undefined {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m || Number(m[2]) > 32) return undefined;
  let address: number;
  try {
    address = parseIpv4(m[1]!, 'address');
  } catch {
    return undefined;
  }
  const length = Number(m[2]);
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  return { address, length, mask, network: (address & mask) >>> 0 };
}

/** True when `addr` lies in the subnet of `cidr`. */
export function inSubnet(addr: number, cidr: Ipv4Cidr): boolean {
  return ((addr & cidr.mask) >>> 0) === cidr.network;
}

/** The loopback endpoint of the member with IPv4 address `address` on a link with UDP port `linkPort`. */
export function memberEndpoint(address: number, linkPort: number): WireEndpoint {
  return { host: formatIpv4((LOOPBACK_NETWORK | (address & MEMBER_BITS)) >>> 0), port: linkPort };
}

/** `memberEndpoint` from address text (`a.b.c.d` or `a.b.c.d/len`). */
export function memberEndpointOf(addressText: string, linkPort: number): WireEndpoint {
  return memberEndpoint(parseIpv4(addressText.split('/')[0]!, 'address'), linkPort);
}

/**
 * The IPv4 address on `subnet` of the member that sends from `host` (a loopback address),
 * or undefined when no member of that subnet uses it.
 */
export function memberAddress(host: string, subnet: Ipv4Cidr): number | undefined {
  let lo: number;
  try {
    lo = parseIpv4(host, 'host');
  } catch {
    return undefined;
  }
  if (lo >>> 24 !== LOOPBACK_NETWORK >>> 24 || subnet.length < 8) return undefined;
  const addr = ((subnet.network & ~MEMBER_BITS) | (lo & MEMBER_BITS)) >>> 0;
  return inSubnet(addr, subnet) ? addr : undefined;
}
