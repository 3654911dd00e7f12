/**
 * `UdpWire`: the ports of one router or site host on UDP wires (see
 * wire-address.ts for who listens where, wire-framing.ts for what a
 * datagram holds). Each port is one `udp4` socket bound exclusively to the
 * port's loopback endpoint. Received datagrams are accepted only from a
 * member of the port's link (the link's UDP port, a loopback address that
 * maps back into the port's subnet) and handed on with the sender's IPv4
 * address; everything else is counted and dropped. Sends copy the packet
 * (the caller's batch memory is reused before a queued send would go out).
 */
import { createSocket, type Socket } from 'node:dgram';
import { ValidationError } from '../../common/index.js';
import { memberAddress, memberEndpoint, parseCidrText, type Ipv4Cidr, type WireEndpoint } from './wire-address.js';
import { WireCapture } from './wire-capture.js';
import { classifyDatagram, DatagramKind, ipOffset, NON_ESP_MARKER } from './wire-framing.js';
import type { UdpWirePortConfig, WireFraming } from './wire-config.js';

/** Socket receive buffer asked for (the kernel caps it at net.core.rmem_max). */
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

/** One open port. */
export interface WirePort {
  readonly index: number;
  readonly name: string;
  readonly network: string;
  readonly cidr: Ipv4Cidr;
  readonly linkPort: number;
  readonly framing: WireFraming;
  readonly endpoint: WireEndpoint;
}

/** Counters of one port. */
export interface WirePortStats {
  name: string;
  network: string;
  endpoint: string;
  rxDatagrams: number;
  txDatagrams: number;
  rxEsp: number;
  txEsp: number;
  rxIp: number;
  txIp: number;
  rxKeepalive: number;
  /** Datagrams from a socket that is not a member of the port's link. */
  rxNotMember: number;
  rxMalformed: number;
  txErrors: number;
}

/** Receives an accepted datagram: an IPv4 packet at `offset`, or an ESP packet (offset 0); `from` is the sender's IPv4 address. */
export type WireReceiver = (port: WirePort, kind: 'ip' | 'esp', datagram: Buffer, offset: number, from: number) => void;

/** Member endpoints cached per port. */
const MAX_CACHED_MEMBERS = 1024;

interface OpenPort extends WirePort {
  socket: Socket;
  stats: WirePortStats;
  capture?: WireCapture;
  /** Loopback endpoints of the link members sent to, by IPv4 address (the text is built once per member). */
  members: Map<number, WireEndpoint>;
  /** The send callback, one per port (not a closure per datagram). */
  onSent: (err: Error | null) => void;
}

/** The UDP-wire ports of one node. */
export class UdpWire {
  private constructor(private readonly open: OpenPort[]) {}

  /** Bind every port; rejects (closing what was bound) when one cannot be bound. */
  static async open(configs: readonly UdpWirePortConfig[], receive: WireReceiver): Promise<UdpWire> {
    const open: OpenPort[] = [];
    const wire = new UdpWire(open);
    try {
      for (const [index, c] of configs.entries()) {
        const cidr = parseCidrText(c.address);
        if (!cidr) throw new ValidationError(`port ${c.name}: '${c.address}' is not a.b.c.d/len`);
        const endpoint = memberEndpoint(cidr.address, c.linkPort);
        const socket = createSocket({ type: 'udp4' });
        const stats: WirePortStats = {
          name: c.name,
          network: c.network,
          endpoint: `${endpoint.host}:${endpoint.port}`,
          rxDatagrams: 0,
          txDatagrams: 0,
          rxEsp: 0,
          txEsp: 0,
          rxIp: 0,
          txIp: 0,
          rxKeepalive: 0,
          rxNotMember: 0,
          rxMalformed: 0,
          txErrors: 0,
        };
        const onSent = (err: Error | null): void => {
          if (err) stats.txErrors++;
        };
        const port: OpenPort = { index, name: c.name, network: c.network, cidr, linkPort: c.linkPort, framing: c.framing, endpoint, socket, stats, members: new Map(), onSent };
        await new Promise<void>((resolve, reject) => {
          socket.once('error', (err) => reject(new ValidationError(`port ${c.name} (${c.address} on ${c.network}) cannot bind ${stats.endpoint}: ${err.message}`)));
          socket.bind({ address: endpoint.host, port: endpoint.port, exclusive: true }, () => resolve());
        });
        socket.removeAllListeners('error');
        socket.on('error', () => stats.txErrors++);
        try {
          socket.setRecvBufferSize(RECV_BUFFER_BYTES);
        } catch {
          // Capped or refused: the default buffer works, bursts may drop sooner.
        }
        if (c.capture !== undefined) port.capture = new WireCapture(c.capture);
        socket.on('message', (msg, rinfo) => wire.onMessage(port, msg, rinfo.address, rinfo.port, receive));
        open.push(port);
      }
    } catch (err) {
      await wire.close();
      throw err;
    }
    return wire;
  }

  /** The open ports, in config order. */
  get ports(): readonly WirePort[] {
    return this.open;
  }

  /** The port named `name`, or undefined. */
  port(name: string): WirePort | undefined {
    return this.open.find((p) => p.name === name);
  }

  /** Send an IPv4 packet to the link member `nextHop` (a number) out of `port`; false when it was not sent. */
  sendIp(port: WirePort, nextHop: number, packet: Uint8Array): boolean {
    const p = this.open[port.index]!;
    const marker = ipOffset(p.framing);
    const datagram = Buffer.allocUnsafe(marker + packet.length);
    if (marker > 0) NON_ESP_MARKER.copy(datagram, 0);
    datagram.set(packet, marker);
    if (!this.send(p, nextHop, datagram)) return false;
    p.stats.txIp++;
    return true;
  }

  /** Send an ESP packet (SPI first, no outer IP header) to `nextHop` out of an `esp-in-udp` port. */
  sendEsp(port: WirePort, nextHop: number, esp: Uint8Array): boolean {
    const p = this.open[port.index]!;
    if (p.framing !== 'esp-in-udp') throw new ValidationError(`port ${p.name} carries raw IP, not ESP-in-UDP`);
    if (!this.send(p, nextHop, Buffer.from(esp))) return false;
    p.stats.txEsp++;
    return true;
  }

  /** Send a NAT-keepalive (RFC 3948 §2.3) to `nextHop` (tests of the receive path use it). */
  sendKeepalive(port: WirePort, nextHop: number): boolean {
    return this.send(this.open[port.index]!, nextHop, Buffer.from([0xff]));
  }

  /** A copy of every port's counters. */
  stats(): WirePortStats[] {
    return this.open.map((p) => ({ ...p.stats }));
  }

  /** Close every socket and capture file. */
  async close(): Promise<void> {
    await Promise.all(
      this.open.splice(0).map(
        (p) =>
          new Promise<void>((resolve) => {
            p.capture?.close();
            try {
              p.socket.close(() => resolve());
            } catch {
              resolve(); // never bound
            }
          }),
      ),
    );
  }

  private send(p: OpenPort, nextHop: number, datagram: Buffer): boolean {
    if (nextHop === p.cidr.address || ((nextHop & p.cidr.mask) >>> 0) !== p.cidr.network) {
      p.stats.txErrors++;
      return false;
    }
    let dst = p.members.get(nextHop);
    if (!dst) {
      dst = memberEndpoint(nextHop, p.linkPort);
      // Bounded: a large subnet swept address by address must not grow the cache without end.
      if (p.members.size >= MAX_CACHED_MEMBERS) p.members.clear();
      p.members.set(nextHop, dst);
    }
    p.capture?.record(p.endpoint, dst, datagram);
    // The datagram is the socket's until the send completes, so each send has its own buffer.
    p.socket.send(datagram, dst.port, dst.host, p.onSent);
    p.stats.txDatagrams++;
    return true;
  }

  private onMessage(p: OpenPort, msg: Buffer, host: string, srcPort: number, receive: WireReceiver): void {
    p.stats.rxDatagrams++;
    const from = srcPort === p.linkPort ? memberAddress(host, p.cidr) : undefined;
    if (from === undefined || from === p.cidr.address) {
      p.stats.rxNotMember++;
      return;
    }
    p.capture?.record({ host, port: srcPort }, p.endpoint, msg);
    const kind = classifyDatagram(msg, p.framing);
    if (kind === DatagramKind.Esp) {
      p.stats.rxEsp++;
      receive(p, 'esp', msg, 0, from);
    } else if (kind === DatagramKind.Ip) {
      p.stats.rxIp++;
      receive(p, 'ip', msg, ipOffset(p.framing), from);
    } else if (kind === DatagramKind.Keepalive) {
      p.stats.rxKeepalive++;
    } else {
      p.stats.rxMalformed++;
    }
  }
}

