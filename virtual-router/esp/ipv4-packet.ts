/**
 * IPv4 packet helpers (RFC 791 §3.1) for the ESP data plane, in the manner of
 * strongSwan's `ip_packet.c`: read the fields the engine needs straight from a
 * Buffer at an offset, write an outer header in place, compute the header
 * checksum (RFC 1071). Nothing here allocates per packet.
 * Options are skipped, never interpreted. IPv6 is in `ipv6-packet.ts`.
 */
import { ValidationError } from '../../common/index.js';
import {
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPPROTO_UDPLITE,
  IPV4_FLAG_MF,
  IPV4_FRAG_OFFSET_MASK,
  IPV4_HEADER_LEN,
} from './constants.js';

/** The fields of an inner packet that SPD and SA traffic selectors look at (RFC 4301 §4.4.1.1). */
export interface FlowKey {
  /** IP version of the packet: 4 or 6. */
  family: number;
  /** IPv4 source and destination addresses as unsigned 32-bit numbers. */
  src: number;
  dst: number;
  /** IPv6 source and destination addresses as four big-endian words each (`ipv6-packet.ts`). */
  src6: Uint32Array;
  dst6: Uint32Array;
  protocol: number;
  /** Ports, or -1 when the packet has none (not TCP/UDP/SCTP, or a non-first fragment: OPAQUE). */
  srcPort: number;
  dstPort: number;
}

/** A reusable FlowKey (the engine keeps one and overwrites it per packet). */
export function newFlowKey(): FlowKey {
  return { family: 4, src: 0, dst: 0, src6: new Uint32Array(4), dst6: new Uint32Array(4), protocol: 0, srcPort: -1, dstPort: -1 };
}

/** Parse dotted-quad `a.b.c.d` into an unsigned 32-bit number; `field` names the input in errors. */
export function parseIpv4(text: string, field: string): number {
  const parts = text.trim().split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new ValidationError(`${field} is not an IPv4 address`, [{ path: field, message: `'${text}' is not a.b.c.d` }]);
  }
  return ((Number(parts[0]) << 24) | (Number(parts[1]) << 16) | (Number(parts[2]) << 8) | Number(parts[3])) >>> 0;
}

/** Format an unsigned 32-bit address as `a.b.c.d`. */
export function formatIpv4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/** Header length in bytes of the IPv4 packet at `off` (IHL × 4), or 0 when it is not a valid IPv4 header. */
export function ipv4HeaderLength(buf: Buffer, off: number, len: number): number {
  if (len < IPV4_HEADER_LEN) return 0;
  const b0 = buf[off];
  if (b0 >>> 4 !== 4) return 0;
  const ihl = (b0 & 0x0f) * 4;
  if (ihl < IPV4_HEADER_LEN || ihl > len) return 0;
  return ihl;
}

/** Total Length field of the IPv4 header at `off`. */
export function ipv4TotalLength(buf: Buffer, off: number): number {
  return buf.readUInt16BE(off + 2);
}

/** True when the packet at `off` is a fragment (MF set or non-zero offset). */
export function ipv4IsFragment(buf: Buffer, off: number): boolean {
  return (buf.readUInt16BE(off + 6) & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) !== 0;
}

/** Protocol field of the IPv4 header at `off`. */
export function ipv4Protocol(buf: Buffer, off: number): number {
  return buf[off + 9];
}

/** Destination address of the IPv4 header at `off`. */
export function ipv4Destination(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off + 16);
}

/**
 * Check that `buf[off, off+len)` holds one IPv4 packet and return its length
 * from the Total Length field (bytes past it are ignored), or 0 when malformed.
 */
export function validIpv4Length(buf: Buffer, off: number, len: number): number {
  const ihl = ipv4HeaderLength(buf, off, len);
  if (ihl === 0) return 0;
  const total = ipv4TotalLength(buf, off);
  if (total < ihl || total > len) return 0;
  return total;
}

/** Fill `key` from the valid IPv4 packet at `off` with header length `ihl` and total length `total`. */
export function readFlowKey(buf: Buffer, off: number, ihl: number, total: number, key: FlowKey): void {
  key.family = 4;
  key.src = buf.readUInt32BE(off + 12);
  key.dst = buf.readUInt32BE(off + 16);
  const proto = buf[off + 9];
  key.protocol = proto;
  key.srcPort = -1;
  key.dstPort = -1;
  const hasPorts = proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP || proto === IPPROTO_UDPLITE;
  const fragOffset = buf.readUInt16BE(off + 6) & IPV4_FRAG_OFFSET_MASK;
  if (hasPorts && fragOffset === 0 && total >= ihl + 4) {
    key.srcPort = buf.readUInt16BE(off + ihl);
    key.dstPort = buf.readUInt16BE(off + ihl + 2);
  }
}

/** RFC 1071 Internet checksum of `buf[off, off+len)` (len even), as stored in the header. */
export function internetChecksum(buf: Buffer, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += buf.readUInt16BE(off + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The fields of an outer tunnel header that vary per packet or per SA. */
export interface OuterHeaderFields {
  tos: number;
  totalLength: number;
  id: number;
  dontFragment: boolean;
  protocol: number;
  ttl: number;
  src: number;
  dst: number;
}

/** Write a 20-byte IPv4 header (no options) with a correct checksum at `off` (RFC 791 §3.1). */
export function writeIpv4Header(buf: Buffer, off: number, f: OuterHeaderFields): void {
  buf[off] = 0x45;
  buf[off + 1] = f.tos;
  buf.writeUInt16BE(f.totalLength, off + 2);
  buf.writeUInt16BE(f.id & 0xffff, off + 4);
  buf.writeUInt16BE(f.dontFragment ? 0x4000 : 0, off + 6);
  buf[off + 8] = f.ttl;
  buf[off + 9] = f.protocol;
  buf.writeUInt16BE(0, off + 10);
  buf.writeUInt32BE(f.src, off + 12);
  buf.writeUInt32BE(f.dst, off + 16);
  buf.writeUInt16BE(internetChecksum(buf, off, IPV4_HEADER_LEN), off + 10);
}
