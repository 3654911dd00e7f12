/**
 * A capture hook for UDP wires: every datagram a port sends or receives is
 * appended to a classic pcap file (LINKTYPE_RAW: IPv4 ‖ UDP ‖ payload, with
 * the real loopback addresses and ports), so that a tool — tcpdump -r,
 * Wireshark, or `readWireCapture` below — sees what crossed the link. This is
 * what the demo checks without root, where tcpdump on `lo` is not allowed.
 * Records are written synchronously: a reader that starts after the traffic
 * sees all of it. Not a packet path: capture only ports you inspect.
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { internetChecksum } from '../esp/ipv4-packet.js';
import { IPPROTO_ESP, IPPROTO_UDP, IPV4_HEADER_LEN, UDP_HEADER_LEN } from '../esp/constants.js';
import { parseIpv4, formatIpv4 } from '../esp/ipv4-packet.js';
import { classifyDatagram, DatagramKind, ipOffset } from './wire-framing.js';
import type { WireFraming } from './wire-config.js';
import type { WireEndpoint } from './wire-address.js';

/** pcap magic (microsecond timestamps), version 2.4, LINKTYPE_RAW (tcpdump.org link types). */
const PCAP_MAGIC = 0xa1b2c3d4;
const LINKTYPE_RAW = 101;
const SNAPLEN = 65535;
const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

/** Appends datagrams to a pcap file. */
export class WireCapture {
  private fd: number | undefined;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'a', 0o600);
    if (fstatSync(this.fd).size === 0) {
      const h = Buffer.alloc(GLOBAL_HEADER_LEN);
      h.writeUInt32LE(PCAP_MAGIC, 0);
      h.writeUInt16LE(2, 4);
      h.writeUInt16LE(4, 6);
      h.writeUInt32LE(SNAPLEN, 16);
      h.writeUInt32LE(LINKTYPE_RAW, 20);
      writeSync(this.fd, h);
    }
  }

  /** Record one datagram from `src` to `dst`. */
  record(src: WireEndpoint, dst: WireEndpoint, payload: Uint8Array): void {
    if (this.fd === undefined) return;
    const ipLen = IPV4_HEADER_LEN + UDP_HEADER_LEN + payload.length;
    const rec = Buffer.alloc(RECORD_HEADER_LEN + ipLen);
    const now = Date.now();
    rec.writeUInt32LE(Math.floor(now / 1000), 0);
    rec.writeUInt32LE((now % 1000) * 1000, 4);
    rec.writeUInt32LE(ipLen, 8);
    rec.writeUInt32LE(ipLen, 12);
    const ip = RECORD_HEADER_LEN;
    rec[ip] = 0x45;
    rec.writeUInt16BE(ipLen, ip + 2);
    rec[ip + 8] = 64;
    rec[ip + 9] = IPPROTO_UDP;
    rec.writeUInt32BE(parseIpv4(src.host, 'capture source'), ip + 12);
    rec.writeUInt32BE(parseIpv4(dst.host, 'capture destination'), ip + 16);
    rec.writeUInt16BE(internetChecksum(rec, ip, IPV4_HEADER_LEN), ip + 10);
    const udp = ip + IPV4_HEADER_LEN;
    rec.writeUInt16BE(src.port, udp);
    rec.writeUInt16BE(dst.port, udp + 2);
    rec.writeUInt16BE(UDP_HEADER_LEN + payload.length, udp + 4);
    rec.set(payload, udp + UDP_HEADER_LEN);
    writeSync(this.fd, rec);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** One datagram read back from a capture. */
export interface CapturedDatagram {
  src: WireEndpoint;
  dst: WireEndpoint;
  payload: Buffer;
}

/** The datagrams of a capture file written by WireCapture. */
export async function readWireCapture(file: string): Promise<CapturedDatagram[]> {
  const buf = await readFile(file);
  if (buf.length < GLOBAL_HEADER_LEN || buf.readUInt32LE(0) !== PCAP_MAGIC || buf.readUInt32LE(20) !== LINKTYPE_RAW) {
    throw new Error(`${file} is not a LINKTYPE_RAW pcap file written by the wire capture`);
  }
  const out: CapturedDatagram[] = [];
  for (let off = GLOBAL_HEADER_LEN; off + RECORD_HEADER_LEN <= buf.length; ) {
    const capLen = buf.readUInt32LE(off + 8);
    const ip = buf.subarray(off + RECORD_HEADER_LEN, off + RECORD_HEADER_LEN + capLen);
    off += RECORD_HEADER_LEN + capLen;
    if (ip.length < IPV4_HEADER_LEN + UDP_HEADER_LEN || ip[9] !== IPPROTO_UDP) continue;
    const udp = (ip[0]! & 0x0f) * 4;
    out.push({
      src: { host: formatIpv4(ip.readUInt32BE(12)), port: ip.readUInt16BE(udp) },
      dst: { host: formatIpv4(ip.readUInt32BE(16)), port: ip.readUInt16BE(udp + 2) },
      payload: ip.subarray(udp + UDP_HEADER_LEN),
    });
  }
  return out;
}

/** What a captured datagram carried, as far as it can be told without keys. */
export type DatagramContent =
  | { kind: 'esp'; spi: number; seq: number }
  | { kind: 'ip'; protocol: number; src: string; dst: string; espSpi?: number }
  | { kind: 'keepalive' }
  | { kind: 'malformed' };

/** Decode a datagram of a port with `framing` (an IPv4 packet carrying ESP also reports its SPI). */
export function describeDatagram(payload: Buffer, framing: WireFraming): DatagramContent {
  const kind = classifyDatagram(payload, framing);
  if (kind === DatagramKind.Esp) return { kind: 'esp', spi: payload.readUInt32BE(0), seq: payload.readUInt32BE(4) };
  if (kind === DatagramKind.Keepalive) return { kind: 'keepalive' };
  if (kind === DatagramKind.Malformed) return { kind: 'malformed' };
  const ip = payload.subarray(ipOffset(framing));
  if (ip.length < IPV4_HEADER_LEN) return { kind: 'malformed' };
  const ihl = (ip[0]! & 0x0f) * 4;
  const protocol = ip[9]!;
  const content: DatagramContent = { kind: 'ip', protocol, src: formatIpv4(ip.readUInt32BE(12)), dst: formatIpv4(ip.readUInt32BE(16)) };
  if (protocol === IPPROTO_ESP && ip.length >= ihl + 4) content.espSpi = ip.readUInt32BE(ihl);
  return content;
}
