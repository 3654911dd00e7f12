/**
 * The few IPv4 packets a node on UDP wires makes or answers itself, what a
 * kernel would do on a real interface: forwarding's TTL decrement (RFC 791
 * §3.2, RFC 1812 §5.3.1), ICMP echo and echo reply (RFC 792), and UDP
 * datagrams (RFC 768, checksum over the pseudo-header). Checksums per
 * RFC 1071. Nothing here touches sockets.
 */
import { IPPROTO_UDP, IPV4_HEADER_LEN, UDP_HEADER_LEN } from '../esp/constants.js';
import { internetChecksum, ipv4HeaderLength, ipv4IsFragment, validIpv4Length, writeIpv4Header } from '../esp/ipv4-packet.js';

/** IP protocol number of ICMP (RFC 792). */
export const IPPROTO_ICMP = 1;
/** ICMP types (RFC 792). */
export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;
const ICMP_ECHO_HEADER_LEN = 8;
/** TTL of packets a node originates (RFC 1700 / Linux default 64). */
export const DEFAULT_TTL = 64;

/** Checksum of `buf[off, off+len)` with an odd final byte padded with zero (RFC 1071). */
export function checksum(buf: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  let i = 0;
  for (; i + 1 < len; i += 2) sum += (buf[off + i]! << 8) | buf[off + i + 1]!;
  if (i < len) sum += buf[off + i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Recompute the IPv4 header checksum of the packet at `off`. */
export function fixHeaderChecksum(buf: Buffer, off: number): void {
  const ihl = (buf[off]! & 0x0f) * 4;
  buf.writeUInt16BE(0, off + 10);
  buf.writeUInt16BE(internetChecksum(buf, off, ihl), off + 10);
}

/** Decrement the TTL of a packet being forwarded; false (leave it) when it must be dropped (TTL ≤ 1). */
export function decrementTtl(buf: Buffer, off: number): boolean {
  const ttl = buf[off + 8]!;
  if (ttl <= 1) return false;
  buf[off + 8] = ttl - 1;
  fixHeaderChecksum(buf, off);
  return true;
}

/**
 * Turn the IPv4 ICMP echo request at `buf[off, off+len)` into its echo reply, in place
 * (addresses swapped, fresh TTL, type 0, checksums fixed); false when it is not one.
 */
export function answerEcho(buf: Buffer, off: number, len: number): boolean {
  const total = validIpv4Length(buf, off, len);
  if (total === 0 || buf[off + 9] !== IPPROTO_ICMP || ipv4IsFragment(buf, off)) return false;
  const ihl = ipv4HeaderLength(buf, off, total);
  const icmp = off + ihl;
  if (total - ihl < ICMP_ECHO_HEADER_LEN || buf[icmp] !== ICMP_ECHO_REQUEST || buf[icmp + 1] !== 0) return false;
  const src = buf.readUInt32BE(off + 12);
  buf.writeUInt32BE(buf.readUInt32BE(off + 16), off + 12);
  buf.writeUInt32BE(src, off + 16);
  buf[off + 8] = DEFAULT_TTL;
  fixHeaderChecksum(buf, off);
  buf[icmp] = ICMP_ECHO_REPLY;
  buf.writeUInt16BE(0, icmp + 2);
  buf.writeUInt16BE(checksum(buf, icmp, total - ihl), icmp + 2);
  return true;
}

/** An ICMP echo request or reply as read from a packet. */
export interface EchoMessage {
  type: number;
  id: number;
  seq: number;
  src: number;
  dst: number;
  ttl: number;
  /** ICMP payload bytes (after the 8-byte echo header). */
  dataLength: number;
}

/** The ICMP echo request/reply in the IPv4 packet at `buf[off, off+len)` (checksum verified), or undefined. */
export function readEcho(buf: Buffer, off: number, len: number): EchoMessage | undefined {
  const total = validIpv4Length(buf, off, len);
  if (total === 0 || buf[off + 9] !== IPPROTO_ICMP || ipv4IsFragment(buf, off)) return undefined;
  const ihl = ipv4HeaderLength(buf, off, total);
  const icmp = off + ihl;
  if (total - ihl < ICMP_ECHO_HEADER_LEN || checksum(buf, icmp, total - ihl) !== 0) return undefined;
  const type = buf[icmp]!;
  if (type !== ICMP_ECHO_REQUEST && type !== ICMP_ECHO_REPLY) return undefined;
  return {
    type,
    id: buf.readUInt16BE(icmp + 4),
    seq: buf.readUInt16BE(icmp + 6),
    src: buf.readUInt32BE(off + 12),
    dst: buf.readUInt32BE(off + 16),
    ttl: buf[off + 8]!,
    dataLength: total - ihl - ICMP_ECHO_HEADER_LEN,
  };
}

/** An IPv4 ICMP echo request with `dataLength` bytes of payload (a timestamp first when it fits, as iputils does). */
export function echoRequest(src: number, dst: number, id: number, seq: number, dataLength: number, ipId: number): Buffer {
  const total = IPV4_HEADER_LEN + ICMP_ECHO_HEADER_LEN + dataLength;
  const buf = Buffer.alloc(total);
  writeIpv4Header(buf, 0, { tos: 0, totalLength: total, id: ipId, dontFragment: true, protocol: IPPROTO_ICMP, ttl: DEFAULT_TTL, src, dst });
  const icmp = IPV4_HEADER_LEN;
  buf[icmp] = ICMP_ECHO_REQUEST;
  buf.writeUInt16BE(id, icmp + 4);
  buf.writeUInt16BE(seq, icmp + 6);
  for (let i = 0; i < dataLength; i++) buf[icmp + ICMP_ECHO_HEADER_LEN + i] = (0x10 + i) & 0xff;
  buf.writeUInt16BE(checksum(buf, icmp, total - IPV4_HEADER_LEN), icmp + 2);
  return buf;
}

/** An IPv4 UDP datagram with its checksum (RFC 768 pseudo-header). */
export function udpPacket(src: number, dst: number, srcPort: number, dstPort: number, payload: Uint8Array, ipId: number): Buffer {
  const udpLen = UDP_HEADER_LEN + payload.length;
  const total = IPV4_HEADER_LEN + udpLen;
  const buf = Buffer.alloc(total);
  writeIpv4Header(buf, 0, { tos: 0, totalLength: total, id: ipId, dontFragment: true, protocol: IPPROTO_UDP, ttl: DEFAULT_TTL, src, dst });
  const u = IPV4_HEADER_LEN;
  buf.writeUInt16BE(srcPort, u);
  buf.writeUInt16BE(dstPort, u + 2);
  buf.writeUInt16BE(udpLen, u + 4);
  buf.set(payload, u + UDP_HEADER_LEN);
  const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + IPPROTO_UDP + udpLen;
  const sum = checksum(buf, u, udpLen, pseudo);
  buf.writeUInt16BE(sum === 0 ? 0xffff : sum, u + 6);
  return buf;
}

/** The UDP datagram in the IPv4 packet at `buf[off, off+len)`: ports and payload length, or undefined. */
export function readUdp(buf: Buffer, off: number, len: number): { srcPort: number; dstPort: number; length: number; src: number } | undefined {
  const total = validIpv4Length(buf, off, len);
  if (total === 0 || buf[off + 9] !== IPPROTO_UDP || ipv4IsFragment(buf, off)) return undefined;
  const ihl = ipv4HeaderLength(buf, off, total);
  if (total - ihl < UDP_HEADER_LEN) return undefined;
  const u = off + ihl;
  return { srcPort: buf.readUInt16BE(u), dstPort: buf.readUInt16BE(u + 2), length: buf.readUInt16BE(u + 4) - UDP_HEADER_LEN, src: buf.readUInt32BE(off + 12) };
}
