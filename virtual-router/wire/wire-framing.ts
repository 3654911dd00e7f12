/**
 * What one datagram on a UDP wire carries (see WireFraming): on an `ip` port
 * a raw IPv4 packet; on an `esp-in-udp` port (RFC 3948 §2) an ESP packet,
 * the non-ESP marker followed by an IPv4 packet, or a NAT-keepalive. The
 * socket's own UDP header is the RFC 3948 UDP header; no outer IP header of
 * the virtual network is sent with ESP: the receiver rebuilds it.
 */
import { ESP_HEADER_LEN, NAT_KEEPALIVE_BYTE, NON_ESP_MARKER_LEN } from '../esp/constants.js';
import type { WireFraming } from './wire-config.js';

/** What a datagram holds. */
export const DatagramKind = { Ip: 0, Esp: 1, Keepalive: 2, Malformed: 3 } as const;
export type DatagramKind = (typeof DatagramKind)[keyof typeof DatagramKind];

/** Where a datagram's IPv4 packet starts on an `esp-in-udp` port (after the non-ESP marker). */
export const MARKED_IP_OFFSET = NON_ESP_MARKER_LEN;

/** The four zero bytes of the non-ESP marker (RFC 3948 §2.2). */
export const NON_ESP_MARKER: Readonly<Buffer> = Buffer.alloc(NON_ESP_MARKER_LEN);

/** Classify a datagram received on a port with `framing`. */
export function classifyDatagram(d: Uint8Array, framing: WireFraming): DatagramKind {
  if (framing === 'ip') return d.length > 0 && d[0]! >>> 4 === 4 ? DatagramKind.Ip : DatagramKind.Malformed;
  if (d.length === 1 && d[0] === NAT_KEEPALIVE_BYTE) return DatagramKind.Keepalive;
  if (d.length < NON_ESP_MARKER_LEN) return DatagramKind.Malformed;
  const first = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
  if (first === 0) return d.length > MARKED_IP_OFFSET && d[MARKED_IP_OFFSET]! >>> 4 === 4 ? DatagramKind.Ip : DatagramKind.Malformed;
  return d.length >= ESP_HEADER_LEN ? DatagramKind.Esp : DatagramKind.Malformed;
}

/** Offset of the IPv4 packet in a datagram of kind Ip on a port with `framing`. */
export function ipOffset(framing: WireFraming): number {
  return framing === 'ip' ? 0 : MARKED_IP_OFFSET;
}
