/**
 * IPv6 packet helpers (RFC 8200) for the ESP data plane, beside
 * `ipv4-packet.ts`: read the fields the engine needs from a Buffer at an
 * offset, walk the extension headers to the upper layer (§4.1: Hop-by-Hop,
 * Routing, Fragment, Destination Options), write an outer header in place.
 * Addresses are held as four big-endian 32-bit words so that prefix matching
 * is four masked compares. Nothing here allocates per packet.
 * Caveats: no jumbograms (a zero Payload Length is malformed); an AH header is
 * an upper layer (protocol 51), as RFC 4301 §4.4.1.1 treats it.
 */
import { isIPv6 } from 'node:net';
import { ValidationError } from '../../common/index.js';
import {
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPPROTO_UDPLITE,
  IPV6_EXT_DEST_OPTS,
  IPV6_EXT_FRAGMENT,
  IPV6_EXT_HOP_BY_HOP,
  IPV6_EXT_ROUTING,
  IPV6_FRAGMENT_HEADER_LEN,
  IPV6_HEADER_LEN,
} from './constants.js';
import type { FlowKey } from './ipv4-packet.js';

/** Parse an IPv6 address (any RFC 4291 §2.2 text form) into four 32-bit words; `field` names it in errors. */
export function parseIpv6(text: string, field: string): Uint32Array {
  const t = String(text).trim();
  if (!isIPv6(t) || t.includes('%')) {
    throw new ValidationError(`${field} is not an IPv6 address`, [{ path: field, message: `'${text}' is not an IPv6 address` }]);
  }
  const groups: number[] = [];
  const parse = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a, b, c, d] = g.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const dbl = t.indexOf('::');
  if (dbl < 0) groups.push(...parse(t));
  else {
    const head = parse(t.slice(0, dbl));
    const tail = parse(t.slice(dbl + 2));
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  }
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = ((groups[2 * i] << 16) | groups[2 * i + 1]) >>> 0;
  return words;
}

/** Whether `text` is an IPv6 address (rather than IPv4). */
export function isIpv6Text(text: string): boolean {
  return String(text).includes(':');
}

/** RFC 5952 text of four address words: lower case, the longest run of two or more zero groups as `::`. */
export function formatIpv6(words: Uint32Array): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push(words[i] >>> 16, words[i] & 0xffff);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Read the address at `buf[off, off+16)` into `out` (four words). */
export function readIpv6Address(buf: Buffer, off: number, out: Uint32Array): void {
  out[0] = buf.readUInt32BE(off);
  out[1] = buf.readUInt32BE(off + 4);
  out[2] = buf.readUInt32BE(off + 8);
  out[3] = buf.readUInt32BE(off + 12);
}

/** Whether the address at `buf[off, off+16)` equals `words`. */
export function ipv6AddressEquals(buf: Buffer, off: number, words: Uint32Array): boolean {
  return buf.readUInt32BE(off) === words[0] && buf.readUInt32BE(off + 4) === words[1] && buf.readUInt32BE(off + 8) === words[2] && buf.readUInt32BE(off + 12) === words[3];
}

/** Destination address offset in the IPv6 header at `off`. */
export function ipv6DestinationOffset(off: number): number {
  return off + 24;
}

/**
 * Check that `buf[off, off+len)` holds one IPv6 packet and return its length from the
 * Payload Length field (bytes past it are ignored), or 0 when malformed.
 */
export function validIpv6Length(buf: Buffer, off: number, len: number): number {
  if (len < IPV6_HEADER_LEN || buf[off] >>> 4 !== 6) return 0;
  const payload = buf.readUInt16BE(off + 4);
  const total = IPV6_HEADER_LEN + payload;
  if (payload === 0 || total > len) return 0;
  return total;
}

/** Where the extension headers of an IPv6 packet end: the upper-layer protocol and its offset. */
export interface Ipv6Upper {
  /** Upper-layer protocol number (Next Header of the last extension header). */
  protocol: number;
  /** Offset of the upper-layer header in the buffer. */
  offset: number;
  /** 0: not a fragment; 1: first fragment; 2: a later fragment (no upper-layer header). */
  fragment: number;
}

/** A reusable Ipv6Upper. */
export function newIpv6Upper(): Ipv6Upper {
  return { protocol: 0, offset: 0, fragment: 0 };
}

/** Walk the extension headers of the valid IPv6 packet at `off` (length `total`) into `out`; false when they overrun it. */
export function ipv6Upper(buf: Buffer, off: number, total: number, out: Ipv6Upper): boolean {
  let next = buf[off + 6];
  let p = off + IPV6_HEADER_LEN;
  const end = off + total;
  out.fragment = 0;
  for (;;) {
    if (next === IPV6_EXT_HOP_BY_HOP || next === IPV6_EXT_ROUTING || next === IPV6_EXT_DEST_OPTS) {
      if (p + 2 > end) return false;
      const len = (buf[p + 1] + 1) * 8;
      next = buf[p];
      p += len;
    } else if (next === IPV6_EXT_FRAGMENT) {
      if (p + IPV6_FRAGMENT_HEADER_LEN > end) return false;
      const offsetField = buf.readUInt16BE(p + 2);
      next = buf[p];
      p += IPV6_FRAGMENT_HEADER_LEN;
      if (offsetField >>> 3 !== 0) {
        // A later fragment: what follows is payload, not headers (its Next Header names the protocol).
        out.fragment = 2;
        break;
      }
      if (offsetField & 1) out.fragment = 1;
    } else break;
    if (p > end) return false;
  }
  out.protocol = next;
  out.offset = p;
  return true;
}

/** Fill `key` from the valid IPv6 packet at `off` of length `total` whose upper layer is `upper`. */
export function readFlowKey6(buf: Buffer, off: number, total: number, upper: Ipv6Upper, key: FlowKey): void {
  key.family = 6;
  readIpv6Address(buf, off + 8, key.src6);
  readIpv6Address(buf, off + 24, key.dst6);
  const proto = upper.protocol;
  key.protocol = proto;
  key.srcPort = -1;
  key.dstPort = -1;
  const hasPorts = proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP || proto === IPPROTO_UDPLITE;
  if (hasPorts && upper.fragment !== 2 && off + total >= upper.offset + 4) {
    key.srcPort = buf.readUInt16BE(upper.offset);
    key.dstPort = buf.readUInt16BE(upper.offset + 2);
  }
}

/** Traffic Class of the IPv6 header at `off`. */
export function ipv6TrafficClass(buf: Buffer, off: number): number {
  return ((buf[off] & 0x0f) << 4) | (buf[off + 1] >>> 4);
}

/** The fields of an outer IPv6 tunnel header. */
export interface Ipv6HeaderFields {
  trafficClass: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  src: Uint32Array;
  dst: Uint32Array;
}

/** Write a 40-byte IPv6 header at `off` (flow label 0, RFC 8200 §3). */
export function writeIpv6Header(buf: Buffer, off: number, f: Ipv6HeaderFields): void {
  buf.writeUInt32BE(((6 << 28) | ((f.trafficClass & 0xff) << 20)) >>> 0, off);
  buf.writeUInt16BE(f.payloadLength, off + 4);
  buf[off + 6] = f.nextHeader;
  buf[off + 7] = f.hopLimit;
  for (let i = 0; i < 4; i++) {
    buf.writeUInt32BE(f.src[i], off + 8 + 4 * i);
    buf.writeUInt32BE(f.dst[i], off + 24 + 4 * i);
  }
}

/**
 * UDP checksum over IPv6 (RFC 8200 §8.1: mandatory; pseudo-header of source, destination,
 * upper-layer length and Next Header 17) of the UDP datagram `buf[udpOff, udpOff+udpLen)`
 * whose checksum field is zero; returns the value to store (0 is sent as 0xffff).
 */
export function udp6Checksum(buf: Buffer, ipOff: number, udpOff: number, udpLen: number): number {
  let sum = 0;
  for (let i = 8; i < 40; i += 2) sum += buf.readUInt16BE(ipOff + i);
  sum += udpLen >>> 16;
  sum += udpLen & 0xffff;
  sum += IPPROTO_UDP;
  const end = udpOff + udpLen - 1;
  let i = udpOff;
  for (; i < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i === end) sum += buf[i] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  return c === 0 ? 0xffff : c;
}
