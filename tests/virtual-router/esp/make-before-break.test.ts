/**
 * Rekey without loss (make-before-break, ARCHITECTURE.md §3 step 8): a second SA
 * pair with the same reqid is installed before the old one is deleted.
 * Outbound switches to the newest SA at once; inbound accepts both SPIs until
 * the old SA is deleted.
 */
import { Verdict, dropReasonName } from '../../../virtual-router/esp/index.js';
import { GW_A, GW_B, HOST_A, HOST_B, SITE_A, SITE_B, run, sadEntry, tunnelPair, udpPacket } from './helpers/fixtures.js';

describe('make-before-break rekey', () => {
  it('switches outbound to the newer SA, accepts both inbound, then drops the old SPI once deleted', () => {
    const { a, b } = tunnelPair({ suite: 'gcm256' });
    const pkt = (i: number): Buffer => udpPacket(HOST_A, HOST_B, 1000 + i, 7000, `m${i}`);
    const oldPkts = run(a, [pkt(0), pkt(1)]).map((r) => r.out!);
    expect(oldPkts.map((p) => p.readUInt32BE(20))).toEqual([0x1001, 0x1001]);

    // Controller installs the new pair (inbound side first), same reqid, new SPIs and keys.
    const ab2 = sadEntry({ name: 'a-to-b-2', spi: 0x1101, suite: 'gcm128', seed: 33 });
    const ba2 = sadEntry({ name: 'b-to-a-2', spi: 0x2202, seed: 44, from: GW_B, to: GW_A, localPrefix: SITE_B, remotePrefix: SITE_A });
    for (const e of [b, a]) {
      e.addSa(ab2);
      e.addSa(ba2);
    }
    const newPkts = run(a, [pkt(2), pkt(3)]).map((r) => r.out!);
    expect(newPkts.map((p) => p.readUInt32BE(20))).toEqual([0x1101, 0x1101]);
    expect(newPkts[0].readUInt32BE(24)).toBe(1); // fresh counter

    // Old packets still in flight and new ones are both accepted, in any order.
    const dec = run(b, [newPkts[0], oldPkts[0], newPkts[1], oldPkts[1]]);
    expect(dec.map((r) => r.verdict)).toEqual([Verdict.Decrypted, Verdict.Decrypted, Verdict.Decrypted, Verdict.Decrypted]);
    expect(dec.map((r) => r.out!.readUInt16BE(20))).toEqual([1002, 1000, 1003, 1001]);

    // The reverse direction switches as well.
    const back = run(b, [udpPacket(HOST_B, HOST_A, 1, 2, 'r')]);
    expect(back[0].out!.readUInt32BE(20)).toBe(0x2202);
    expect(run(a, [back[0].out!])[0].verdict).toBe(Verdict.Decrypted);

    // Break: the old SAs go; a late old packet is now a bad SPI.
    for (const e of [a, b]) {
      expect(e.deleteSa('a-to-b')).toBe(true);
      expect(e.deleteSa('b-to-a')).toBe(true);
    }
    const late = run(a, [pkt(4)])[0].out!;
    expect(late.readUInt32BE(20)).toBe(0x1101);
    expect(run(b, [oldPkts[0], late]).map((r) => dropReasonName(r.reason))).toEqual(['bad-spi', 'none']);
  });

  it('falls back to the remaining SA when the newer one is deleted first', () => {
    const { a } = tunnelPair({ suite: 'gcm256' });
    a.addSa(sadEntry({ name: 'a-to-b-2', spi: 0x1101, seed: 33 }));
    expect(run(a, [udpPacket(HOST_A, HOST_B, 1, 2, 'x')])[0].out!.readUInt32BE(20)).toBe(0x1101);
    a.deleteSa('a-to-b-2');
    expect(run(a, [udpPacket(HOST_A, HOST_B, 1, 2, 'x')])[0].out!.readUInt32BE(20)).toBe(0x1001);
  });

  it('picks, among SAs of one reqid, the newest whose selector covers the packet', () => {
    const { a } = tunnelPair({ suite: 'gcm256' });
    a.addSa(sadEntry({ name: 'narrow', spi: 0x1201, seed: 55, remotePrefix: '10.2.0.128/25' }));
    const out = run(a, [udpPacket(HOST_A, '10.2.0.200', 1, 2, 'x'), udpPacket(HOST_A, HOST_B, 1, 2, 'x')]);
    expect(out.map((r) => r.out!.readUInt32BE(20))).toEqual([0x1201, 0x1001]);
  });
});
