/**
 * The router's data path on UDP wires (virtual-router/wire/wire-datapath.ts)
 * with real loopback sockets and the real ESP engine, in this process: two
 * routers joined by a WAN wire, a site host's wire on each LAN. Plain
 * forwarding by static routes (TTL decremented per router, echo answered by
 * the router itself), what is dropped and counted, then the same traffic
 * routed into the tunnel once the SPD protects it: only ESP-in-UDP with the
 * installed SPIs on the WAN, decrypted at the far side, batched through the
 * engine; a replayed and a tampered ESP datagram are refused by the engine.
 */
import { createSocket } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging } from '../../../common/index.js';
import { EspEngine } from '../../../virtual-router/esp/index.js';
import { parseIpv4 } from '../../../virtual-router/esp/ipv4-packet.js';
import {
  answerEcho,
  describeDatagram,
  echoRequest,
  memberEndpoint,
  readEcho,
  readUdp,
  readWireCapture,
  UdpWire,
  udpPacket,
  WireDatapath,
  type UdpWireConfig,
} from '../../../virtual-router/wire/index.js';
import { SITE_A, SITE_B, tunnelConfig } from '../tunnel-fixtures.js';

const ip = (t: string): number => parseIpv4(t, 'test');
const port = (): number => randomInt(40000, 60000);
const PA = port();
const PB = port();
const PW = port();
const SPI_AB = 0x1000 + randomInt(0x10000);
const SPI_BA = 0x20000 + randomInt(0x10000);

let dir: string;
let engineA: EspEngine;
let engineB: EspEngine;
let routerA: WireDatapath;
let routerB: WireDatapath;
let hostA: UdpWire;
let hostB: UdpWire;
/** Packets host A received (IPv4, copies). */
const atA: Buffer[] = [];
const atB: Buffer[] = [];

function routerConfig(lan: string, lanPort: number, wan: string, peerTunnel: string, peerWan: string, peerLan: string, capture: string): UdpWireConfig {
  return {
    kind: 'udp-wire',
    ports: [
      { name: 'lan0', network: 'lan', address: lan, linkPort: lanPort, framing: 'ip' },
      { name: 'wan0', network: 'wan', address: wan, linkPort: PW, framing: 'esp-in-udp', capture },
    ],
    routes: [
      { prefix: `${peerTunnel}/32`, via: peerWan },
      { prefix: peerLan, via: peerWan },
    ],
  };
}

async function until(check: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return check();
}

beforeAll(async () => {
  configureLogging({ level: 'warn' });
  dir = await mkdtemp(join(tmpdir(), 'qnfv-wire-dp-'));
  engineA = new EspEngine({ localAddresses: [SITE_A.tunnel] });
  engineB = new EspEngine({ localAddresses: [SITE_B.tunnel] });
  routerA = await WireDatapath.open(routerConfig('10.1.0.1/24', PA, '203.0.113.1/24', SITE_B.tunnel, '203.0.113.2', SITE_B.lan, join(dir, 'a-wan.pcap')), engineA, [SITE_A.tunnel]);
  routerB = await WireDatapath.open(routerConfig('10.2.0.1/24', PB, '203.0.113.2/24', SITE_A.tunnel, '203.0.113.1', SITE_A.lan, join(dir, 'b-wan.pcap')), engineB, [SITE_B.tunnel]);
  // Site hosts: host B answers echo (back through its gateway); both keep what they receive.
  hostA = await UdpWire.open([{ name: 'eth0', network: 'lan', address: '10.1.0.10/24', linkPort: PA, framing: 'ip' }], (_p, _k, d, off) => atA.push(Buffer.from(d.subarray(off))));
  hostB = await UdpWire.open([{ name: 'eth0', network: 'lan', address: '10.2.0.10/24', linkPort: PB, framing: 'ip' }], (_p, _k, d, off) => {
    const pkt = Buffer.from(d.subarray(off));
    atB.push(Buffer.from(pkt));
    if (answerEcho(pkt, 0, pkt.length)) hostB.sendIp(hostB.ports[0]!, ip('10.2.0.1'), pkt);
  });
});

afterAll(async () => {
  await hostA?.close();
  await hostB?.close();
  await routerA?.close();
  await routerB?.close();
  engineA?.close();
  engineB?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('wire data path: plain forwarding', () => {
  it('forwards IPv4 across both routers by their static routes, decrementing the TTL at each', async () => {
    atA.length = 0;
    atB.length = 0;
    hostA.sendIp(hostA.ports[0]!, ip('10.1.0.1'), echoRequest(ip('10.1.0.10'), ip('10.2.0.10'), 7, 1, 56, 1));
    expect(await until(() => atA.length === 1)).toBe(true);
    const req = readEcho(atB[0]!, 0, atB[0]!.length)!;
    expect(req).toMatchObject({ type: 8, id: 7, seq: 1, src: ip('10.1.0.10'), dst: ip('10.2.0.10'), ttl: 62 });
    expect(readEcho(atA[0]!, 0, atA[0]!.length)).toMatchObject({ type: 0, id: 7, seq: 1, src: ip('10.2.0.10'), ttl: 62 });
    // Unprotected traffic crossed the WAN as IPv4 after the non-ESP marker: no SA is involved.
    expect(engineA.counters().encrypted).toBe(0);
    expect(routerA.stats().forwarded).toBeGreaterThanOrEqual(2);
    const wan = (await readWireCapture(join(dir, 'a-wan.pcap'))).map((r) => describeDatagram(r.payload, 'esp-in-udp'));
    expect(wan).toEqual([
      { kind: 'ip', protocol: 1, src: '10.1.0.10', dst: '10.2.0.10' },
      { kind: 'ip', protocol: 1, src: '10.2.0.10', dst: '10.1.0.10' },
    ]);
  });

  it('answers ICMP echo to its own addresses, from either side', async () => {
    atA.length = 0;
    hostA.sendIp(hostA.ports[0]!, ip('10.1.0.1'), echoRequest(ip('10.1.0.10'), ip('10.1.0.1'), 8, 1, 8, 2));
    hostA.sendIp(hostA.ports[0]!, ip('10.1.0.1'), echoRequest(ip('10.1.0.10'), ip('203.0.113.2'), 8, 2, 8, 3));
    expect(await until(() => atA.length === 2)).toBe(true);
    const replies = atA.map((p) => readEcho(p, 0, p.length)!).sort((x, y) => x.seq - y.seq);
    expect(replies.map((r) => [r.type, r.seq, r.src, r.ttl])).toEqual([
      [0, 1, ip('10.1.0.1'), 64],
      [0, 2, ip('203.0.113.2'), 63],
    ]);
    expect(routerA.stats().echoAnswered).toBe(1);
    expect(routerB.stats().echoAnswered).toBe(1);
  });

  it('drops and counts what it cannot forward: TTL 1, no route, a datagram that is not IPv4', async () => {
    const before = routerA.stats();
    const ttl1 = udpPacket(ip('10.1.0.10'), ip('10.2.0.10'), 1, 2, Buffer.alloc(4), 9);
    ttl1[8] = 1;
    ttl1.writeUInt16BE(0, 10);
    hostA.sendIp(hostA.ports[0]!, ip('10.1.0.1'), ttl1);
    hostA.sendIp(hostA.ports[0]!, ip('10.1.0.1'), udpPacket(ip('10.1.0.10'), ip('192.0.2.77'), 1, 2, Buffer.alloc(4), 10));
    const raw = createSocket('udp4');
    const from = memberEndpoint(ip('10.1.0.66'), PA);
    const to = memberEndpoint(ip('10.1.0.1'), PA);
    await new Promise<void>((r) => raw.bind({ address: from.host, port: from.port }, () => r()));
    await new Promise<void>((r) => raw.send(Buffer.from('not an IP packet'), to.port, to.host, () => r()));
    raw.close();
    expect(await until(() => routerA.stats().drops.noRoute > before.drops.noRoute && routerA.stats().ports[0]!.rxMalformed > before.ports[0]!.rxMalformed)).toBe(true);
    const after = routerA.stats();
    expect(after.drops.ttlExceeded - before.drops.ttlExceeded).toBe(1);
    expect(after.drops.noRoute - before.drops.noRoute).toBe(1);
    expect(after.ports[0]!.rxMalformed - before.ports[0]!.rxMalformed).toBe(1);
  });
});

describe('wire data path: through the ESP tunnel', () => {
  const secret = randomBytes(32);
  const start = { a: 0 };

  beforeAll(async () => {
    const a = tunnelConfig('t1', SITE_A, SITE_B, { spiOut: SPI_AB, spiIn: SPI_BA, master: true, secret });
    const b = tunnelConfig('t1', SITE_B, SITE_A, { spiOut: SPI_BA, spiIn: SPI_AB, master: false, secret });
    for (const [engine, cfg] of [[engineA, a], [engineB, b]] as const) {
      cfg.sad.forEach((e) => engine.addSa(e));
      cfg.spd.forEach((e) => engine.addPolicy(e));
    }
    routerA.setTunnelPrefixes([SITE_B.lan]);
    routerB.setTunnelPrefixes([SITE_A.lan]);
    start.a = (await readWireCapture(join(dir, 'a-wan.pcap'))).length;
  });

  it('routes the protected LAN into the tunnel: ESP-in-UDP with the installed SPIs on the WAN, decrypted at the far end', async () => {
    atA.length = 0;
    atB.length = 0;
    const marker = Buffer.from(`qnfv-${randomBytes(6).toString('hex')}`);
    const n = 200;
    for (let i = 0; i < n; i++) hostA.sendIp(hostA.ports[0]!, ip('10.1.0.1'), udpPacket(ip('10.1.0.10'), ip('10.2.0.10'), 5000, 6000 + i, marker, 100 + i));
    hostA.sendIp(hostA.ports[0]!, ip('10.1.0.1'), echoRequest(ip('10.1.0.10'), ip('10.2.0.10'), 9, 1, 56, 99));
    expect(await until(() => atB.length === n + 1 && atA.length === 1, 5000)).toBe(true);
    // Host B got the plaintext it was sent, every datagram, TTL decremented by each router.
    const udp = atB.map((p) => readUdp(p, 0, p.length)).filter((u) => u !== undefined);
    expect(udp.map((u) => u.dstPort).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => 6000 + i));
    expect(atB.every((p) => p[8] === 62 && p.subarray(28).equals(marker) === (p[9] === 17))).toBe(true);
    expect(readEcho(atA[0]!, 0, atA[0]!.length)).toMatchObject({ type: 0, id: 9, src: ip('10.2.0.10') });
    expect(engineA.counters()).toMatchObject({ encrypted: n + 1, decrypted: 1 });
    expect(engineB.counters()).toMatchObject({ encrypted: 1, decrypted: n + 1 });
    // The burst went through the engine in batches, not packet by packet.
    const st = routerA.stats();
    expect(st.toEngine).toBe(n + 2); // + the echo request and B's reply (decrypted)
    expect(st.engineBatches).toBeLessThan(n / 4);
    // The WAN saw only ESP with the two SPIs, and never the plaintext.
    const recs = (await readWireCapture(join(dir, 'a-wan.pcap'))).slice(start.a);
    expect(recs.length).toBe(n + 2);
    const kinds = recs.map((r) => describeDatagram(r.payload, 'esp-in-udp'));
    expect(new Set(kinds.map((k) => (k.kind === 'esp' ? k.spi : k.kind)))).toEqual(new Set([SPI_AB, SPI_BA]));
    expect(recs.some((r) => r.payload.includes(marker))).toBe(false);
  });

  it('lets the engine refuse a replayed and a tampered ESP datagram', async () => {
    const recs = (await readWireCapture(join(dir, 'a-wan.pcap'))).slice(start.a);
    // The newest packet of the SA: inside the anti-replay window, so a copy counts as a replay (not too old).
    const esp = recs.filter((r) => r.payload.readUInt32BE(0) === SPI_AB).pop()!.payload;
    const before = engineB.counters().drops;
    // A sequence number never used (so past the replay check) that the ICV does not cover.
    const tampered = Buffer.from(esp);
    tampered.writeUInt32BE(esp.readUInt32BE(4) + 100_000, 4);
    // Sent from another member of the WAN (any member may: the engine's SA lookup and checks decide).
    const raw = createSocket('udp4');
    const from = memberEndpoint(ip('203.0.113.77'), PW);
    const to = memberEndpoint(ip('203.0.113.2'), PW);
    await new Promise<void>((r) => raw.bind({ address: from.host, port: from.port }, () => r()));
    for (const d of [esp, tampered]) await new Promise<void>((r) => raw.send(d, to.port, to.host, () => r()));
    raw.close();
    expect(await until(() => engineB.counters().drops.replay > before.replay && engineB.counters().drops['auth-failed'] > before['auth-failed'])).toBe(true);
    expect(engineB.counters().drops.replay - before.replay).toBe(1);
    expect(engineB.counters().drops['auth-failed'] - before['auth-failed']).toBe(1);
  });
});
