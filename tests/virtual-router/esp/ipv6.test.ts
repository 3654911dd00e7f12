/**
 * IPv6 in the ESP engine (RFC 4303 tunnel mode over RFC 8200): address text
 * (RFC 4291 §2.2 in, RFC 5952 out), IPv6 traffic selectors, every inner/outer
 * family combination between two engines, the extension-header walk, ESP-in-UDP
 * over IPv6 with its mandatory checksum (RFC 8200 §8.1), and interop with Scapy
 * as the independent peer in both directions.
 */
import { ValidationError } from '../../../common/index.js';
import type { IkelessNotification } from '../../../common/ikeless/types.js';
import { EspEngine, Verdict, dropReasonName } from '../../../virtual-router/esp/index.js';
import { compileSelector, selectorMatches } from '../../../virtual-router/esp/traffic-selector.js';
import { newFlowKey } from '../../../virtual-router/esp/ipv4-packet.js';
import { formatIpv6, ipv6Upper, newIpv6Upper, parseIpv6 } from '../../../virtual-router/esp/ipv6-packet.js';
import { LocalAddresses } from '../../../virtual-router/esp/local-addresses.js';
import {
  GW6_A,
  GW6_B,
  GW_A,
  GW_B,
  HOST6_A,
  HOST6_B,
  HOST_A,
  HOST_B,
  SITE6_A,
  SITE6_B,
  SITE_A,
  SITE_B,
  checksum,
  ipv6Bytes,
  run,
  sadEntry,
  spdEntry,
  udp6Packet,
  udpPacket,
  type Suite,
} from './helpers/fixtures.js';
import { ScapyPeer, scapySa } from './helpers/scapy-peer.js';

describe('IPv6 address text', () => {
  it.each([
    ['2001:db8::1', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:0DB8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    // RFC 5952 §4.2.3: the longest run is compressed, the first of two equal runs.
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    // §4.2.2: a single zero group is not compressed.
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['fe80::', 'fe80::'],
  ])('%s reads back as %s', (text, canonical) => {
    expect(formatIpv6(parseIpv6(text, 'a'))).toBe(canonical);
    expect(Buffer.from(parseIpv6(text, 'a').buffer).swap32()).toEqual(ipv6Bytes(canonical));
  });

  it('local addresses match whatever the spelling', () => {
    const local = new LocalAddresses([GW6_A, GW_A]);
    expect(local.hasText('2001:DB8:100:0:0:0:0:1')).toBe(true);
    expect(local.hasText(GW_A)).toBe(true);
    expect(local.hasText(GW6_B)).toBe(false);
    expect(() => local.hasText('nope', 'tunnel.remote')).toThrow(/tunnel\.remote/);
  });

  it.each(['2001:db8::1::2', '1.2.3.4', 'fe80::1%eth0', '12345::', ''])('refuses %j naming the field', (text) => {
    expect(() => parseIpv6(text, 'tunnel.local')).toThrow(ValidationError);
    expect(() => parseIpv6(text, 'tunnel.local')).toThrow(/tunnel\.local/);
  });
});

describe('IPv6 traffic selectors', () => {
  const flow6 = (src: string, dst: string, proto = 17, sport = 1000, dport = 2000): ReturnType<typeof newFlowKey> => {
    const k = newFlowKey();
    k.family = 6;
    k.src6.set(parseIpv6(src, 's'));
    k.dst6.set(parseIpv6(dst, 'd'));
    k.protocol = proto;
    k.srcPort = sport;
    k.dstPort = dport;
    return k;
  };

  it('matches by prefix on all 128 bits, ports and protocol', () => {
    const sel = compileSelector({ localPrefix: SITE6_A, remotePrefix: '2001:db8:2::/48', innerProtocol: 17, remotePorts: [{ start: 2000, end: 2010 }] }, 'ts');
    expect(selectorMatches(sel, flow6(HOST6_A, HOST6_B))).toBe(true);
    expect(selectorMatches(sel, flow6(HOST6_A, '2001:db8:2:ffff::1'))).toBe(true);
    expect(selectorMatches(sel, flow6(HOST6_A, '2001:db8:3::1'))).toBe(false);
    expect(selectorMatches(sel, flow6('2001:db8:1:0:1::1', HOST6_B))).toBe(true);
    expect(selectorMatches(sel, flow6('2001:db8:1:1::1', HOST6_B))).toBe(false);
    expect(selectorMatches(sel, flow6(HOST6_A, HOST6_B, 6))).toBe(false);
    expect(selectorMatches(sel, flow6(HOST6_A, HOST6_B, 17, 1000, 2011))).toBe(false);
    const host = compileSelector({ localPrefix: `${HOST6_A}/128`, remotePrefix: '::/0', innerProtocol: 'any' }, 'ts');
    expect(selectorMatches(host, flow6(HOST6_A, '2001:db8:77::1'))).toBe(true);
    expect(selectorMatches(host, flow6('2001:db8:1::11', HOST6_B))).toBe(false);
  });

  it('never matches a packet of the other family, whatever its numbers', () => {
    const v4 = compileSelector({ localPrefix: '0.0.0.0/0', remotePrefix: '0.0.0.0/0', innerProtocol: 'any' }, 'ts');
    const v6 = compileSelector({ localPrefix: '::/0', remotePrefix: '::/0', innerProtocol: 'any' }, 'ts');
    expect(selectorMatches(v4, flow6(HOST6_A, HOST6_B))).toBe(false);
    expect(selectorMatches(v6, newFlowKey())).toBe(false);
    expect(selectorMatches(v6, flow6(HOST6_A, HOST6_B))).toBe(true);
  });

  it('refuses prefixes of two families and lengths over 128, naming the field', () => {
    expect(() => compileSelector({ localPrefix: SITE6_A, remotePrefix: SITE_B, innerProtocol: 'any' }, 'ts')).toThrow(/is IPv4 but localPrefix is IPv6/);
    try {
      compileSelector({ localPrefix: '2001:db8::/129', remotePrefix: SITE6_B, innerProtocol: 'any' }, 'ts');
      throw new Error('not reached');
    } catch (err) {
      expect((err as ValidationError).problems.map((p) => p.path)).toEqual(['ts.localPrefix']);
    }
  });
});

/** Engines A and B with one SA pair between `gwA` and `gwB`, protecting `siteA` ↔ `siteB`. */
function pair(gwA: string, gwB: string, siteA: string, siteB: string, suite: Suite = 'gcm256', extra: { esn?: boolean; udp?: boolean } = {}) {
  const encap = extra.udp ? { extra: { encapsulationType: { espencap: 'espinudp' as const, sport: 4500, dport: 4500 } } } : {};
  const ab = sadEntry({ name: 'a-to-b', spi: 0x1001, suite, esn: extra.esn, seed: 11, from: gwA, to: gwB, localPrefix: siteA, remotePrefix: siteB, ...encap });
  const ba = sadEntry({ name: 'b-to-a', spi: 0x2002, suite, esn: extra.esn, seed: 22, from: gwB, to: gwA, localPrefix: siteB, remotePrefix: siteA, ...encap });
  const a = new EspEngine({ localAddresses: [GW_A, GW6_A] });
  const b = new EspEngine({ localAddresses: [GW_B, GW6_B] });
  for (const e of [a, b]) {
    e.addSa(ab);
    e.addSa(ba);
  }
  a.addPolicy(spdEntry({ name: 'a-out', action: 'protect', localPrefix: siteA, remotePrefix: siteB }));
  b.addPolicy(spdEntry({ name: 'b-out', action: 'protect', localPrefix: siteB, remotePrefix: siteA }));
  return { a, b, ab, ba };
}

describe('every family combination between two engines', () => {
  const inner6 = [0, 1, 7, 100, 1300].map((n, i) => udp6Packet(HOST6_A, HOST6_B, 5000 + i, 7000, Buffer.alloc(n, 0x61 + i), { tc: 0xb8 }));
  const inner4 = [0, 1, 7, 100, 1300].map((n, i) => udpPacket(HOST_A, HOST_B, 5000 + i, 7000, Buffer.alloc(n, 0x61 + i)));

  it.each([
    ['IPv6 in IPv6', GW6_A, GW6_B, SITE6_A, SITE6_B, inner6, 6],
    ['IPv4 in IPv6', GW6_A, GW6_B, SITE_A, SITE_B, inner4, 6],
    ['IPv6 in IPv4', GW_A, GW_B, SITE6_A, SITE6_B, inner6, 4],
  ] as const)('%s: B decrypts what A encrypts, to the same bytes', (_what, gwA, gwB, siteA, siteB, inners, outerFamily) => {
    for (const suite of ['gcm128', 'cbc256'] as Suite[]) {
      const { a, b } = pair(gwA, gwB, siteA, siteB, suite);
      const enc = run(a, inners);
      expect(enc.map((r) => r.verdict)).toEqual(inners.map(() => Verdict.Encrypted));
      for (const [i, r] of enc.entries()) {
        const out = r.out!;
        expect(out[0] >>> 4).toBe(outerFamily);
        if (outerFamily === 6) {
          expect(out.readUInt16BE(4)).toBe(out.length - 40);
          expect([out[6], out[7]]).toEqual([50, 64]);
          expect(out.subarray(8, 24)).toEqual(ipv6Bytes(gwA));
          expect(out.subarray(24, 40)).toEqual(ipv6Bytes(gwB));
          // Traffic class copied from the inner header (bypass-dscp true).
          if (inners[i][0] >>> 4 === 6) expect(((out[0] & 0x0f) << 4) | (out[1] >>> 4)).toBe(0xb8);
        } else {
          expect([out[9], out.readUInt16BE(2)]).toEqual([50, out.length]);
          expect(checksum(out.subarray(0, 20))).toBe(0);
        }
      }
      const dec = run(b, enc.map((r) => r.out!));
      dec.forEach((r, i) => {
        expect(dropReasonName(r.reason) ?? 'none').toBe('none');
        expect(r.verdict).toBe(Verdict.Decrypted);
        expect(r.out).toEqual(inners[i]);
      });
    }
  });

  it('an inner packet outside the SA selector is dropped after decryption (policy-mismatch)', () => {
    const { a, b } = pair(GW6_A, GW6_B, '2001:db8:1::/48', '2001:db8:2::/48');
    // B's copy of the SA only admits 2001:db8:1::/64 sources.
    b.deleteSa('a-to-b');
    b.addSa(sadEntry({ name: 'a-to-b', spi: 0x1001, seed: 11, from: GW6_A, to: GW6_B, localPrefix: SITE6_A, remotePrefix: '2001:db8:2::/48' }));
    const enc = run(a, [udp6Packet('2001:db8:1:5::1', HOST6_B, 1, 2, 'x')]);
    expect(enc[0].verdict).toBe(Verdict.Encrypted);
    expect(dropReasonName(run(b, [enc[0].out!])[0].reason)).toBe('policy-mismatch');
  });

  it('walks extension headers: ESP behind Destination Options is inbound, an outer fragment is malformed', () => {
    const { a, b } = pair(GW6_A, GW6_B, SITE6_A, SITE6_B);
    const inner = udp6Packet(HOST6_A, HOST6_B, 1, 2, 'hello');
    const esp = run(a, [inner])[0].out!;
    const withOpts = (nextHeader: number, ext: Buffer): Buffer => {
      const p = Buffer.concat([esp.subarray(0, 40), ext, esp.subarray(40)]);
      p.writeUInt16BE(p.length - 40, 4);
      p[6] = nextHeader;
      return p;
    };
    // Destination Options (60): Next Header 50, Hdr Ext Len 0, PadN of 4 bytes.
    const destOpts = Buffer.from([50, 0, 1, 4, 0, 0, 0, 0]);
    const viaOpts = run(b, [withOpts(60, destOpts)])[0];
    expect(viaOpts.verdict).toBe(Verdict.Decrypted);
    expect(viaOpts.out).toEqual(inner);
    // A first fragment (offset 0, M = 1) of the outer packet: no reassembly here.
    const frag = Buffer.from([50, 0, 0, 1, 0, 0, 0, 7]);
    expect(dropReasonName(run(b, [withOpts(44, frag)])[0].reason)).toBe('malformed');
    // Extension headers that overrun the packet, and a Payload Length past the read bytes.
    expect(dropReasonName(run(b, [withOpts(60, Buffer.from([50, 200, 1, 4, 0, 0, 0, 0]))])[0].reason)).toBe('malformed');
    const short = Buffer.from(esp);
    short.writeUInt16BE(esp.length, 4);
    expect(dropReasonName(run(b, [short])[0].reason)).toBe('malformed');
  });

  it('outbound IPv6 without a policy is dropped (no-policy), and without an SA raises sadb-acquire with /128 prefixes', () => {
    const events: IkelessNotification[] = [];
    const e = new EspEngine({ localAddresses: [GW6_A], onEvent: (x) => events.push(x) });
    expect(dropReasonName(run(e, [udp6Packet(HOST6_A, HOST6_B, 1, 2, 'x')])[0].reason)).toBe('no-policy');
    e.addPolicy(spdEntry({ name: 'p6', action: 'protect', localPrefix: SITE6_A, remotePrefix: SITE6_B, reqid: 7n }));
    expect(dropReasonName(run(e, [udp6Packet(HOST6_A, HOST6_B, 1111, 2222, 'x')])[0].reason)).toBe('no-sa');
    expect(events).toEqual([
      {
        type: 'sadb-acquire',
        ipsecPolicyName: 'p6',
        trafficSelector: { localPrefix: '2001:db8:1::10/128', remotePrefix: '2001:db8:2::20/128', innerProtocol: 17, localPorts: [{ start: 1111, end: 1111 }], remotePorts: [{ start: 2222, end: 2222 }] },
      },
    ]);
  });
});

describe('interop with Scapy over IPv6', () => {
  let scapy: ScapyPeer;
  beforeAll(async () => {
    scapy = await ScapyPeer.start();
  });
  afterAll(async () => {
    await scapy?.close();
  });

  const inner6 = [0, 3, 100, 1000].map((n, i) => udp6Packet(HOST6_A, HOST6_B, 6000 + i, 7000, Buffer.alloc(n, 0x30 + i)));
  const inner4 = [0, 3, 100].map((n, i) => udpPacket(HOST_A, HOST_B, 6000 + i, 7000, Buffer.alloc(n, 0x30 + i)));

  it.each([
    ['gcm256', false, false],
    ['gcm128', true, false],
    ['cbc128', false, false],
    ['cbc256', true, false],
    ['gcm256', false, true],
    ['cbc256', false, true],
  ] as [Suite, boolean, boolean][])('%s esn=%s udp=%s: Scapy decrypts ours, and we accept Scapy’s', async (suite, esn, udp) => {
    for (const [siteA, siteB, inners, nh] of [
      [SITE6_A, SITE6_B, inner6, 41],
      [SITE_A, SITE_B, inner4, 4],
    ] as const) {
      const { a, b, ab } = pair(GW6_A, GW6_B, siteA, siteB, suite, { esn, udp });
      const enc = run(a, inners);
      expect(enc.every((r) => r.verdict === Verdict.Encrypted)).toBe(true);
      const res = await scapy.decrypt(
        scapySa(ab),
        enc.map((r) => ({ packet: r.out! })),
      );
      res.forEach((r, i) => {
        expect(r.error).toBeUndefined();
        expect(r).toMatchObject({ ok: true, spi: 0x1001, seq: i + 1, ttl: 64, proto: udp ? 17 : 50, next_header: nh });
        expect(r.inner).toBe(inners[i].toString('hex'));
        if (udp) {
          expect(r.udp).toMatchObject({ sport: 4500, dport: 4500, len: enc[i].out!.length - 40 });
          expect(r.udp!.chksum).toBe(r.udp!.expected_chksum);
          expect(r.udp!.chksum).not.toBe(0);
        }
      });
      // The other way: Scapy encrypts, B decrypts.
      const fromScapy = await scapy.encrypt(scapySa(ab), [...inners.map((p, i) => ({ inner: p, seq: 10 + i })), { inner: inners[0], seq: 99 }]);
      const fresh = fromScapy.pop()!;
      const dec = run(b, fromScapy);
      dec.forEach((r, i) => {
        expect(dropReasonName(r.reason) ?? 'none').toBe('none');
        expect(r.out).toEqual(inners[i]);
      });
      // Tampered and replayed Scapy packets are dropped for their reasons.
      const tampered = Buffer.from(fresh);
      tampered[tampered.length - 20] ^= 1;
      const again = run(b, [tampered, fromScapy[1]]);
      expect(again.map((r) => dropReasonName(r.reason))).toEqual(['auth-failed', 'replay']);
    }
  });
});

describe('fragments addressed to a tunnel endpoint', () => {
  it('the header walk stops at the Fragment header of a later fragment: what follows is payload', () => {
    // IPv6 | Fragment (Next Header 60, offset 8 × 8 bytes) | payload that looks like a Dest Options header then TCP.
    const p = udp6Packet(HOST6_A, HOST6_B, 1, 2, 'x');
    const body = Buffer.from([60, 0, 0x00, 0x40, 0, 0, 0, 9, 6, 0, 1, 4, 0, 0, 0, 0, 0xaa, 0xbb]);
    const pkt = Buffer.concat([p.subarray(0, 40), body]);
    pkt.writeUInt16BE(body.length, 4);
    pkt[6] = 44;
    const up = newIpv6Upper();
    expect(ipv6Upper(pkt, 0, pkt.length, up)).toBe(true);
    expect(up).toEqual({ protocol: 60, offset: 48, fragment: 2 });
  });

  it('a UDP fragment that is not ESP-in-UDP is not malformed: it goes through the SPD like any packet', () => {
    const { a } = pair(GW_A, GW_B, SITE_A, SITE_B, 'gcm256', { udp: true });
    // A first fragment (MF) of UDP to port 53 at the tunnel address, and a later fragment whose
    // payload happens to hold 4500 where a port would be.
    const first = udpPacket(HOST_B, GW_A, 1234, 53, Buffer.alloc(16, 1));
    first.writeUInt16BE(0x2000, 6);
    first.writeUInt16BE(checksum(Buffer.concat([first.subarray(0, 10), Buffer.alloc(2), first.subarray(12, 20)])), 10);
    const later = udpPacket(HOST_B, GW_A, 4500, 4500, Buffer.alloc(16, 2));
    later.writeUInt16BE(0x0003, 6);
    later.writeUInt16BE(0, 10);
    later.writeUInt16BE(checksum(later.subarray(0, 20)), 10);
    expect(run(a, [first, later]).map((r) => dropReasonName(r.reason))).toEqual(['no-policy', 'no-policy']);
    // The first fragment of real ESP-in-UDP (to the SA's port) is malformed: there is no reassembly.
    const espFirst = udpPacket(HOST_B, GW_A, 4500, 4500, Buffer.alloc(40, 3));
    espFirst.writeUInt16BE(0x2000, 6);
    espFirst.writeUInt16BE(0, 10);
    espFirst.writeUInt16BE(checksum(espFirst.subarray(0, 20)), 10);
    expect(dropReasonName(run(a, [espFirst])[0]!.reason)).toBe('malformed');
  });
});
