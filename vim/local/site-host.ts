/**
 * A `local` site host: one IPv4 address on one UDP wire, a default gateway,
 * and the little a host's kernel does with IP — answer ICMP echo, take ICMP
 * echo replies for its own pings, count UDP datagrams it receives — plus
 * sending echo requests and UDP datagrams (the `ping` and `send-udp`
 * commands). It does not forward: packets for other addresses are counted
 * and dropped.
 */
import { randomInt } from 'node:crypto';
import { ValidationError } from '../../common/index.js';
import { answerEcho, echoRequest, ICMP_ECHO_REPLY, inSubnet, parseCidrText, readEcho, readUdp, udpPacket, UdpWire, type Ipv4Cidr, type UdpWirePortConfig, type WirePort } from '../../virtual-router/wire/index.js';
import { parseIpv4, validIpv4Length } from '../../virtual-router/esp/ipv4-packet.js';

/** An echo reply that came back. */
export interface EchoReply {
  seq: number;
  ttl: number;
  bytes: number;
  at: number;
}

/** What a host counted. */
export interface HostCounters {
  echoRequestsAnswered: number;
  echoRepliesReceived: number;
  /** UDP datagrams received, by destination port. */
  udpReceived: Record<string, number>;
  /** Packets for another address, or that the host does not handle. */
  dropped: number;
}

/** The host's network side. */
export class SiteHost {
  readonly counters: HostCounters = { echoRequestsAnswered: 0, echoRepliesReceived: 0, udpReceived: {}, dropped: 0 };
  private readonly waiters = new Map<number, (r: EchoReply) => void>();
  private ipId = randomInt(0x10000);
  private wire?: UdpWire;
  private port?: WirePort;

  private constructor(
    readonly cidr: Ipv4Cidr,
    readonly gateway: number,
  ) {}

  /** Bind the host's port. */
  static async open(port: UdpWirePortConfig, gateway: string): Promise<SiteHost> {
    const cidr = parseCidrText(port.address);
    if (!cidr) throw new ValidationError(`host address '${port.address}' is not a.b.c.d/len`);
    const host = new SiteHost(cidr, parseIpv4(gateway, 'gateway'));
    host.wire = await UdpWire.open([port], (_p, kind, d, off) => host.receive(kind, d, off));
    host.port = host.wire.ports[0]!;
    return host;
  }

  get address(): number {
    return this.cidr.address;
  }

  /** The wire's counters of the host's port. */
  wireStats(): ReturnType<UdpWire['stats']>[number] | undefined {
    return this.wire?.stats()[0];
  }

  /** Send one echo request; `onReply` gets the reply for (id, seq). */
  sendEcho(dst: number, id: number, seq: number, dataLength: number, onReply: (r: EchoReply) => void): boolean {
    this.waiters.set((id << 16) | seq, onReply);
    return this.send(echoRequest(this.address, dst, id, seq, dataLength, this.nextId()));
  }

  /** Stop waiting for the reply to (id, seq). */
  forget(id: number, seq: number): void {
    this.waiters.delete((id << 16) | seq);
  }

  /** Send a UDP datagram. */
  sendUdp(dst: number, srcPort: number, dstPort: number, payload: Uint8Array): boolean {
    return this.send(udpPacket(this.address, dst, srcPort, dstPort, payload, this.nextId()));
  }

  async close(): Promise<void> {
    this.waiters.clear();
    await this.wire?.close();
  }

  private nextId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }

  /** On-link destinations directly, everything else via the gateway. */
  private send(packet: Buffer): boolean {
    if (!this.wire || !this.port) return false;
    const dst = packet.readUInt32BE(16);
    return this.wire.sendIp(this.port, inSubnet(dst, this.cidr) ? dst : this.gateway, packet);
  }

  private receive(kind: 'ip' | 'esp', d: Buffer, off: number): void {
    const len = kind === 'ip' ? validIpv4Length(d, off, d.length - off) : 0;
    if (len === 0 || d.readUInt32BE(off + 16) !== this.address) {
      this.counters.dropped++;
      return;
    }
    const echo = readEcho(d, off, len);
    if (echo?.type === ICMP_ECHO_REPLY) {
      const key = (echo.id << 16) | echo.seq;
      const waiter = this.waiters.get(key);
      if (waiter) {
        this.waiters.delete(key);
        this.counters.echoRepliesReceived++;
        waiter({ seq: echo.seq, ttl: echo.ttl, bytes: echo.dataLength + 8, at: Date.now() });
      } else this.counters.dropped++;
      return;
    }
    if (echo && answerEcho(d, off, len)) {
      this.counters.echoRequestsAnswered++;
      this.send(d.subarray(off, off + len));
      return;
    }
    const udp = readUdp(d, off, len);
    if (udp) {
      this.counters.udpReceived[String(udp.dstPort)] = (this.counters.udpReceived[String(udp.dstPort)] ?? 0) + 1;
      return;
    }
    this.counters.dropped++;
  }
}
