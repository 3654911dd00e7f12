/** A classic libpcap file (pcap-savefile(5)) of raw IPv4 packets, LINKTYPE_RAW (101). */
import { writeFileSync } from 'node:fs';

/** Write `packets` to `file` as a pcap with LINKTYPE_RAW, one second apart. */
export function writePcap(file: string, packets: Uint8Array[]): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(101, 20);
  const records = packets.map((p, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000 + i, 0);
    rec.writeUInt32LE(p.length, 8);
    rec.writeUInt32LE(p.length, 12);
    return Buffer.concat([rec, p]);
  });
  writeFileSync(file, Buffer.concat([header, ...records]));
}
