/**
 * ESP packet format in tunnel mode (RFC 4303 §2, §3.1.2), as strongSwan's
 * `esp_packet.c`: header fields, padding and trailer (§2.4–2.6), and the
 * in-place encapsulation of an inner IPv4 or IPv6 packet into
 * outer IPv4|IPv6 ‖ [UDP (RFC 3948)] ‖ SPI ‖ seq ‖ IV ‖ encrypted(inner ‖ pad ‖ pad length ‖ 4|41) ‖ ICV.
 * The headroom before the inner packet takes the headers, the tailroom after it
 * the padding, trailer and ICV, so nothing is copied but the cipher output.
 */
import {
  ESP_HEADER_LEN,
  ESP_TRAILER_LEN,
  IPPROTO_ESP,
  IPPROTO_UDP,
  IPV4_HEADER_LEN,
  IPV6_HEADER_LEN,
  NEXT_HEADER_IPV4,
  NEXT_HEADER_IPV6,
  OUTER_TTL,
  UDP_HEADER_LEN,
} from './constants.js';
import type { EspTransform } from './esp-transform.js';
import { writeIpv4Header, type OuterHeaderFields } from './ipv4-packet.js';
import { ipv6TrafficClass, udp6Checksum, writeIpv6Header, type Ipv6HeaderFields } from './ipv6-packet.js';
import type { SecurityAssociation } from './security-association.js';
import { udpEncapLength, writeUdpHeader } from './udp-encap.js';

/** SPI of the ESP header at `off`. */
export function espSpi(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off);
}

/** Low 32 bits of the sequence number in the ESP header at `off`. */
export function espSeqLow(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off + 4);
}

/** Padding so that payload ‖ pad ‖ 2-byte trailer is a multiple of `align` (RFC 4303 §2.4). */
export function espPadLength(payloadLen: number, align: number): number {
  return (align - ((payloadLen + ESP_TRAILER_LEN) % align)) % align;
}

/** Outer IP header length of `sa`'s tunnel. */
export function outerHeaderLength(sa: SecurityAssociation): number {
  return sa.tunnelFamily === 6 ? IPV6_HEADER_LEN : IPV4_HEADER_LEN;
}

/** Bytes needed before the inner packet of `sa`: outer IPv4/IPv6 + UDP when ESP-in-UDP + ESP header + IV. */
export function espHeadroom(sa: SecurityAssociation): number {
  return outerHeaderLength(sa) + udpEncapLength(sa.udpEncap) + ESP_HEADER_LEN + sa.transform.ivLength;
}

/** Bytes needed after an inner packet of `innerLen`: padding + trailer + ICV. */
export function espTailroom(t: EspTransform, innerLen: number): number {
  return espPadLength(innerLen, t.padAlign) + ESP_TRAILER_LEN + t.icvLength;
}

/** Write padding 1, 2, 3, … (RFC 4303 §2.4 default), Pad Length and Next Header from `payloadEnd`; returns the end. */
export function writeEspTrailer(buf: Buffer, payloadEnd: number, padLen: number, nextHeader: number): number {
  for (let i = 0; i < padLen; i++) buf[payloadEnd + i] = i + 1;
  buf[payloadEnd + padLen] = padLen;
  buf[payloadEnd + padLen + 1] = nextHeader;
  return payloadEnd + padLen + ESP_TRAILER_LEN;
}

/**
 * Check the decrypted trailer of `buf[ctStart, ctEnd)`: returns the end of the payload,
 * or -1 when Pad Length overruns the payload or the padding is not 1, 2, 3, … (RFC 4303 §2.4).
 */
export function readEspTrailer(buf: Buffer, ctStart: number, ctEnd: number): number {
  const padLen = buf[ctEnd - 2];
  const payloadEnd = ctEnd - ESP_TRAILER_LEN - padLen;
  if (payloadEnd < ctStart) return -1;
  for (let i = 0; i < padLen; i++) {
    if (buf[payloadEnd + i] !== i + 1) return -1;
  }
  return payloadEnd;
}

/**
 * Encapsulate the inner packet `buf[innerOff, innerOff + innerLen)` for `sa` in place,
 * using the SA's current sequence number (the caller advanced it). The outer packet
 * starts at `innerOff - espHeadroom(sa)`; returns its length. `outer` and `outer6` are
 * scratch objects; the caller set `outer.id`.
 */
export function encapsulateTunnel(
  buf: Buffer,
  innerOff: number,
  innerLen: number,
  sa: SecurityAssociation,
  outer: OuterHeaderFields,
  outer6: Ipv6HeaderFields,
): number {
  const t = sa.transform;
  const ivStart = innerOff - t.ivLength;
  const espStart = ivStart - ESP_HEADER_LEN;
  const encap = sa.udpEncap;
  const outerStart = espStart - udpEncapLength(encap) - outerHeaderLength(sa);
  const innerV6 = buf[innerOff] >>> 4 === 6;
  // 1. Trailer after the inner packet, then SPI ‖ seq-low and IV before it.
  const padLen = espPadLength(innerLen, t.padAlign);
  const icvStart = writeEspTrailer(buf, innerOff + innerLen, padLen, innerV6 ? NEXT_HEADER_IPV6 : NEXT_HEADER_IPV4);
  buf.writeUInt32BE(sa.spi, espStart);
  buf.writeUInt32BE(sa.seqLo, espStart + 4);
  t.writeIv(buf, ivStart, sa.seqHi, sa.seqLo);
  // 2. Outer header fields that depend on the inner header, read before encryption overwrites it.
  const innerTos = innerV6 ? ipv6TrafficClass(buf, innerOff) : buf[innerOff + 1];
  // RFC 4301 §5.1.2.1 / RFC 9061 bypass-dscp and dscp-mapping; ECN is always copied (RFC 6040 normal mode).
  const tos = sa.dscpMap === null ? innerTos : (sa.dscpMap[innerTos >>> 2] << 2) | (innerTos & 0x03);
  // DF 'copy': an inner IPv6 packet is never fragmented on its way (RFC 8200 §5), so it counts as DF.
  const innerDf = innerV6 || (buf[innerOff + 6] & 0x40) !== 0;
  // 3. Encrypt in place and append the ICV.
  t.seal(buf, espStart, icvStart, sa.seqHi);
  // 4. UDP header for ESP-in-UDP (RFC 3948 §2.1), then the outer header: SA gateways, protocol or
  //    Next Header 50 (or 17), TTL / Hop Limit 64; the IPv4 header checksum, or over IPv6 the
  //    UDP checksum (RFC 8200 §8.1 makes it mandatory).
  const espEnd = icvStart + t.icvLength;
  const udpStart = espStart - UDP_HEADER_LEN;
  if (encap !== null) writeUdpHeader(buf, udpStart, encap, espEnd - udpStart);
  const total = espEnd - outerStart;
  const protocol = encap === null ? IPPROTO_ESP : IPPROTO_UDP;
  if (sa.tunnelFamily === 6) {
    outer6.trafficClass = tos;
    outer6.payloadLength = total - IPV6_HEADER_LEN;
    outer6.nextHeader = protocol;
    outer6.hopLimit = OUTER_TTL;
    outer6.src = sa.tunnelSrc6;
    outer6.dst = sa.tunnelDst6;
    writeIpv6Header(buf, outerStart, outer6);
    if (encap !== null) buf.writeUInt16BE(udp6Checksum(buf, outerStart, udpStart, espEnd - udpStart), udpStart + 6);
    return total;
  }
  outer.tos = tos;
  outer.dontFragment = sa.dfBit === 'set' || (sa.dfBit === 'copy' && innerDf);
  outer.totalLength = total;
  outer.protocol = protocol;
  outer.ttl = OUTER_TTL;
  outer.src = sa.tunnelSrc;
  outer.dst = sa.tunnelDst;
  writeIpv4Header(buf, outerStart, outer);
  return total;
}
