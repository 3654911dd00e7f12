/**
 * UDP wires on real loopback sockets (virtual-router/wire/): where a member
 * listens, raw IPv4 on an `ip` port, ESP / marked IPv4 / keepalives on an
 * `esp-in-udp` port (RFC 3948), refusal of datagrams from non-members, an
 * endpoint that is taken, the capture file, and the config checks. Each test
 * picks a random link port in 40000–59999 and random 10.x subnets, so runs
 * in parallel do not meet.
 */
import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkUdpWireConfig,
  describeDatagram,
  memberAddress,
  memberEndpoint,
  memberEndpointOf,
  parseCidrText,
  readWireCapture,
  UdpWire,
  udpPacket,
  type UdpWirePortConfig,
  type WireFraming,
} from '../../../virtual-router/wire/index.js';
import { parseIpv4 } from '../../../virtual-router/esp/ipv4-packet.js';

interface Got {
  kind: 'ip' | 'esp';
  data: Buffer;
  from: string;
}

const ip = (t: string): number => parseIpv4(t, 'test');

/** Two members .1 and .2 of a fresh link with `framing`; received datagrams are collected per member. */
async function link(framing: WireFraming, capture?: string): Promise<{ a: UdpWire; b: UdpWire; gotA: Got[]; gotB: Got[]; net: string; port: number }> {
  const net = `10.${randomInt(0, 256)}.${randomInt(0, 256)}`;
  const port = randomInt(40000, 60000);
  const cfg = (host: number, cap?: string): UdpWirePortConfig => ({ name: 'p0', network: 'vl', address: `${net}.${host}/24`, linkPort: port, framing, ...(cap ? { capture: cap } : {}) });
  const gotA: Got[] = [];
  const gotB: Got[] = [];
  const collect = (into: Got[]) => (_p: unknown, kind: 'ip' | 'esp', d: Buffer, off: number, from: number) =>
    into.push({ kind, data: Buffer.from(d.subarray(off)), from: [24, 16, 8, 0].map((s) => (from >>> s) & 0xff).join('.') });
  const a = await UdpWire.open([cfg(1, capture)], collect(gotA));
  const b = await UdpWire.open([cfg(2)], collect(gotB));
  return { a, b, gotA, gotB, net, port };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

describe('wire addresses', () => {
  it('puts a member at 127.<low 24 bits of its address> on the link port, and maps it back within the subnet only', () => {
    expect(memberEndpoint(ip('10.1.0.10'), 24123)).toEqual({ host: '127.1.0.10', port: 24123 });
    expect(memberEndpointOf('203.0.113.2/24', 30000)).toEqual({ host: '127.0.113.2', port: 30000 });
    const lan = parseCidrText('10.1.0.1/24')!;
    expect(memberAddress('127.1.0.10', lan)).toBe(ip('10.1.0.10'));
    expect(memberAddress('127.1.1.10', lan)).toBeUndefined(); // 10.1.1.10 is not on 10.1.0.0/24
    expect(memberAddress('10.1.0.10', lan)).toBeUndefined(); // not a loopback address
    expect(memberAddress('127.0.113.9', parseCidrText('203.0.113.1/24')!)).toBe(ip('203.0.113.9'));
  });
});

describe('UdpWire', () => {
  const open: UdpWire[] = [];
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qnfv-wire-'));
  });
  afterEach(async () => {
    for (const w of open.splice(0)) await w.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('carries one raw IPv4 packet per datagram on an ip port, with the sender known by its address', async () => {
    const l = await link('ip');
    open.push(l.a, l.b);
    const pkt = udpPacket(ip(`${l.net}.1`), ip(`${l.net}.2`), 1000, 2000, Buffer.from('hello'), 1);
    expect(l.a.sendIp(l.a.ports[0]!, ip(`${l.net}.2`), pkt)).toBe(true);
    await until(() => l.gotB.length === 1);
    expect(l.gotB).toEqual([{ kind: 'ip', data: pkt, from: `${l.net}.1` }]);
    expect(l.a.stats()[0]).toMatchObject({ txDatagrams: 1, txIp: 1, endpoint: `127.${l.net.slice(3)}.1:${l.port}` });
    expect(l.b.stats()[0]).toMatchObject({ rxDatagrams: 1, rxIp: 1, rxNotMember: 0 });
    // Not on the link, or itself: not sent.
    expect(l.a.sendIp(l.a.ports[0]!, ip('192.0.2.1'), pkt)).toBe(false);
    expect(l.a.sendIp(l.a.ports[0]!, ip(`${l.net}.1`), pkt)).toBe(false);
    expect(l.a.stats()[0]!.txErrors).toBe(2);
  });

  it('carries ESP as ESP-in-UDP, other packets after the non-ESP marker, and drops keepalives (RFC 3948)', async () => {
    const cap = join(dir, 'esp.pcap');
    const l = await link('esp-in-udp', cap);
    open.push(l.a, l.b);
    const esp = Buffer.from('0000abcd00000001' + 'ee'.repeat(40), 'hex'); // SPI 0xabcd, seq 1
    const pkt = udpPacket(ip(`${l.net}.1`), ip(`${l.net}.2`), 1000, 2000, Buffer.from('plain'), 2);
    const b = ip(`${l.net}.2`);
    l.a.sendEsp(l.a.ports[0]!, b, esp);
    l.a.sendIp(l.a.ports[0]!, b, pkt);
    l.a.sendKeepalive(l.a.ports[0]!, b);
    await until(() => l.gotB.length === 2 && l.b.stats()[0]!.rxKeepalive === 1);
    expect(l.gotB).toEqual([
      { kind: 'esp', data: esp, from: `${l.net}.1` },
      { kind: 'ip', data: pkt, from: `${l.net}.1` },
    ]);
    expect(l.b.stats()[0]).toMatchObject({ rxEsp: 1, rxIp: 1, rxKeepalive: 1 });
    // The capture holds the datagrams as they crossed the loopback: real addresses and ports.
    l.b.sendEsp(l.b.ports[0]!, ip(`${l.net}.1`), esp);
    await until(() => l.gotA.length === 1);
    const recs = await readWireCapture(cap);
    expect(recs.map((r) => [r.src, r.dst])).toEqual([
      [{ host: `127.${l.net.slice(3)}.1`, port: l.port }, { host: `127.${l.net.slice(3)}.2`, port: l.port }],
      [{ host: `127.${l.net.slice(3)}.1`, port: l.port }, { host: `127.${l.net.slice(3)}.2`, port: l.port }],
      [{ host: `127.${l.net.slice(3)}.1`, port: l.port }, { host: `127.${l.net.slice(3)}.2`, port: l.port }],
      [{ host: `127.${l.net.slice(3)}.2`, port: l.port }, { host: `127.${l.net.slice(3)}.1`, port: l.port }],
    ]);
    expect(recs.map((r) => describeDatagram(r.payload, 'esp-in-udp'))).toEqual([
      { kind: 'esp', spi: 0xabcd, seq: 1 },
      { kind: 'ip', protocol: 17, src: `${l.net}.1`, dst: `${l.net}.2` },
      { kind: 'keepalive' },
      { kind: 'esp', spi: 0xabcd, seq: 1 },
    ]);
  });

  it('drops datagrams from sockets that are not members of the link', async () => {
    const l = await link('ip');
    open.push(l.a, l.b);
    const pkt = udpPacket(ip(`${l.net}.9`), ip(`${l.net}.2`), 1, 2, Buffer.alloc(4), 3);
    const to = memberEndpoint(ip(`${l.net}.2`), l.port);
    const send = async (host: string, port: number): Promise<void> => {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind({ address: host, port }, () => r()));
      await new Promise<void>((r) => s.send(pkt, to.port, to.host, () => r()));
      s.close();
    };
    await send('127.0.0.1', 0); // not an address of the link
    await send(`127.${l.net.slice(3)}.9`, l.port + 1 === 60000 ? l.port - 1 : l.port + 1); // right address, wrong port
    await until(() => l.b.stats()[0]!.rxNotMember === 2);
    expect(l.b.stats()[0]).toMatchObject({ rxDatagrams: 2, rxNotMember: 2, rxIp: 0 });
    expect(l.gotB).toEqual([]);
    await send(`127.${l.net.slice(3)}.9`, l.port); // a member (.9), even if it never opened a wire
    await until(() => l.gotB.length === 1);
    expect(l.gotB[0]!.from).toBe(`${l.net}.9`);
  });

  it('refuses an endpoint another socket holds, naming it', async () => {
    const l = await link('ip');
    open.push(l.a, l.b);
    const cfg: UdpWirePortConfig = { name: 'lan0', network: 'vl', address: `${l.net}.1/24`, linkPort: l.port, framing: 'ip' };
    await expect(UdpWire.open([cfg], () => undefined)).rejects.toThrow(`port lan0 (${l.net}.1/24 on vl) cannot bind 127.${l.net.slice(3)}.1:${l.port}`);
  });
});

describe('checkUdpWireConfig', () => {
  it('accepts a router config and names each bad field', () => {
    const good = { kind: 'udp-wire', ports: [{ name: 'lan0', network: 'lan', address: '10.1.0.1/24', linkPort: 24000, framing: 'ip' }], routes: [{ prefix: '10.2.0.0/24', via: '10.1.0.9' }] };
    expect(checkUdpWireConfig(good, 'io')).toEqual([]);
    const bad = {
      kind: 'tun',
      ports: [
        { name: 'Lan0', network: '', address: '10.1.0.1/31', linkPort: 80, framing: 'raw', capture: 'rel.pcap' },
        { name: 'wan0', network: 'wan', address: '10.9.0.1', linkPort: 24001, framing: 'esp-in-udp' },
      ],
      routes: [{ prefix: '10.2.0.0/33' }, { prefix: 'default', dev: 'eth9' }],
    };
    expect(checkUdpWireConfig(bad, 'io').map((p) => p.path)).toEqual([
      'io.kind',
      'io.ports[0].name',
      'io.ports[0].network',
      'io.ports[0].address',
      'io.ports[0].linkPort',
      'io.ports[0].framing',
      'io.ports[0].capture',
      'io.ports[1].address',
      'io.routes[0].prefix',
      'io.routes[0]',
      'io.routes[1].dev',
    ]);
  });
});
