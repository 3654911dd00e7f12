/**
 * UDP encapsulation of ESP for NAT traversal (RFC 3948), an SA option
 * (RFC 9061 `encapsulation-type`: `espencap espinudp`, `sport`, `dport`,
 * default 4500): an 8-byte UDP header between the outer IPv4 header and the
 * ESP header (§2.1). The checksum is sent as zero and not checked on receipt
 * (§2.1: "SHOULD be transmitted as a zero value", receivers "MUST NOT depend
 * on the UDP checksum being a zero value"); ESP's ICV protects the payload.
 * On the ESP-in-UDP port, a payload of one 0xFF byte is a NAT-keepalive
 * (§2.3) and one that starts with four zero bytes carries the non-ESP marker
 * of IKE (§2.2); an IKE-less router drops both.
 * Caveats: tunnel mode only, so `oaddr` (original addresses for transport-mode
 * checksum fixes, §3.1.2) is not needed; the peer's source port is not
 * learned from incoming packets (no NAT mapping updates, which IKE would do).
 */
import type { Problem } from '../../common/index.js';
import type { SadEntry } from '../../common/ikeless/types.js';
import { NAT_KEEPALIVE_BYTE, NAT_T_PORT, NON_ESP_MARKER_LEN, UDP_HEADER_LEN } from './constants.js';

/** The UDP ports of an ESP-in-UDP SA, as they appear in its packets. */
export interface UdpEncap {
  sport: number;
  dport: number;
}

/** What a UDP payload on the ESP-in-UDP port is (RFC 3948 §2.2–2.3). */
export const UdpPayloadKind = { Esp: 0, Keepalive: 1, NonEsp: 2 } as const;
export type UdpPayloadKind = (typeof UdpPayloadKind)[keyof typeof UdpPayloadKind];

/** The SA's UDP encapsulation, null for plain ESP; records unusable `encapsulationType` fields in `problems`. */
export function compileUdpEncap(entry: SadEntry, problems: Problem[]): UdpEncap | null {
  const e = entry.encapsulationType;
  const espencap = e?.espencap ?? 'none';
  if (espencap === 'none') return null;
  if (espencap !== 'espinudp') {
    problems.push({
      path: 'encapsulationType.espencap',
      message: `'${String(espencap)}' is not supported; use 'espinudp' (RFC 3948) or 'none' (plain ESP)`,
    });
    return null;
  }
  const port = (v: number | undefined, field: 'sport' | 'dport'): number => {
    const p = v ?? NAT_T_PORT;
    if (!Number.isInteger(p) || p < 1 || p > 0xffff) problems.push({ path: `encapsulationType.${field}`, message: `${String(v)} is not a port 1..65535` });
    return p;
  };
  return { sport: port(e?.sport, 'sport'), dport: port(e?.dport, 'dport') };
}

/** Write the UDP header of an ESP-in-UDP packet at `off`; `udpLength` counts the header and the ESP packet. */
export function writeUdpHeader(buf: Buffer, off: number, encap: UdpEncap, udpLength: number): void {
  buf.writeUInt16BE(encap.sport, off);
  buf.writeUInt16BE(encap.dport, off + 2);
  buf.writeUInt16BE(udpLength, off + 4);
  buf.writeUInt16BE(0, off + 6);
}

/** Destination port of the UDP header at `off`. */
export function udpDestinationPort(buf: Buffer, off: number): number {
  return buf.readUInt16BE(off + 2);
}

/** Length field (header + payload) of the UDP header at `off`. */
export function udpLength(buf: Buffer, off: number): number {
  return buf.readUInt16BE(off + 4);
}

/** Classify the payload `buf[off, off+len)` that follows a UDP header on the ESP-in-UDP port. */
export function classifyUdpPayload(buf: Buffer, off: number, len: number): UdpPayloadKind {
  if (len === 1 && buf[off] === NAT_KEEPALIVE_BYTE) return UdpPayloadKind.Keepalive;
  if (len >= NON_ESP_MARKER_LEN && buf.readUInt32BE(off) === 0) return UdpPayloadKind.NonEsp;
  return UdpPayloadKind.Esp;
}

/** Bytes the encapsulation adds in front of the ESP header. */
export function udpEncapLength(encap: UdpEncap | null): number {
  return encap === null ? 0 : UDP_HEADER_LEN;
}
