/**
 * A minimal reader of classic pcap files (the libpcap format tcpdump writes:
 * 24-byte global header, 16-byte record headers; Ethernet, Linux cooked
 * (v1/v2, what `-i any` gives) or raw IP link types) that yields the IPv4 packets — enough for the demo to count ESP
 * packets and SPIs on the WAN without another dependency.
 */
import { readFile } from 'node:fs/promises';

export interface CapturedIpv4 {
  src: string;
  dst: string;
  protocol: number;
  /** ESP SPI and sequence number when protocol is 50. */
  spi?: number;
  seq?: number;
}

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;

/** IPv4 packets of a pcap file. */
export async function readPcapIpv4(file: string): Promise<CapturedIpv4[]> {
  const buf = await readFile(file);
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${file} is not a pcap file`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20);
  const out: CapturedIpv4[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const capLen = u32(off + 8);
    const data = buf.subarray(off + 16, off + 16 + capLen);
    off += 16 + capLen;
    let ip = data;
    if (linkType === LINKTYPE_ETHERNET) {
      if (data.length < 14 || data.readUInt16BE(12) !== 0x0800) continue;
      ip = data.subarray(14);
    } else if (linkType === LINKTYPE_LINUX_SLL) {
      if (data.length < 16 || data.readUInt16BE(14) !== 0x0800) continue;
      ip = data.subarray(16);
    } else if (linkType === LINKTYPE_LINUX_SLL2) {
      if (data.length < 20 || data.readUInt16BE(0) !== 0x0800) continue;
      ip = data.subarray(20);
    } else if (linkType !== LINKTYPE_RAW) continue;
    if (ip.length < 20 || ip[0]! >> 4 !== 4) continue;
    const ihl = (ip[0]! & 15) * 4;
    const p: CapturedIpv4 = { src: ip.subarray(12, 16).join('.'), dst: ip.subarray(16, 20).join('.'), protocol: ip[9]! };
    if (p.protocol === 50 && ip.length >= ihl + 8) {
      p.spi = ip.readUInt32BE(ihl);
      p.seq = ip.readUInt32BE(ihl + 4);
    }
    out.push(p);
  }
  return out;
}
