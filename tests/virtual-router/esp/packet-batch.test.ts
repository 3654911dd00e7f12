import { internetChecksum, writeIpv4Header, formatIpv4, parseIpv4 } from '../../../virtual-router/esp/ipv4-packet.js';
import { EspEngine, PacketBatch, Verdict, isWrite } from '../../../virtual-router/esp/index.js';
import { GW_A, HOST_A, HOST_B, spdEntry, udpPacket } from './helpers/fixtures.js';

describe('PacketBatch', () => {
  it('is read into at the headroom, processed in place, and reused without reallocation', () => {
    const batch = new PacketBatch({ size: 4, mtu: 1500, headroom: 64, tailroom: 64 });
    expect(batch.slotSize).toBe(1628);
    expect(batch.memory.length).toBe(4 * 1628);
    const e = new EspEngine({ localAddresses: [GW_A] });
    e.addPolicy(spdEntry({ name: 'b', action: 'bypass' }));
    const memory = batch.memory;
    for (let round = 0; round < 3; round++) {
      batch.clear();
      for (let i = 0; i < 3; i++) {
        const p = udpPacket(HOST_A, HOST_B, round, i, 'r');
        p.copy(batch.readView(i)); // what a TUN read does
        batch.setPacket(i, p.length);
      }
      batch.count = 3;
      e.process(batch);
      for (let i = 0; i < 3; i++) {
        expect(batch.verdicts[i]).toBe(Verdict.Bypassed);
        expect(batch.output(i)!.readUInt16BE(22)).toBe(i);
      }
      expect(batch.verdicts[3]).toBe(Verdict.None);
      expect(batch.output(3)).toBeUndefined();
    }
    expect(batch.memory).toBe(memory);
    expect(isWrite(Verdict.Drop)).toBe(false);
  });

  it('refuses more packets than slots and packets above the MTU', () => {
    const batch = new PacketBatch({ size: 1, mtu: 100 });
    expect(() => batch.push(new Uint8Array(101))).toThrow(/MTU/);
    batch.push(new Uint8Array(20));
    expect(() => batch.push(new Uint8Array(20))).toThrow(/full/);
  });
});

describe('IPv4 helpers (RFC 791, RFC 1071)', () => {
  it('parses and formats addresses', () => {
    expect(parseIpv4('198.51.100.254', 'a')).toBe(0xc63364fe);
    expect(formatIpv4(0xc63364fe)).toBe('198.51.100.254');
    expect(() => parseIpv4('198.51.100.256', 'tunnel.local')).toThrow(/tunnel.local/);
  });

  it('writes a header whose checksum matches a published worked example', () => {
    const b = Buffer.alloc(20);
    writeIpv4Header(b, 0, { tos: 0, totalLength: 0x73, id: 0, dontFragment: true, protocol: 17, ttl: 64, src: 0xc0a80001, dst: 0xc0a800c7 });
    // Example of en.wikipedia.org "Internet checksum" / "IPv4 header checksum": checksum b861
    expect(b.toString('hex')).toBe('45000073000040004011b861c0a80001c0a800c7');
    expect(internetChecksum(b, 0, 20)).toBe(0);
  });
});
