/**
 * ESP-in-UDP (RFC 3948) as an SA option (RFC 9061 `encapsulation-type`
 * `espinudp`): the packet layout (outer IPv4 protocol 17, UDP ports from the
 * SA, default 4500, checksum zero, length), engine-to-engine round trips,
 * NAT-keepalives and non-ESP-marked messages dropped as `not-esp`, an
 * encapsulation that disagrees with the SA dropped as `policy-mismatch`, and
 * interop with Scapy's `nat_t_header` in both directions for every algorithm
 * with ESN on and off, on both crypto backends.
 */
import type { SadEntry } from '../../../common/ikeless/types.js';
import { EspEngine, Verdict, dropReasonName, type CryptoChoice } from '../../../virtual-router/esp/index.js';
import { checksum, GW_A, GW_B, HOST_A, HOST_B, run, sadEntry, spdEntry, udpPacket, type Suite } from './helpers/fixtures.js';
import { ScapyPeer, scapySa } from './helpers/scapy-peer.js';

const inners = [0, 1, 13, 100, 1000].map((n, i) => udpPacket(HOST_A, HOST_B, 5000 + i, 7000, Buffer.alloc(n, 0x61 + i)));

/** The a→b SA with ESP-in-UDP (ports default to 4500 when left out). */
function encapSa(o: { suite?: Suite; esn?: boolean; sport?: number; dport?: number; seed?: number } = {}): SadEntry {
  return sadEntry({
    name: 'ab',
    spi: 0x1001,
    suite: o.suite,
    esn: o.esn,
    seed: o.seed ?? 21,
    extra: { encapsulationType: { espencap: 'espinudp', ...(o.sport ? { sport: o.sport } : {}), ...(o.dport ? { dport: o.dport } : {}) } },
  });
}

/** Sender A and receiver B with the same SA. */
function pair(entry: SadEntry, crypto: CryptoChoice = 'auto'): { a: EspEngine; b: EspEngine } {
  const a = new EspEngine({ localAddresses: [GW_A], crypto });
  const b = new EspEngine({ localAddresses: [GW_B], crypto });
  a.addSa(entry);
  b.addSa(entry);
  a.addPolicy(spdEntry({ name: 'p', action: 'protect' }));
  return { a, b };
}

/** A UDP packet from A's gateway to B's gateway with `payload`, as a NAT would deliver it. */
function udpToGateway(dport: number, payload: Buffer): Buffer {
  return udpPacket(GW_A, GW_B, 4500, dport, payload);
}

describe('ESP-in-UDP layout (RFC 3948 §2.1)', () => {
  it('outer IPv4 protocol 17, UDP 4500 → 4500 by default, checksum 0, UDP length = UDP header + ESP', () => {
    const { a, b } = pair(encapSa());
    const out = run(a, inners);
    for (const [k, r] of out.entries()) {
      expect(r.verdict).toBe(Verdict.Encrypted);
      const p = r.out!;
      expect(p[9]).toBe(17);
      expect(p.readUInt16BE(2)).toBe(p.length);
      expect(checksum(p.subarray(0, 20))).toBe(0);
      expect(p.readUInt16BE(20)).toBe(4500);
      expect(p.readUInt16BE(22)).toBe(4500);
      expect(p.readUInt16BE(24)).toBe(p.length - 20);
      expect(p.readUInt16BE(26)).toBe(0);
      expect(p.readUInt32BE(28)).toBe(0x1001); // SPI right after the UDP header
      expect(p.readUInt32BE(32)).toBe(k + 1);
    }
    const back = run(b, out.map((r) => r.out!));
    back.forEach((r, k) => {
      expect(dropReasonName(r.reason)).toBe('none');
      expect(r.out!.equals(inners[k])).toBe(true);
    });
    expect(b.saCounters('ab')).toMatchObject({ packets: inners.length });
  });

  it('uses the SA’s sport and dport; the receiver listens on its inbound SA’s dport only', () => {
    const { a, b } = pair(encapSa({ sport: 4501, dport: 4502 }));
    const [r] = run(a, [inners[1]]);
    expect([r.out!.readUInt16BE(20), r.out!.readUInt16BE(22)]).toEqual([4501, 4502]);
    expect(run(b, [r.out!])[0].verdict).toBe(Verdict.Decrypted);
    // The same ESP bytes to port 4500, where no SA listens, are ordinary UDP for the SPD: no policy.
    const moved = Buffer.from(r.out!);
    moved.writeUInt16BE(4500, 22);
    expect(dropReasonName(run(b, [moved])[0].reason)).toBe('no-policy');
  });

  it('drops NAT-keepalives (one 0xFF byte, §2.3) and non-ESP-marked messages (§2.2) as not-esp', () => {
    const { b } = pair(encapSa());
    const keepalive = udpToGateway(4500, Buffer.from([0xff]));
    const ike = udpToGateway(4500, Buffer.concat([Buffer.alloc(4), Buffer.from('IKE_SA_INIT, say')]));
    const short = udpToGateway(4500, Buffer.from([0x00, 0x01]));
    expect(run(b, [keepalive, ike, short]).map((r) => dropReasonName(r.reason))).toEqual(['not-esp', 'not-esp', 'malformed']);
    expect(b.counters().drops).toMatchObject({ 'not-esp': 2, malformed: 1 });
  });

  it('drops a packet whose encapsulation disagrees with its SA, and one with a wrong UDP length', () => {
    const udpEntry = encapSa();
    const plainEntry = sadEntry({ name: 'ab', spi: 0x1001, seed: 21 });
    const viaUdp = run(pair(udpEntry).a, [inners[2]])[0].out!;
    const plain = run(pair(plainEntry).a, [inners[2]])[0].out!;
    // Plain ESP for an ESP-in-UDP SA, and ESP-in-UDP for a plain SA (the receiver still listens on 4500
    // because of another SA).
    const bUdp = pair(udpEntry).b;
    expect(dropReasonName(run(bUdp, [plain])[0].reason)).toBe('policy-mismatch');
    const bPlain = new EspEngine({ localAddresses: [GW_B] });
    bPlain.addSa(plainEntry);
    bPlain.addSa({ ...encapSa(), name: 'other', spi: 0x3003 });
    expect(dropReasonName(run(bPlain, [viaUdp])[0].reason)).toBe('policy-mismatch');
    expect(bPlain.saCounters('ab')).toMatchObject({ policyMismatch: 1, packets: 0 });
    const badLen = Buffer.from(viaUdp);
    badLen.writeUInt16BE(badLen.readUInt16BE(24) - 4, 24);
    expect(dropReasonName(run(bUdp, [badLen])[0].reason)).toBe('malformed');
    // The genuine packet still gets in afterwards (nothing above consumed its sequence number).
    expect(run(bUdp, [viaUdp])[0].verdict).toBe(Verdict.Decrypted);
  });

  it('stops listening on a port once the last inbound SA using it is deleted', () => {
    const { a, b } = pair(encapSa());
    const [r] = run(a, [inners[0]]);
    b.addSa({ ...encapSa(), name: 'second', spi: 0x2002 });
    b.deleteSa('ab');
    expect(dropReasonName(run(b, [r.out!])[0].reason)).toBe('bad-spi'); // still ESP-in-UDP: 'second' listens
    b.deleteSa('second');
    expect(dropReasonName(run(b, [r.out!])[0].reason)).toBe('no-policy'); // now plain UDP
  });
});

describe('ESP-in-UDP interop with Scapy (nat_t_header)', () => {
  let scapy: ScapyPeer;
  beforeAll(async () => {
    scapy = await ScapyPeer.start();
  });
  afterAll(async () => {
    await scapy?.close();
  });

  const cases: [CryptoChoice, Suite, boolean][] = (['native', 'node'] as CryptoChoice[]).flatMap((c) =>
    (['gcm128', 'gcm256', 'cbc128', 'cbc256'] as Suite[]).flatMap((s) => [[c, s, false], [c, s, true]] as [CryptoChoice, Suite, boolean][]),
  );

  it.each(cases)('%s crypto, %s esn=%s: Scapy decrypts ours, we accept Scapy’s', async (crypto, suite, esn) => {
    const entry = encapSa({ suite, esn, sport: 4500, dport: 4500, seed: 33 });
    const { a, b } = pair(entry, crypto);
    const enc = run(a, inners);
    const res = await scapy.decrypt(scapySa(entry), enc.map((r) => ({ packet: r.out!, esnHi: 0 })));
    res.forEach((r, k) => {
      expect(r.error).toBeUndefined();
      expect(r).toMatchObject({ ok: true, spi: 0x1001, seq: k + 1, proto: 17, next_header: 4 });
      expect(r.udp).toMatchObject({ sport: 4500, dport: 4500, chksum: 0 });
      expect(r.inner).toBe(inners[k].toString('hex'));
    });
    // ESN: climb through subspace 0 and wrap into seq-high 1, the receiver inferring it (RFC 4303 A2.2).
    const seqs = esn ? [[0, 1], [0, 0x80000000], [0, 0xfffffff0], [1, 3], [0, 0xfffffff1]] : [[0, 1], [0, 2], [0, 4], [0, 3], [0, 9]];
    const pkts = await scapy.encrypt(
      scapySa(entry),
      inners.map((inner, k) => ({ inner, seq: seqs[k]![1]!, esnHi: seqs[k]![0]! })),
    );
    for (const p of pkts) expect([p[9], p.readUInt16BE(22)]).toEqual([17, 4500]);
    const back = run(b, pkts);
    back.forEach((r, k) => {
      expect(dropReasonName(r.reason)).toBe('none');
      expect(r.out!.equals(inners[k])).toBe(true);
    });
  });

  it('other ports: Scapy with nat_t_header UDP(4501 → 4502) and our SA agree', async () => {
    const entry = encapSa({ suite: 'gcm256', sport: 4501, dport: 4502, seed: 34 });
    const { a, b } = pair(entry);
    const [r] = run(a, [inners[3]]);
    const [dec] = await scapy.decrypt(scapySa(entry), [{ packet: r.out! }]);
    expect(dec).toMatchObject({ ok: true, udp: { sport: 4501, dport: 4502, chksum: 0 } });
    expect(dec.inner).toBe(inners[3].toString('hex'));
    const [p] = await scapy.encrypt(scapySa(entry), [{ inner: inners[4], seq: 7 }]);
    expect(run(b, [p])[0].out!.equals(inners[4])).toBe(true);
  });

  it('a tampered ESP-in-UDP packet from Scapy fails authentication', async () => {
    const entry = encapSa({ suite: 'cbc256', esn: true, seed: 35 });
    const { b } = pair(entry);
    const [p] = await scapy.encrypt(scapySa(entry), [{ inner: inners[3], seq: 5 }]);
    const bad = Buffer.from(p);
    bad[bad.length - 20] ^= 0x04;
    expect(dropReasonName(run(b, [bad])[0].reason)).toBe('auth-failed');
    expect(run(b, [p])[0].verdict).toBe(Verdict.Decrypted);
  });
});
